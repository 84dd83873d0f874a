// Which AuthorizationPolicies apply to a workload: all of them (no override),
// root namespace (mesh-wide, or by selector in every namespace), own namespace,
// selector; oldest first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizationPolicy, AuthorizationPolicySpec } from '../../api/security.js';
import { AuthorizationPolicyIndex } from './authorization-policy-index.js';
import { buildPushContext } from './push-context.js';

const ap = (name: string, namespace: string, spec: AuthorizationPolicySpec = {}): AuthorizationPolicy =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec });
const acc = (p: AuthorizationPolicy) => ({ obj: p, key: `AuthorizationPolicy ${p.metadata.name}.${p.metadata.namespace}` });
const sel = (labels: Record<string, string>) => ({ selector: { matchLabels: labels } });

describe('AuthorizationPolicyIndex', () => {
  const items = [
    ap('ns-wide', 'default'), ap('mesh', 'istio-system'), ap('mesh-reviews', 'istio-system', sel({ app: 'reviews' })),
    ap('reviews', 'default', sel({ app: 'reviews' })), ap('reviews-v2', 'default', sel({ app: 'reviews', version: 'v2' })),
    ap('other-ns', 'foo'), ap('ratings', 'default', sel({ app: 'ratings' })),
  ].map(acc);
  const index = new AuthorizationPolicyIndex(items, 'istio-system');
  const names = (ns: string, labels: Record<string, string>) => index.forWorkload(ns, labels).map((p) => p.obj.metadata.name);

  it('every applicable policy, oldest first', () => {
    assert.deepEqual(names('default', { app: 'reviews', version: 'v1' }), ['ns-wide', 'mesh', 'mesh-reviews', 'reviews']);
    assert.deepEqual(names('default', { app: 'reviews', version: 'v2' }), ['ns-wide', 'mesh', 'mesh-reviews', 'reviews', 'reviews-v2']);
  });
  it('root-namespace selectors reach other namespaces; other namespaces\' policies do not', () => {
    assert.deepEqual(names('bar', { app: 'reviews' }), ['mesh', 'mesh-reviews']);
    assert.deepEqual(names('foo', { app: 'x' }), ['mesh', 'other-ns']);
  });
  it('a workload in the root namespace gets the root namespace\'s policies once', () => {
    assert.deepEqual(names('istio-system', { app: 'reviews' }), ['mesh', 'mesh-reviews']);
  });
  it('the push context serves the index', () => {
    const push = buildPushContext({ configs: items });
    assert.deepEqual(push.authorizationPolicies('default', { app: 'ratings' }).map((p) => p.key), ['AuthorizationPolicy ns-wide.default', 'AuthorizationPolicy mesh.istio-system', 'AuthorizationPolicy ratings.default']);
  });
});
