// The Telemetry API end to end: Telemetry objects in the control plane's
// PushContext are translated for two sidecars (productpage-v1 as the
// client, reviews-v2 as the server); each weft sidecar runs exactly the HCM
// filters and access logs it was given, over real sockets:
//   node:http ─► productpage's sidecar (outbound) ─► reviews' sidecar (inbound) ─► app
// The access log lines are Istio's default text and JSON formats, parsed
// field by field; the metrics overrides show on /stats/prometheus (a
// disabled metric is gone, an added tag is there).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Telemetry } from '../../src/api/telemetry.js';
import type { MeshConfig, ProxyInfo } from '../../src/control/model/types.js';
import { ISTIO_JSON_LOG_FORMAT } from '../../src/control/translate/telemetry-access-log.js';
import { bookinfoPush, sidecarProxy } from '../../src/control/translate/test-bookinfo.js';
import { translateProxy } from '../../src/control/translate/translate-proxy.js';
import { validateObject } from '../../src/control/validation/validate-object.js';
import { parsePrometheusText, type PromFamily } from '../../src/stats/prometheus-text-parser.js';
import { startMesh, type Mesh, type TranslatedHcm } from '../helpers/istio-sidecars.js';
import { fileLines, tempDir } from '../helpers/net-harness.js';
import { request } from '../helpers/proxy-harness.js';

/** Istio's default text format (EnvoyTextLogFormat), one named group per operator. */
const ISTIO_LINE = new RegExp('^\\[(?<start>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+) (?<protocol>\\S+)" (?<code>\\d+) (?<flags>\\S+) '
  + '(?<details>\\S+) (?<termination>\\S+) "(?<transportFailure>[^"]*)" (?<rx>\\d+) (?<tx>\\d+) (?<duration>\\d+) (?<svcTime>\\S+) '
  + '"(?<xff>[^"]*)" "(?<ua>[^"]*)" "(?<rid>[^"]*)" "(?<authority>[^"]*)" "(?<upstreamHost>[^"]*)" (?<cluster>\\S+) (?<upstreamLocal>\\S+) '
  + '(?<downstreamLocal>\\S+) (?<downstreamRemote>\\S+) (?<sni>\\S+) (?<route>\\S+)$');

const tel = (name: string, namespace: string, spec: Telemetry['spec']): Telemetry => {
  const t: Telemetry = { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace }, spec };
  assert.deepEqual(validateObject(t).messages, [], `${name} is valid`);
  return t;
};

const REVIEWS = sidecarProxy({
  id: 'sidecar~10.0.0.4~reviews-v2-1.default~default.svc.cluster.local', labels: { app: 'reviews', version: 'v2' }, ips: ['10.0.0.4'],
  serviceAccount: 'bookinfo-reviews', workloadName: 'reviews-v2',
});

/** The HCM a proxy's listener carries, as the sidecar harness takes it (router left to the harness). */
function hcmOf(proxy: ProxyInfo, listener: string, telemetries: Telemetry[], mesh: Partial<MeshConfig>): TranslatedHcm {
  const out = translateProxy(proxy, bookinfoPush([], { telemetries, mesh }));
  const l = (out.resources.listeners as { name: string; filter_chains: { filters: { typed_config: { http_filters: { name: string }[]; access_log?: unknown[] } }[] }[] }[]).find((x) => x.name === listener)!;
  const hcm = l.filter_chains[l.filter_chains.length - 1]!.filters[0]!.typed_config;
  return { httpFilters: hcm.http_filters.filter((f) => f.name !== 'envoy.filters.http.router'), accessLog: hcm.access_log };
}

function series(fams: Map<string, PromFamily>, name: string) {
  return fams.get(name)?.samples ?? [];
}

