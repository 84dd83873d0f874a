// Istio's documented metric and label tables ("Istio Standard Metrics",
// istio.io/latest/docs/reference/config/metrics/) against what real weft
// sidecars put on /stats/prometheus: every documented metric with its
// documented type, on the protocol it is documented for, carrying exactly the
// documented labels, each label's value following the documented rule for
// each reporter. HTTP between two sidecars (node:http client and app), TCP
// between two sidecars in front of a TCP echo server, both in plaintext.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parsePrometheusText, type PromFamily } from '../../src/stats/prometheus-text-parser.js';
import { startMesh, SVC, type Mesh } from '../helpers/istio-sidecars.js';
import { startTcpMesh, TCP_SVC, type TcpMesh } from '../helpers/istio-tcp-sidecars.js';
import { echoOnce, waitUntil } from '../helpers/net-harness.js';
import { request } from '../helpers/proxy-harness.js';

type Proto = 'http' | 'grpc' | 'tcp';

/** The "Metrics" section: name, COUNTER (counter) or DISTRIBUTION (histogram), and the traffic it is generated for. */
const METRIC_TABLE: readonly { name: string; type: 'counter' | 'histogram'; proto: Proto }[] = [
  { name: 'istio_requests_total', type: 'counter', proto: 'http' },
  { name: 'istio_request_duration_milliseconds', type: 'histogram', proto: 'http' },
  { name: 'istio_request_bytes', type: 'histogram', proto: 'http' },
  { name: 'istio_response_bytes', type: 'histogram', proto: 'http' },
  { name: 'istio_request_messages_total', type: 'counter', proto: 'grpc' },
  { name: 'istio_response_messages_total', type: 'counter', proto: 'grpc' },
  { name: 'istio_tcp_sent_bytes_total', type: 'counter', proto: 'tcp' },
  { name: 'istio_tcp_received_bytes_total', type: 'counter', proto: 'tcp' },
  { name: 'istio_tcp_connections_opened_total', type: 'counter', proto: 'tcp' },
  { name: 'istio_tcp_connections_closed_total', type: 'counter', proto: 'tcp' },
];

/** What a label's value must be in this fixture, per reporter: the documented rule applied to a plaintext call from productpage-v1 (or ratings-v1 over TCP) to the server workload. */
type Rule = (reporter: 'source' | 'destination', proto: Proto) => string | RegExp;

const HTTP_DEST = { workload: 'reviews-v2', app: 'reviews', version: 'v2', service: SVC, name: 'reviews' };

/**
 * The "Labels" section, with the documented value rule. `protos`: the
 * traffic a label is documented on (Response Code and gRPC Response Status
 * are HTTP/gRPC labels; the TCP metrics do not carry them).
 */
const LABEL_TABLE: readonly { label: string; doc: string; protos: readonly Proto[]; value: Rule }[] = [
  { label: 'reporter', doc: 'source for the client proxy, destination for the server proxy', protos: ['http', 'tcp'], value: (r) => r },
  { label: 'source_workload', doc: 'name of the source workload, unknown when missing', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'source' ? 'ratings-v1' : 'unknown') : 'productpage-v1') },
  { label: 'source_workload_namespace', doc: 'namespace of the source workload', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' && r === 'destination' ? 'unknown' : 'default') },
  { label: 'source_principal', doc: 'peer identity of the source; unknown without mTLS', protos: ['http', 'tcp'], value: () => 'unknown' },
  { label: 'source_app', doc: 'source workload\'s app label', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'source' ? 'ratings' : 'unknown') : 'productpage') },
  { label: 'source_version', doc: 'source workload\'s version', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'source' ? 'v1' : 'unknown') : 'v1') },
  { label: 'source_canonical_service', doc: 'canonical service of the source', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'source' ? 'ratings' : 'unknown') : 'productpage') },
  { label: 'source_canonical_revision', doc: 'canonical revision of the source; latest when not set', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'source' ? 'v1' : 'latest') : 'v1') },
  { label: 'source_cluster', doc: 'cluster of the source workload', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' && r === 'destination' ? 'unknown' : 'Kubernetes') },
  { label: 'destination_workload', doc: 'name of the destination workload', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'destination' ? 'mongodb-v1' : 'unknown') : HTTP_DEST.workload) },
  { label: 'destination_workload_namespace', doc: 'namespace of the destination workload', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' && r === 'source' ? 'unknown' : 'default') },
  { label: 'destination_principal', doc: 'peer identity of the destination; unknown without mTLS', protos: ['http', 'tcp'], value: () => 'unknown' },
  { label: 'destination_app', doc: 'destination workload\'s app label', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'destination' ? 'mongodb' : 'unknown') : HTTP_DEST.app) },
  { label: 'destination_version', doc: 'destination workload\'s version', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'destination' ? 'v1' : 'unknown') : HTTP_DEST.version) },
  { label: 'destination_service', doc: 'destination service host', protos: ['http', 'tcp'], value: (_r, p) => (p === 'tcp' ? TCP_SVC : HTTP_DEST.service) },
  { label: 'destination_service_name', doc: 'destination service name', protos: ['http', 'tcp'], value: (_r, p) => (p === 'tcp' ? 'mongodb' : HTTP_DEST.name) },
  { label: 'destination_service_namespace', doc: 'namespace of the destination service', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' && r === 'source' ? 'unknown' : 'default') },
  { label: 'destination_canonical_service', doc: 'canonical service of the destination', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'destination' ? 'mongodb' : 'unknown') : 'reviews') },
  { label: 'destination_canonical_revision', doc: 'canonical revision of the destination; latest when not set', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' ? (r === 'destination' ? 'v1' : 'latest') : 'v2') },
  { label: 'destination_cluster', doc: 'cluster of the destination workload', protos: ['http', 'tcp'], value: (r, p) => (p === 'tcp' && r === 'source' ? 'unknown' : 'Kubernetes') },
  { label: 'request_protocol', doc: 'protocol of the request: http, grpc or tcp', protos: ['http', 'tcp'], value: (_r, p) => p },
  { label: 'response_code', doc: 'HTTP status of the response', protos: ['http'], value: () => '200' },
  { label: 'grpc_response_status', doc: 'gRPC status; empty for non-gRPC traffic', protos: ['http'], value: () => '' },
  { label: 'response_flags', doc: 'Envoy\'s response flags; - when none', protos: ['http', 'tcp'], value: () => '-' },
  { label: 'connection_security_policy', doc: 'mutual_tls or none at the destination; unknown at the source (it cannot tell)', protos: ['http', 'tcp'], value: (r) => (r === 'source' ? 'unknown' : 'none') },
];

