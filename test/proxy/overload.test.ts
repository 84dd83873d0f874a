// The global downstream connection cap: from the runtime key
// overload.global_downstream_max_connections or from the
// global_downstream_max_connections resource monitor. A connection past the
// cap is closed at accept and counted as downstream_global_cx_overflow.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startProxy, startUpstream } from '../helpers/proxy-harness.js';

/** A keep-alive connection that has had one response: the proxy has admitted it. */
async function admittedConnection(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.once('data', () => resolve());
    s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  });
  return s;
}

/** Connects and reports whether the proxy closed the connection without a byte. */
function closedAtAccept(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = false;
    s.on('data', () => (got = true));
    s.on('error', () => undefined);
    s.on('close', () => resolve(!got));
    s.on('connect', () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
    // An admitted connection answers and stays open (keep-alive): end it after the answer.
    s.once('data', () => s.destroy());
  });
}

const CAPS: [string, string][] = [
  ['runtime key overload.global_downstream_max_connections', `
layered_runtime:
  layers:
  - name: static
    static_layer: { overload.global_downstream_max_connections: 2 }
`],
  ['resource monitor envoy.resource_monitors.global_downstream_max_connections', `
overload_manager:
  resource_monitors:
  - name: envoy.resource_monitors.global_downstream_max_connections
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
      max_active_downstream_connections: 2
`],
];

for (const [what, yaml] of CAPS) {
  describe(`global downstream connection cap (${what})`, { timeout: 10_000 }, () => {
    it('closes the connection past the cap at accept, counts it, and admits again once one closes', async () => {
      const up = await startUpstream('service1');
      const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }) + yaml);
      const open: net.Socket[] = [];
      try {
        const port = px.port();
        open.push(await admittedConnection(port), await admittedConnection(port));
        assert.equal(await closedAtAccept(port), true);
        const stats = (await px.admin('/stats?filter=downstream_global_cx_overflow')).body;
        assert.match(stats, /^listener\..*\.downstream_global_cx_overflow: 1$/m);
        assert.match((await px.admin('/stats?filter=listener\\..*downstream_cx_total')).body, /downstream_cx_total: 2$/m);
        const closed = new Promise((r) => open[0]!.once('close', r));
        open[0]!.destroy();
        await closed;
        // The proxy sees the close asynchronously: retry until it has released the slot.
        let admittedAgain = false;
        for (let i = 0; i < 50 && !admittedAgain; i++) admittedAgain = !(await closedAtAccept(port));
        assert.equal(admittedAgain, true);
      } finally {
        for (const s of open) s.destroy();
        await px.close();
        await up.close();
      }
    });
  });
}

describe('a listener\'s own connection cap (envoy.resource_limits.listener.<name>.connection_limit)', { timeout: 10_000 }, () => {
  it('closes the connection past the listener\'s limit at accept and counts downstream_cx_overflow', async () => {
    const up = await startUpstream('service1');
    // The nested form of Envoy's edge-proxy advice.
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }) + `
layered_runtime:
  layers:
  - name: static_layer_0
    static_layer:
      envoy: { resource_limits: { listener: { listener_0: { connection_limit: 1 } } } }
      overload: { global_downstream_max_connections: 50000 }
`);
    const open: net.Socket[] = [];
    try {
      const port = px.port();
      open.push(await admittedConnection(port));
      assert.equal(await closedAtAccept(port), true);
      const stats = (await px.admin('/stats?filter=downstream_(global_)?cx_overflow')).body;
      assert.match(stats, /\.downstream_cx_overflow: 1$/m);
      assert.match(stats, /\.downstream_global_cx_overflow: 0$/m);
    } finally {
      for (const s of open) s.destroy();
      await px.close();
      await up.close();
    }
  });
});

/** A fixed_heap monitor so small that the process is always over it: the action is saturated from the first sample. */
const saturated = (action: string) => `
overload_manager:
  refresh_interval: 60s
  resource_monitors:
  - name: envoy.resource_monitors.fixed_heap
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
      max_heap_size_bytes: 1
  actions:
  - name: ${action}
    triggers: [{ name: envoy.resource_monitors.fixed_heap, threshold: { value: 0.95 } }]
`;

describe('overload actions driven by the fixed_heap monitor', { timeout: 10_000 }, () => {
  it('stop_accepting_requests answers 503 "envoy overloaded" (flag OM) without reaching the upstream', async () => {
    const up = await startUpstream('service1');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }) + saturated('envoy.overload_actions.stop_accepting_requests'));
    try {
      const r = await request({ port: px.port(), path: '/' });
      assert.equal(r.status, 503);
      assert.equal(r.body.toString(), 'envoy overloaded');
      assert.match(String(r.headers['x-weft-error']), /^WEFT_OVERLOADED /);
      assert.equal(up.requests.length, 0);
      const stats = (await px.admin('/stats?filter=overload')).body;
      assert.match(stats, /^http\.ingress_http\.downstream_rq_overload_close: 1$/m);
      assert.match(stats, /^overload\.envoy\.overload_actions\.stop_accepting_requests\.active: 1$/m);
      assert.match(stats, /^overload\.envoy\.resource_monitors\.fixed_heap\.pressure: 100$/m);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('reject_incoming_connections closes new connections at accept (downstream_cx_overload_reject)', async () => {
    const up = await startUpstream('service1');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }) + saturated('envoy.overload_actions.reject_incoming_connections'));
    try {
      assert.equal(await closedAtAccept(px.port()), true);
      assert.match((await px.admin('/stats?filter=downstream_cx_overload_reject')).body, /downstream_cx_overload_reject: 1$/m);
    } finally {
      await px.close();
      await up.close();
    }
  });
});
