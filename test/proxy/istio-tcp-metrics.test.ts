// Istio's TCP metrics from a sidecar pair in front of a TCP echo server
// (istio.stats as a network filter before tcp_proxy): counts, bytes and
// labels on each side's /stats/prometheus, over mTLS (principals from the
// SPIFFE IDs of the certificates, connection_security_policy="mutual_tls")
// and over plaintext. Then a real Prometheus scrapes the sidecars and the
// control plane's /metrics (istiod's pilot_* and citadel_* names) and
// answers PromQL. Skips: openssl absent (certificates), prometheus absent
// (the last part).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlPlane } from '../../src/control/control-plane.js';
import { XdsTestClient } from '../../src/control/server/xds-test-client.js';
import { LogRegistry } from '../../src/common/log.js';
import { parsePrometheusText, type PromSample } from '../../src/stats/prometheus-text-parser.js';
import { CLUSTER_TYPE_URL } from '../../src/xds/type-urls.js';
import { OPENSSL_MISSING } from '../../src/proxy/tls/tls-test-kit.js';
import { CLIENT_SPIFFE, SERVER_SPIFFE, startTcpMesh, TCP_SVC, type TcpMesh } from '../helpers/istio-tcp-sidecars.js';
import { echoOnce, tempDir, waitUntil } from '../helpers/net-harness.js';
import type { RunningProxy } from '../helpers/proxy-harness.js';
import { PROMETHEUS_MISSING, startPrometheus, type RunningPrometheus } from '../helpers/prometheus-harness.js';

const CONNECTIONS = 3;
const MESSAGE = 'm'.repeat(100);

/** One sample of `family` on a sidecar's /stats/prometheus. */
async function sampleOf(px: RunningProxy, family: string): Promise<PromSample | undefined> {
  const r = await px.admin('/stats/prometheus');
  const fam = parsePrometheusText(r.body).get(family);
  assert.ok(!fam || fam.type === 'counter', `${family} is a counter`);
  assert.ok(!fam || fam.samples.length === 1, `one series of ${family}: ${JSON.stringify(fam?.samples)}`);
  return fam?.samples[0];
}

async function load(mesh: TcpMesh): Promise<void> {
  for (let i = 0; i < CONNECTIONS; i++) assert.equal((await echoOnce(mesh.client.port('outbound'), MESSAGE)).toString(), MESSAGE);
  // Each side counts the close when both of its connections are gone.
  for (const px of [mesh.client, mesh.server]) {
    await waitUntil(async () => (await sampleOf(px, 'istio_tcp_connections_closed_total'))?.value === CONNECTIONS, 'every connection closed');
  }
}

describe('istio_tcp_* from a TCP sidecar pair over mTLS', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let mesh: TcpMesh;
  before(async () => {
    mesh = await startTcpMesh({ mtls: true });
    await load(mesh);
  });
  after(() => mesh?.close());

  it('server side (reporter=destination): mutual_tls, both principals from the certificates, the source namespace from its SPIFFE ID', async () => {
    const opened = (await sampleOf(mesh.server, 'istio_tcp_connections_opened_total'))!;
    assert.equal(opened.value, CONNECTIONS);
    const l = opened.labels;
    assert.equal(l.reporter, 'destination');
    assert.equal(l.connection_security_policy, 'mutual_tls');
    assert.equal(l.source_principal, CLIENT_SPIFFE);
    assert.equal(l.destination_principal, SERVER_SPIFFE);
    assert.equal(l.source_workload, 'unknown');
    assert.equal(l.source_workload_namespace, 'default');
    assert.equal(l.destination_workload, 'mongodb-v1');
    assert.equal(l.destination_app, 'mongodb');
    assert.equal(l.destination_service, TCP_SVC);
    assert.equal(l.destination_service_name, 'mongodb');
    assert.equal(l.request_protocol, 'tcp');
    assert.equal(l.response_flags, '-');
    assert.equal((await sampleOf(mesh.server, 'istio_tcp_received_bytes_total'))!.value, CONNECTIONS * MESSAGE.length);
    assert.equal((await sampleOf(mesh.server, 'istio_tcp_sent_bytes_total'))!.value, CONNECTIONS * MESSAGE.length);
  });

  it('client side (reporter=source): its own principal and the server\'s, the policy unknown as Istio reports it', async () => {
    const opened = (await sampleOf(mesh.client, 'istio_tcp_connections_opened_total'))!;
    assert.equal(opened.value, CONNECTIONS);
    const l = opened.labels;
    assert.equal(l.reporter, 'source');
    assert.equal(l.source_workload, 'ratings-v1');
    assert.equal(l.source_principal, CLIENT_SPIFFE);
    assert.equal(l.destination_principal, SERVER_SPIFFE);
    assert.equal(l.destination_workload_namespace, 'default');
    assert.equal(l.destination_service, TCP_SVC);
    assert.equal(l.connection_security_policy, 'unknown');
    assert.equal((await sampleOf(mesh.client, 'istio_tcp_sent_bytes_total'))!.value, CONNECTIONS * MESSAGE.length);
  });
});

