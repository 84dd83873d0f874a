import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import { fromJson } from '../../xds/codec.js';
import type { envoy_config_bootstrap_v3_LayeredRuntime } from '../../xds/gen/types.js';
import { decodeLayeredRuntime, type RuntimeConfig } from './decode.js';

function decode(json: unknown, cluster = ''): { cfg: RuntimeConfig | undefined; errors: string[] } {
  const errs = new ConfigErrors();
  const lr = fromJson<envoy_config_bootstrap_v3_LayeredRuntime>('envoy.config.bootstrap.v3.LayeredRuntime', json, 'layered_runtime', errs);
  const cfg = lr && !errs.hasErrors ? decodeLayeredRuntime(lr, 'layered_runtime', errs, cluster) : undefined;
  return { cfg: errs.hasErrors ? undefined : cfg, errors: errs.errors.map((e) => e.path) };
}

describe('layered_runtime', () => {
  it('flattens a static layer into dotted keys; an object with numerator/denominator stays one value', () => {
    const { cfg } = decode({ layers: [
      { name: 'static', static_layer: { fault: { http: { abort: { abort_percent: 10, http_status: '503' } } }, 'a.b': true, pct: { numerator: 5, denominator: 'TEN_THOUSAND' } } },
      { name: 'admin', admin_layer: {} },
    ] });
    assert.ok(cfg);
    const st = cfg.layers[0]!;
    assert.equal(st.kind, 'static');
    if (st.kind !== 'static') return;
    assert.deepEqual([...st.values.keys()].sort(), ['a.b', 'fault.http.abort.abort_percent', 'fault.http.abort.http_status', 'pct']);
    assert.equal(st.values.get('fault.http.abort.abort_percent')?.uint, 10);
    assert.equal(st.values.get('a.b')?.bool, true);
    assert.deepEqual(st.values.get('pct')?.fraction, { numerator: 5, denominator: 10_000 });
    assert.deepEqual(cfg.layers[1], { kind: 'admin', name: 'admin' });
  });

  it('no layers: one unnamed admin layer, as Envoy', () => {
    assert.deepEqual(decode({}).cfg?.layers, [{ kind: 'admin', name: '' }]);
  });

  it('disk layers: symlink_root/subdirectory[/node.cluster]', () => {
    const { cfg } = decode({ layers: [{ name: 'disk', disk_layer: { symlink_root: '/srv/runtime/current', subdirectory: 'envoy', append_service_cluster: true } }] }, 'reviews');
    assert.deepEqual(cfg?.layers, [{ kind: 'disk', name: 'disk', dir: '/srv/runtime/current/envoy/reviews', watch: '/srv/runtime/current' }]);
  });

  it('refuses every problem at once with its path: duplicate names, two admin layers, rtds_layer, lists and nulls, no layer kind', () => {
    const { errors } = decode({ layers: [
      { name: 'a', static_layer: { ok: 1, bad: [1, 2], worse: { deep: null } } },
      { name: 'a', admin_layer: {} },
      { name: 'b', admin_layer: {} },
      { name: 'rtds', rtds_layer: { name: 'x', rtds_config: { ads: {} } } },
      { name: 'none' },
      { name: 'disk', disk_layer: { append_service_cluster: true } },
    ] });
    assert.deepEqual(errors, [
      'layered_runtime.layers[0].static_layer["bad"]',
      'layered_runtime.layers[0].static_layer["worse"]["deep"]',
      'layered_runtime.layers[1].name',
      'layered_runtime.layers[2].admin_layer',
      'layered_runtime.layers[3].rtds_layer',
      'layered_runtime.layers[4]',
      'layered_runtime.layers[5].disk_layer.symlink_root',
    ]);
  });
});
