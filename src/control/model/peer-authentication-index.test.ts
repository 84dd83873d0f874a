// Istio's PeerAuthentication inheritance, as a table: mesh (root namespace)
// → namespace → workload selector, UNSET inherits, the oldest policy of a
// scope wins, portLevelMtls overrides per workload port, default PERMISSIVE,
// selector policies in the root namespace apply to nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MutualTlsMode, PeerAuthentication, PeerAuthenticationSpec } from '../../api/security.js';
import { buildPushContext } from './push-context.js';
import { mtlsModeForPort, PeerAuthenticationIndex } from './peer-authentication-index.js';
import type { MtlsMode } from './types.js';

const pa = (name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
const mode = (m: MutualTlsMode) => ({ mtls: { mode: m } });
const keyed = (p: PeerAuthentication) => ({ obj: p, key: `PeerAuthentication ${p.metadata.name}.${p.metadata.namespace}` });

const FINANCE = { app: 'finance', version: 'v1' };

interface Row {
  name: string;
  policies: PeerAuthentication[];
  /** Workload: namespace and labels. */
  ns?: string;
  labels?: Record<string, string>;
  /** port → expected mode; port 0 stands for "a port without port-level settings". */
  expect: Record<number, MtlsMode>;
  source?: string;
}

const ROWS: Row[] = [
  { name: 'nothing set: PERMISSIVE', policies: [], expect: { 0: 'PERMISSIVE' } },
  { name: 'mesh STRICT', policies: [pa('default', 'istio-system', mode('STRICT'))], expect: { 0: 'STRICT' }, source: 'PeerAuthentication default.istio-system' },
  { name: 'mesh UNSET: default PERMISSIVE', policies: [pa('default', 'istio-system', mode('UNSET'))], expect: { 0: 'PERMISSIVE' } },
  { name: 'mesh without mtls inherits the default', policies: [pa('default', 'istio-system', {})], expect: { 0: 'PERMISSIVE' } },
  { name: 'namespace overrides mesh', policies: [pa('default', 'istio-system', mode('STRICT')), pa('default', 'foo', mode('PERMISSIVE'))], expect: { 0: 'PERMISSIVE' }, source: 'PeerAuthentication default.foo' },
  { name: 'namespace UNSET inherits mesh', policies: [pa('default', 'istio-system', mode('STRICT')), pa('default', 'foo', mode('UNSET'))], expect: { 0: 'STRICT' } },
  { name: 'other namespace does not apply', policies: [pa('default', 'bar', mode('STRICT'))], expect: { 0: 'PERMISSIVE' } },
  { name: 'workload overrides namespace (Istio docs: finance STRICT)', policies: [pa('default', 'foo', mode('PERMISSIVE')), pa('finance', 'foo', { selector: { matchLabels: { app: 'finance' } }, ...mode('STRICT') })], expect: { 0: 'STRICT' } },
  { name: 'selector that does not match', policies: [pa('default', 'foo', mode('DISABLE')), pa('other', 'foo', { selector: { matchLabels: { app: 'other' } }, ...mode('STRICT') })], expect: { 0: 'DISABLE' } },
  { name: 'workload UNSET inherits namespace', policies: [pa('default', 'foo', mode('DISABLE')), pa('finance', 'foo', { selector: { matchLabels: { app: 'finance' } }, ...mode('UNSET') })], expect: { 0: 'DISABLE' } },
  {
    name: 'portLevelMtls: STRICT but 8080 DISABLE (Istio docs)',
    policies: [pa('default', 'foo', { selector: { matchLabels: { app: 'finance' } }, ...mode('STRICT'), portLevelMtls: { 8080: { mode: 'DISABLE' } } })],
    expect: { 0: 'STRICT', 8080: 'DISABLE' },
  },
  {
    name: 'portLevelMtls with workload UNSET: ports inherit the namespace (Istio docs)',
    policies: [pa('ns', 'foo', mode('STRICT')), pa('default', 'foo', { selector: { matchLabels: { app: 'finance' } }, ...mode('UNSET'), portLevelMtls: { 8080: { mode: 'DISABLE' } } })],
    expect: { 0: 'STRICT', 8080: 'DISABLE' },
  },
  {
    name: 'port UNSET inherits the workload mode',
    policies: [pa('default', 'istio-system', mode('DISABLE')), pa('f', 'foo', { selector: { matchLabels: { app: 'finance' } }, ...mode('STRICT'), portLevelMtls: { 9000: { mode: 'UNSET' }, 9001: {} } })],
    expect: { 0: 'STRICT', 9000: 'STRICT', 9001: 'STRICT' },
  },
  { name: 'oldest namespace policy wins', policies: [pa('old', 'foo', mode('STRICT')), pa('new', 'foo', mode('DISABLE'))], expect: { 0: 'STRICT' }, source: 'PeerAuthentication old.foo' },
  { name: 'oldest mesh policy wins', policies: [pa('a', 'istio-system', mode('DISABLE')), pa('b', 'istio-system', mode('STRICT'))], expect: { 0: 'DISABLE' } },
  {
    name: 'oldest matching workload policy wins',
    policies: [pa('w1', 'foo', { selector: { matchLabels: { app: 'finance' } }, ...mode('DISABLE') }), pa('w2', 'foo', { selector: { matchLabels: { version: 'v1' } }, ...mode('STRICT') })],
    expect: { 0: 'DISABLE' }, source: 'PeerAuthentication w1.foo',
  },
  { name: 'selector in the root namespace applies to nothing', policies: [pa('sel', 'istio-system', { selector: { matchLabels: { app: 'finance' } }, ...mode('STRICT') })], expect: { 0: 'PERMISSIVE' } },
  { name: 'empty matchLabels is namespace-wide', policies: [pa('empty', 'foo', { selector: { matchLabels: {} }, ...mode('STRICT') })], expect: { 0: 'STRICT' } },
  { name: 'workload in the root namespace: mesh policy only', policies: [pa('default', 'istio-system', mode('STRICT')), pa('w', 'istio-system', { selector: { matchLabels: { app: 'finance' } }, ...mode('DISABLE') })], ns: 'istio-system', expect: { 0: 'STRICT' } },
];

describe('PeerAuthentication inheritance', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const index = new PeerAuthenticationIndex(row.policies.map(keyed), 'istio-system');
      const eff = index.forWorkload(row.ns ?? 'foo', row.labels ?? FINANCE);
      for (const [port, want] of Object.entries(row.expect)) {
        assert.equal(Number(port) === 0 ? eff.mode : mtlsModeForPort(eff, Number(port)), want, `port ${port}`);
      }
      if (row.source) assert.equal(eff.source, row.source);
    });
  }

  it('the root namespace is the mesh config\'s (PushContext)', () => {
    const push = buildPushContext({
      configs: [pa('default', 'mesh-root', mode('STRICT')), pa('default', 'istio-system', mode('DISABLE'))].map(keyed),
      mesh: { rootNamespace: 'mesh-root' },
    });
    assert.equal(push.peerAuthentication('foo', FINANCE).mode, 'STRICT');
    // istio-system is an ordinary namespace here: its policy applies to its own workloads only.
    assert.equal(push.peerAuthentication('istio-system', {}).mode, 'DISABLE');
  });

  it('keeps its index across endpoint-only contexts', () => {
    const push = buildPushContext({ configs: [keyed(pa('default', 'foo', mode('STRICT')))] });
    assert.equal(push.withEndpoints({ services: () => [], endpoints: () => [] }).peerAuthentication('foo', {}).mode, 'STRICT');
  });
});