describe('Telemetry API: translated config in two weft sidecars', { timeout: 30_000 }, () => {
  const tmp = tempDir();
  const textLog = tmp.file('client-access.log');
  const jsonLog = tmp.file('server-access.json');
  let mesh: Mesh;
  let textLines: string[];
  let jsonLines: Record<string, unknown>[];
  let clientFams: Map<string, PromFamily>;
  let serverFams: Map<string, PromFamily>;
  let requestId: string;

  before(async () => {
    const meshConfig: Partial<MeshConfig> = {
      extensionProviders: [
        { name: 'prometheus', prometheus: {} },
        { name: 'text-file', envoyFileAccessLog: { path: textLog } },
        { name: 'json-file', envoyFileAccessLog: { path: jsonLog, logFormat: { labels: {} } } },
      ],
    };
    const telemetries = [
      tel('mesh-default', 'istio-system', { accessLogging: [{ providers: [{ name: 'text-file' }] }] }),
      tel('namespace-metrics', 'default', { metrics: [{ providers: [{ name: 'prometheus' }], overrides: [
        { match: { metric: 'REQUEST_COUNT' }, tagOverrides: { request_method: { value: 'request.method' }, response_flags: { operation: 'REMOVE' } } },
        { match: { metric: 'REQUEST_SIZE' }, disabled: true },
      ] }] }),
      tel('reviews', 'default', { selector: { matchLabels: { app: 'reviews' } }, accessLogging: [{ providers: [{ name: 'json-file' }], match: { mode: 'SERVER' } }] }),
    ];
    mesh = await startMesh({
      client: hcmOf(sidecarProxy(), '0.0.0.0_9080', telemetries, meshConfig),
      server: hcmOf(REVIEWS, 'virtualInbound', telemetries, meshConfig),
    });
    const r = await request({ port: mesh.client.port(), path: '/reviews/1?x=1', headers: { host: 'reviews:9080', 'user-agent': 'telemetry-test/1.0' } });
    assert.equal(r.status, 200);
    requestId = String(mesh.app.requests[0]!.headers['x-request-id']);
    await mesh.client.proxy.ctx.accessLogs.flush();
    await mesh.server.proxy.ctx.accessLogs.flush();
    textLines = fileLines(textLog);
    jsonLines = fileLines(jsonLog).map((l) => JSON.parse(l) as Record<string, unknown>);
    clientFams = parsePrometheusText((await mesh.client.admin('/stats/prometheus')).body);
    serverFams = parsePrometheusText((await mesh.server.admin('/stats/prometheus')).body);
  });

  after(async () => {
    await mesh?.close();
    tmp.cleanup();
  });

  it('the client sidecar writes one line in Istio\'s default text format; every field parses', () => {
    assert.equal(textLines.length, 1, textLines.join('\n'));
    const m = ISTIO_LINE.exec(textLines[0]!);
    assert.ok(m, `not Istio's default format: ${textLines[0]}`);
    const f = m.groups!;
    assert.match(f.start!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(f.method, 'GET');
    assert.equal(f.path, '/reviews/1?x=1');
    assert.equal(f.protocol, 'HTTP/1.1');
    assert.equal(f.code, '200');
    assert.equal(f.flags, '-');
    assert.equal(f.details, 'via_upstream');
    assert.equal(f.termination, '-');
    assert.equal(f.transportFailure, '-');
    assert.equal(f.rx, '0');
    assert.equal(f.tx, '700');
    assert.match(f.duration!, /^\d+$/);
    assert.match(f.svcTime!, /^\d+$/);
    assert.equal(f.xff, '-');
    assert.equal(f.ua, 'telemetry-test/1.0');
    assert.equal(f.rid, requestId, 'the request id the app received');
    assert.equal(f.authority, 'reviews:9080');
    assert.equal(f.upstreamHost, `127.0.0.1:${mesh.server.port()}`);
    assert.equal(f.cluster, 'outbound|9080||reviews.default.svc.cluster.local');
    assert.match(f.upstreamLocal!, /^127\.0\.0\.1:\d+$/);
    assert.equal(f.downstreamLocal, `127.0.0.1:${mesh.client.port()}`);
    assert.match(f.downstreamRemote!, /^127\.0\.0\.1:\d+$/);
    assert.equal(f.sni, '-');
    assert.match(f.route!, /^\S+$/);
  });

  it('the server sidecar (its workload Telemetry: json provider, SERVER side) writes Istio\'s default JSON fields', () => {
    assert.equal(jsonLines.length, 1);
    const j = jsonLines[0]!;
    assert.deepEqual(Object.keys(j).sort(), Object.keys(ISTIO_JSON_LOG_FORMAT).sort());
    assert.equal(j.method, 'GET');
    assert.equal(j.path, '/reviews/1?x=1');
    assert.equal(j.response_code, 200);
    assert.equal(j.bytes_sent, 700);
    assert.equal(j.request_id, requestId);
    assert.equal(j.upstream_cluster, 'inbound|9080||');
    assert.equal(j.user_agent, 'telemetry-test/1.0');
    assert.equal(fileLines(textLog).length, 1, 'its providers replace the mesh-wide text provider: one text line, the client\'s');
  });

  it('a disabled metric vanishes from /stats/prometheus; the added tag appears and the removed one is gone', () => {
    for (const fams of [clientFams, serverFams]) {
      assert.equal(fams.get('istio_request_bytes'), undefined, 'REQUEST_SIZE disabled');
      assert.ok(series(fams, 'istio_response_bytes_count').length > 0 || series(fams, 'istio_response_bytes').length > 0, 'RESPONSE_SIZE still there');
      const req = series(fams, 'istio_requests_total');
      assert.equal(req.length, 1);
      assert.equal(req[0]!.value, 1);
      assert.equal(req[0]!.labels.request_method, 'GET');
      assert.equal(req[0]!.labels.response_flags, undefined);
      assert.equal(req[0]!.labels.response_code, '200');
    }
    assert.equal(series(clientFams, 'istio_requests_total')[0]!.labels.reporter, 'source');
    assert.equal(series(serverFams, 'istio_requests_total')[0]!.labels.reporter, 'destination');
    assert.equal(series(serverFams, 'istio_requests_total')[0]!.labels.source_workload, 'productpage-v1', 'the metadata exchange still works');
  });
});
