import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAgentConfig, type AgentFlagName } from './agent-config.js';

const flags = (m: Partial<Record<AgentFlagName, string>>) => (n: AgentFlagName) => m[n];
const META = { NAMESPACE: 'default', SERVICE_ACCOUNT: 'bookinfo-reviews' };

describe('decodeAgentConfig', () => {
  it('no CA address: no agent, no errors', () => {
    assert.deepEqual(decodeAgentConfig(flags({}), {}, META), { errors: [] });
  });

  it('flags first, then istio-agent\'s environment, then the node metadata; defaults as Istio', () => {
    const r = decodeAgentConfig(flags({ 'ca-address': '127.0.0.1:15012', 'ca-root-cert': '/r.pem' }), { WEFT_CA_TOKEN_FILE: '/t', CA_ADDR: 'ignored:1', SECRET_TTL: '90m' }, META);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.config, {
      caAddress: '127.0.0.1:15012', caServerName: 'istiod.istio-system.svc', rootCertFile: '/r.pem', tokenFile: '/t',
      trustDomain: 'cluster.local', certTtlMs: 90 * 60_000, identity: { namespace: 'default', serviceAccount: 'bookinfo-reviews' },
    });
    const env = decodeAgentConfig(flags({}), { CA_ADDR: 'istiod:15012', WEFT_CA_ROOT_CERT: '/r', WEFT_CA_TOKEN_FILE: '/t', POD_NAMESPACE: 'shop', SERVICE_ACCOUNT: 'cart', TRUST_DOMAIN: 'example.org' }, META);
    assert.deepEqual(env.config?.identity, { namespace: 'shop', serviceAccount: 'cart' });
    assert.equal(env.config?.trustDomain, 'example.org');
    assert.equal(env.config?.certTtlMs, 24 * 3600_000);
  });

  it('reports every problem at once, each under its flag', () => {
    const r = decodeAgentConfig(flags({ 'ca-address': 'nope', 'trust-domain': 'Bad Domain', 'cert-ttl': 'soon', 'service-account': 'a/b' }), {}, {});
    assert.equal(r.config, undefined);
    assert.deepEqual(r.errors.map((e) => e.split(':')[0]), ['--ca-address', '--ca-root-cert', '--ca-token-file', '--trust-domain', '--cert-ttl', '--namespace']);
    const bad = decodeAgentConfig(flags({ 'ca-address': 'h:1', 'ca-root-cert': 'r', 'ca-token-file': 't', 'service-account': 'a/b' }), {}, { NAMESPACE: 'default' });
    assert.deepEqual(bad.errors.map((e) => e.split(':')[0]), ['--service-account']);
  });
});
