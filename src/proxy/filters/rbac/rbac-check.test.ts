import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../../common/errors.js';
import { StatsStore } from '../../../stats/stats-store.js';
import { StreamInfo } from '../../access-log/stream-info.js';
import { RbacInput } from '../../rbac/rbac-input.js';
import type { envoy_extensions_filters_http_rbac_v3_RBAC } from '../../../xds/gen/types.js';
import { decodeHttpRbac, decodeNetworkRbac } from './decode.js';
import { NetworkRbac } from './network-filter.js';
import { checkRbac } from './rbac-check.js';
import { RbacStats } from './rbac-stats.js';

const ON_PORT_80 = { permissions: [{ destination_port: 80 }], principals: [{ any: true }] };

function run(cfg: envoy_extensions_filters_http_rbac_v3_RBAC, port: number) {
  const errs = new ConfigErrors();
  const s = decodeHttpRbac(cfg, 'f', errs)!;
  assert.deepEqual(errs.errors, []);
  const store = new StatsStore();
  const stats = new RbacStats(store, 'http.h.', s.rulesStatPrefix, s.shadowRulesStatPrefix);
  const info = new StreamInfo();
  const r = checkRbac(s, stats, new RbacInput({ remoteAddress: '10.0.0.1', localAddress: '10.0.0.2', localPort: port }, undefined, undefined), info, 'envoy.filters.http.rbac');
  const counters = Object.fromEntries(store.counters().filter((c) => c.value > 0).map((c) => [c.name, c.value]));
  return { r, counters, metadata: info.dynamicMetadata };
}

describe('checkRbac', () => {
  it('no rules: undefined (allowed), nothing counted, no metadata', () => {
    assert.deepEqual(run({}, 80), { r: undefined, counters: {}, metadata: undefined });
  });
  it('LOG: allowed and counted as allowed; the access log hint says whether a policy matched', () => {
    const hit = run({ rules: { action: 'LOG', policies: { p: ON_PORT_80 } } }, 80);
    assert.deepEqual(hit.r, { allowed: true, policy: 'p' });
    assert.deepEqual(hit.counters, { 'http.h.rbac.allowed': 1 });
    assert.deepEqual(hit.metadata, { 'envoy.common': { access_log_hint: true } });
    assert.deepEqual(run({ rules: { action: 'LOG', policies: { p: ON_PORT_80 } } }, 81).metadata, { 'envoy.common': { access_log_hint: false } });
  });
  it('shadow only: counted under the shadow prefix, result and policy in metadata keyed with that prefix; not enforced', () => {
    const got = run({ shadow_rules_stat_prefix: 'dry_', shadow_rules: { action: 'DENY', policies: { 'deny-80': ON_PORT_80 } } }, 80);
    assert.equal(got.r, undefined);
    assert.deepEqual(got.counters, { 'http.h.rbac.dry_.shadow_denied': 1 });
    assert.deepEqual(got.metadata, { 'envoy.filters.http.rbac': { dry_shadow_effective_policy_id: 'deny-80', dry_shadow_engine_result: 'denied' } });
  });
  it('shadow allowed without a matching policy names no policy', () => {
    const got = run({ shadow_rules: { action: 'DENY', policies: { 'deny-80': ON_PORT_80 } }, rules: { action: 'DENY', policies: {} } }, 81);
    assert.deepEqual(got.r, { allowed: true, policy: undefined });
    assert.deepEqual(got.counters, { 'http.h.rbac.allowed': 1, 'http.h.rbac.shadow_allowed': 1 });
    assert.deepEqual(got.metadata, { 'envoy.filters.http.rbac': { shadow_engine_result: 'allowed' } });
  });
});

describe('network RBAC stat names', () => {
  for (const [prefix, name] of [['tcp.', 'tcp.rbac.allowed'], ['tcp_rbac', 'tcp_rbac.rbac.allowed']] as const) {
    it(`stat_prefix "${prefix}" → ${name} (Envoy's statPrefixJoin: no doubled '.', as Istio's "tcp." gives)`, () => {
      const errs = new ConfigErrors();
      const s = decodeNetworkRbac({ stat_prefix: prefix, rules: { policies: { p: ON_PORT_80 } } }, 'f', errs)!;
      assert.deepEqual(errs.errors, []);
      const store = new StatsStore();
      new NetworkRbac(s, store);
      assert.ok(store.counters().some((c) => c.name === name), store.counters().map((c) => c.name).join(', '));
    });
  }
});