describe('istio_tcp_* over plaintext', { timeout: 60_000 }, () => {
  let mesh: TcpMesh;
  before(async () => {
    mesh = await startTcpMesh({ mtls: false });
    await load(mesh);
  });
  after(() => mesh?.close());

  it('connection_security_policy="none" and unknown principals at the server', async () => {
    const l = (await sampleOf(mesh.server, 'istio_tcp_connections_opened_total'))!.labels;
    assert.equal(l.connection_security_policy, 'none');
    assert.equal(l.source_principal, 'unknown');
    assert.equal(l.destination_principal, 'unknown');
    assert.equal(l.source_workload_namespace, 'unknown');
  });
});

describe('a real Prometheus scraping the TCP sidecars and the control plane', { skip: OPENSSL_MISSING || PROMETHEUS_MISSING, timeout: 90_000 }, () => {
  let mesh: TcpMesh;
  let cp: ControlPlane;
  let xds: XdsTestClient;
  let prom: RunningPrometheus;
  const tmp = tempDir('weft-cp-metrics-');

  before(async () => {
    const configDir = path.join(tmp.dir, 'config');
    fs.mkdirSync(configDir);
    fs.writeFileSync(path.join(configDir, 'dr.yaml'), 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: mongodb, namespace: default }\nspec: { host: mongodb.default.svc.cluster.local }\n');
    cp = new ControlPlane({
      configDir, xdsAddress: '127.0.0.1:0', debugAddress: '127.0.0.1:0', debounceMs: 10, logs: new LogRegistry('error'),
      ca: { dir: path.join(tmp.dir, 'ca'), address: '127.0.0.1:0' },
    });
    await cp.start();
    // A proxy on ADS: what pilot_xds and pilot_xds_pushes count.
    xds = new XdsTestClient(`127.0.0.1:${cp.xdsPort}`);
    const s = xds.sotw();
    s.send({ node: { id: 'sidecar~127.0.0.1~ratings-v1-1.default~default.svc.cluster.local', cluster: 'ratings-v1.default', metadata: { ISTIO_VERSION: '1.24.0', NAMESPACE: 'default' } as never }, type_url: CLUSTER_TYPE_URL });
    await s.next();
    mesh = await startTcpMesh({ mtls: true });
    await load(mesh);
    prom = await startPrometheus([
      { job: 'envoy-stats', metricsPath: '/stats/prometheus', targets: [mesh.client.adminPort, mesh.server.adminPort] },
      { job: 'pilot', metricsPath: '/metrics', targets: [cp.debugPort] },
    ]);
  });

  after(async () => {
    await prom?.close();
    xds?.close();
    await mesh?.close();
    await cp?.stop();
    tmp.cleanup();
  });

  it('TCP bytes of a TCP service over mTLS (Istio\'s TCP dashboard queries)', async () => {
    await prom.until(`sum(istio_tcp_sent_bytes_total{reporter="destination",destination_service="${TCP_SVC}",connection_security_policy="mutual_tls"})`, CONNECTIONS * MESSAGE.length);
    await prom.until(`sum(istio_tcp_received_bytes_total{reporter="source",destination_service="${TCP_SVC}"})`, CONNECTIONS * MESSAGE.length);
    await prom.until('sum(istio_tcp_connections_opened_total{reporter="destination"}) by (source_principal)', CONNECTIONS);
    const r = await prom.query('sum(istio_tcp_connections_opened_total{reporter="destination"}) by (source_principal, destination_principal)');
    assert.deepEqual(r.map((x) => [x.metric.source_principal, x.metric.destination_principal]), [[CLIENT_SPIFFE, SERVER_SPIFFE]]);
  });

  it('control plane: pilot_xds_pushes, pilot_xds, pilot_proxy_convergence_time, pilot_k8s_cfg_events and the citadel gauges', async () => {
    await prom.until('count(pilot_xds_pushes{type="cds"} > 0)', 1);
    await prom.until('sum(pilot_xds{version="1.24.0"})', 1);
    await prom.until('count(pilot_proxy_convergence_time_count > 0)', 1);
    await prom.until('sum(pilot_k8s_cfg_events{type="DestinationRule",event="add"})', 1);
    await prom.until('count(citadel_server_root_cert_expiry_timestamp > time())', 1);
    await prom.until('sum(citadel_server_csr_count)', 0);
  });
});
