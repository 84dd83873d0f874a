import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import { ManualClock } from '../../common/clock.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/stats-store.js';
import { fromJson } from '../../xds/codec.js';
import type { envoy_config_overload_v3_OverloadManager } from '../../xds/gen/types.js';
import { EMPTY_RUNTIME_CONFIG } from '../runtime/decode.js';
import { Runtime } from '../runtime/runtime.js';
import { decodeOverloadManager, type OverloadConfig } from './decode.js';
import { OverloadManager } from './overload-manager.js';

const HEAP = 'type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig';
const CX = 'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig';

function decode(json: unknown): { cfg: OverloadConfig | undefined; errors: string[] } {
  const errs = new ConfigErrors();
  const om = fromJson<envoy_config_overload_v3_OverloadManager>('envoy.config.overload.v3.OverloadManager', json, 'overload_manager', errs);
  const cfg = om && !errs.hasErrors ? decodeOverloadManager(om, 'overload_manager', errs) : undefined;
  return { cfg: errs.hasErrors ? undefined : cfg, errors: errs.errors.map((e) => e.path) };
}

const HEAP_MONITOR = { name: 'envoy.resource_monitors.fixed_heap', typed_config: { '@type': HEAP, max_heap_size_bytes: 1000 } };

describe('overload_manager: decoding', () => {
  it('accepts the fixed_heap and downstream connections monitors and reject_incoming_connections', () => {
    const { cfg, errors } = decode({
      refresh_interval: '0.25s',
      resource_monitors: [HEAP_MONITOR, { name: 'envoy.resource_monitors.global_downstream_max_connections', typed_config: { '@type': CX, max_active_downstream_connections: 10 } }],
      actions: [{ name: 'envoy.overload_actions.reject_incoming_connections', triggers: [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value: 0.95 } }] }],
    });
    assert.deepEqual(errors, []);
    assert.equal(cfg?.refreshIntervalMs, 250);
    assert.deepEqual(cfg?.monitors.map((m) => m.kind), ['fixed_heap', 'downstream_connections']);
    assert.deepEqual(cfg?.actions[0]?.triggers, [{ monitor: 'envoy.resource_monitors.fixed_heap', kind: 'threshold', value: 0.95 }]);
  });

  it('refuses other monitors and actions by name, and bad triggers, all at once', () => {
    const { errors } = decode({
      resource_monitors: [
        HEAP_MONITOR,
        { name: 'envoy.resource_monitors.injected_resource', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Empty' } },
        { name: 'cx', typed_config: { '@type': CX } },
      ],
      actions: [
        { name: 'envoy.overload_actions.shrink_heap', triggers: [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value: 0.9 } }] },
        { name: 'envoy.overload_actions.reduce_timeouts', triggers: [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value: 0.9 } }] },
        { name: 'envoy.overload_actions.reject_incoming_connections', triggers: [{ name: 'nope', threshold: { value: 0.9 } }, { name: 'envoy.resource_monitors.fixed_heap', scaled: { scaling_threshold: 0.9, saturation_threshold: 0.8 } }] },
      ],
    });
    assert.deepEqual(errors, [
      'overload_manager.resource_monitors[1].typed_config',
      'overload_manager.resource_monitors[2].typed_config.max_active_downstream_connections',
      'overload_manager.actions[0].name',
      'overload_manager.actions[1].name',
      'overload_manager.actions[2].triggers[0].name',
      'overload_manager.actions[2].triggers[1].scaled',
    ]);
  });
});

describe('OverloadManager', () => {
  const deps = (heap: { bytes: number }) => {
    const stats = new StatsStore();
    const log = new LogRegistry('off').logger('overload');
    return { stats, clock: new ManualClock(), log, runtime: new Runtime(EMPTY_RUNTIME_CONFIG, stats, log), heapBytes: () => heap.bytes };
  };

  it('reject_incoming_connections saturates at the threshold, re-sampled every refresh interval', () => {
    const heap = { bytes: 100 };
    const d = deps(heap);
    const { cfg } = decode({ resource_monitors: [HEAP_MONITOR], actions: [{ name: 'envoy.overload_actions.reject_incoming_connections', triggers: [{ name: 'envoy.resource_monitors.fixed_heap', threshold: { value: 0.9 } }] }] });
    const om = new OverloadManager(cfg, d);
    om.start();
    assert.equal(om.admit(), 'admitted');
    assert.equal(d.stats.gauge('overload.envoy.resource_monitors.fixed_heap.pressure').value, 10);
    heap.bytes = 950;
    assert.equal(om.admit(), 'admitted', 'not sampled yet');
    d.clock.advance(1000);
    assert.equal(om.admit(), 'downstream_cx_overload_reject');
    assert.equal(d.stats.gauge('overload.envoy.overload_actions.reject_incoming_connections.active').value, 1);
    heap.bytes = 10;
    d.clock.advance(1000);
    assert.equal(om.admit(), 'admitted');
    om.close();
  });

  it('stop_accepting_requests rejects with the action\'s scale as probability (scaled trigger)', () => {
    const heap = { bytes: 0 };
    const d = deps(heap);
    const { cfg } = decode({ resource_monitors: [HEAP_MONITOR], actions: [{ name: 'envoy.overload_actions.stop_accepting_requests', triggers: [{ name: 'envoy.resource_monitors.fixed_heap', scaled: { scaling_threshold: 0.5, saturation_threshold: 0.9 } }] }] });
    const om = new OverloadManager(cfg, d);
    om.start();
    let draws = 0;
    const r = (v: number) => () => (draws++, v);
    assert.equal(om.rejectRequest(r(0)), false);
    assert.equal(draws, 0, 'no draw below the scaling threshold');
    heap.bytes = 700; // pressure 0.7: scale 0.5
    d.clock.advance(1000);
    assert.equal(om.rejectRequest(r(0.49)), true);
    assert.equal(om.rejectRequest(r(0.5)), false);
    assert.equal(om.admit(), 'admitted', 'stop_accepting_requests does not refuse connections');
    heap.bytes = 950;
    d.clock.advance(1000);
    assert.equal(om.rejectRequest(r(0.999)), true);
    om.close();
  });

  it('the downstream connections monitor caps admitted connections until one is released', () => {
    const d = deps({ bytes: 0 });
    const { cfg } = decode({ resource_monitors: [{ name: 'cx', typed_config: { '@type': CX, max_active_downstream_connections: 2 } }] });
    const om = new OverloadManager(cfg, d);
    assert.equal(om.admit(), 'admitted');
    assert.equal(om.admit(), 'admitted');
    assert.equal(om.admit(), 'downstream_global_cx_overflow');
    assert.equal(d.stats.gauge('overload.cx.pressure').value, 100);
    om.release();
    assert.equal(om.admit(), 'admitted');
  });

  it('without a monitor, overload.global_downstream_max_connections from runtime is the cap, read at each accept', () => {
    const d = deps({ bytes: 0 });
    const runtime = new Runtime({ layers: [{ kind: 'admin', name: 'admin' }] }, d.stats, d.log);
    const om = new OverloadManager(undefined, { ...d, runtime });
    assert.equal(om.admit(), 'admitted');
    runtime.mergeAdminValues([['overload.global_downstream_max_connections', '1']]);
    assert.equal(om.admit(), 'downstream_global_cx_overflow');
    runtime.mergeAdminValues([['overload.global_downstream_max_connections', '']]);
    assert.equal(om.admit(), 'admitted');
  });
});