const fams = (text: string): Map<string, PromFamily> => parsePrometheusText(text);

/** Label names and values of the single series of `name` (a counter, or a histogram's `_count`). */
function onlySeries(f: Map<string, PromFamily>, metric: (typeof METRIC_TABLE)[number]): Record<string, string> {
  const fam = f.get(metric.name);
  assert.ok(fam, `${metric.name} is on /stats/prometheus`);
  assert.equal(fam.type, metric.type, `${metric.name} is a ${metric.type}`);
  const sampleName = metric.type === 'histogram' ? `${metric.name}_count` : metric.name;
  const samples = fam.samples.filter((s) => s.name === sampleName);
  assert.equal(samples.length, 1, `${metric.name}: one series, got ${JSON.stringify(samples.map((s) => s.labels))}`);
  return samples[0]!.labels;
}

function checkLabels(metric: (typeof METRIC_TABLE)[number], reporter: 'source' | 'destination', labels: Record<string, string>): void {
  const proto: Proto = metric.proto === 'tcp' ? 'tcp' : 'http';
  const documented = LABEL_TABLE.filter((l) => l.protos.includes(proto));
  assert.deepEqual(Object.keys(labels).sort(), documented.map((l) => l.label).sort(), `${metric.name} (${reporter}) carries exactly the documented labels`);
  for (const l of documented) {
    const want = l.value(reporter, proto);
    if (want instanceof RegExp) assert.match(labels[l.label]!, want, `${metric.name} ${reporter} ${l.label} (${l.doc})`);
    else assert.equal(labels[l.label], want, `${metric.name} ${reporter} ${l.label} (${l.doc})`);
  }
}

describe('Istio\'s documented metrics and labels on the wire: HTTP', { timeout: 20_000 }, () => {
  let mesh: Mesh;
  const text: Record<'source' | 'destination', string> = { source: '', destination: '' };

  before(async () => {
    mesh = await startMesh();
    assert.equal((await request({ port: mesh.client.port(), path: '/reviews/1', headers: { host: 'reviews:9080' } })).status, 200);
    text.source = (await mesh.client.admin('/stats/prometheus')).body;
    text.destination = (await mesh.server.admin('/stats/prometheus')).body;
  });
  after(async () => mesh?.close());

  for (const metric of METRIC_TABLE.filter((m) => m.proto === 'http')) {
    for (const reporter of ['source', 'destination'] as const) {
      it(`${metric.name} (${metric.type}), reporter=${reporter}`, () => checkLabels(metric, reporter, onlySeries(fams(text[reporter]), metric)));
    }
  }

  for (const metric of METRIC_TABLE.filter((m) => m.proto !== 'http')) {
    it(`${metric.name} is documented for ${metric.proto} traffic only: absent after plain HTTP`, () => {
      for (const reporter of ['source', 'destination'] as const) assert.equal(fams(text[reporter]).get(metric.name)?.samples.length ?? 0, 0, `${metric.name} on the ${reporter} side`);
    });
  }
});

describe('Istio\'s documented metrics and labels on the wire: TCP', { timeout: 20_000 }, () => {
  let mesh: TcpMesh;
  const text: Record<'source' | 'destination', string> = { source: '', destination: '' };

  before(async () => {
    mesh = await startTcpMesh({ mtls: false });
    assert.equal((await echoOnce(mesh.client.port('outbound'), 'ping')).toString(), 'ping');
    for (const [reporter, px] of [['source', mesh.client], ['destination', mesh.server]] as const) {
      await waitUntil(async () => {
        text[reporter] = (await px.admin('/stats/prometheus')).body;
        return fams(text[reporter]).get('istio_tcp_connections_closed_total')?.samples[0]?.value === 1;
      }, `${reporter}: the connection closed`);
    }
  });
  after(() => mesh?.close());

  for (const metric of METRIC_TABLE.filter((m) => m.proto === 'tcp')) {
    for (const reporter of ['source', 'destination'] as const) {
      it(`${metric.name} (${metric.type}), reporter=${reporter}`, () => checkLabels(metric, reporter, onlySeries(fams(text[reporter]), metric)));
    }
  }
});
