// The Telemetry API through translation: which Telemetries apply to a proxy
// (root, namespace, workload), Istio's merge of metrics and access logging
// per side, and what lands in the sidecar's HCMs and tcp_proxies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Telemetry, TelemetrySpec } from '../../api/telemetry.js';
import type { ProxyInfo } from '../model/types.js';
import type { MeshConfig } from '../model/types.js';
import { bookinfoPush, bookinfoService, sidecarProxy } from './test-bookinfo.js';
import { ISTIO_JSON_LOG_FORMAT, ISTIO_TEXT_LOG_FORMAT } from './telemetry-access-log.js';
import { translateLogFilterExpression } from './telemetry-log-filter.js';
import { translateProxy } from './translate-proxy.js';

const tel = (name: string, namespace: string, spec: TelemetrySpec): Telemetry => ({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace }, spec });

interface Side {
  stats: Record<string, unknown> | undefined;
  hasStats: boolean;
  logs: { path?: string; log_format?: Record<string, unknown>; filter?: unknown }[] | undefined;
}

/** The inbound (SERVER) and outbound (CLIENT) HCMs of productpage's sidecar, and its tcp_proxy. */
function sides(telemetries: Telemetry[], o: { mesh?: Partial<MeshConfig>; proxy?: ProxyInfo } = {}) {
  const tcp = { services: [{ ...bookinfoService('mongo', 27017), ports: [{ port: 27017, name: 'tcp', protocol: 'TCP' as const }] }] };
  const out = translateProxy(o.proxy ?? sidecarProxy(), bookinfoPush([], { ...tcp, telemetries, ...(o.mesh ? { mesh: o.mesh } : {}) }));
  const filterOf = (name: string) => {
    const l = (out.resources.listeners as { name: string; filter_chains: { filters: { name: string; typed_config: Record<string, unknown> }[] }[] }[]).find((x) => x.name === name)!;
    // The terminal filter (TCP chains start with istio.stats).
    return l.filter_chains[l.filter_chains.length - 1]!.filters.at(-1)!.typed_config;
  };
  const side = (listener: string): Side => {
    const hcm = filterOf(listener) as { http_filters: { name: string; typed_config: { value: Record<string, unknown> } }[]; access_log?: Side['logs'] };
    const stats = hcm.http_filters.find((f) => f.name === 'istio.stats');
    const logs = hcm.access_log?.map((a) => ({ ...(a as { typed_config: object }).typed_config, ...((a as { filter?: unknown }).filter ? { filter: (a as { filter?: unknown }).filter } : {}) }));
    return { stats: stats?.typed_config.value, hasStats: stats !== undefined, logs };
  };
  const tcpLogs = (filterOf('0.0.0.0_27017') as { access_log?: unknown[] }).access_log;
  return { server: side('virtualInbound'), client: side('0.0.0.0_9080'), tcpLogs, messages: out.messages };
}

const text = { text_format_source: { inline_string: ISTIO_TEXT_LOG_FORMAT } };

describe('Telemetry translation', () => {
  it('without Telemetry: the stats filter on both sides with no overrides, no access logs', () => {
    const s = sides([]);
    assert.deepEqual(s.server.stats, { disable_host_header_fallback: true });
    assert.deepEqual(s.client.stats, {});
    assert.equal(s.server.logs, undefined);
    assert.equal(s.client.logs, undefined);
    assert.equal(s.tcpLogs, undefined);
  });

  it('mesh-wide envoy provider: Istio\'s default text format to stdout on every HCM and tcp_proxy; JSON with accessLogEncoding JSON', () => {
    const root = tel('mesh-default', 'istio-system', { accessLogging: [{ providers: [{ name: 'envoy' }] }] });
    const s = sides([root]);
    for (const logs of [s.server.logs, s.client.logs]) assert.deepEqual(logs, [{ '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/stdout', log_format: text }]);
    assert.equal(s.tcpLogs?.length, 1);
    const json = sides([root], { mesh: { accessLogEncoding: 'JSON' } });
    assert.deepEqual(json.server.logs?.[0]?.log_format, { json_format: ISTIO_JSON_LOG_FORMAT });
  });

  it('match mode and disabled: the workload turns its server-side log off, the client side keeps the mesh\'s', () => {
    const s = sides([
      tel('mesh-default', 'istio-system', { accessLogging: [{ providers: [{ name: 'envoy' }] }] }),
      tel('pp', 'default', { selector: { matchLabels: { app: 'productpage' } }, accessLogging: [{ match: { mode: 'SERVER' }, disabled: true }] }),
    ]);
    assert.equal(s.server.logs, undefined);
    assert.equal(s.client.logs?.length, 1);
  });

  it('a later scope\'s providers replace the earlier ones; an extension provider with JSON labels and a path', () => {
    const mesh: Partial<MeshConfig> = {
      extensionProviders: [
        { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } },
        { name: 'json-file', envoyFileAccessLog: { path: '/var/log/access.json', logFormat: { labels: { code: '%RESPONSE_CODE%', path: '%REQ(:PATH)%' } } } },
        { name: 'prometheus', prometheus: {} },
      ],
    };
    const s = sides([
      tel('mesh-default', 'istio-system', { accessLogging: [{ providers: [{ name: 'envoy' }] }] }),
      tel('ns', 'default', { accessLogging: [{ providers: [{ name: 'json-file' }], filter: { expression: 'response.code == 0 || response.code >= 500' } }] }),
    ], { mesh });
    assert.deepEqual(s.client.logs, [{
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/var/log/access.json',
      log_format: { json_format: { code: '%RESPONSE_CODE%', path: '%REQ(:PATH)%' } },
      filter: translateLogFilterExpression('response.code == 0 || response.code >= 500'),
    }]);
  });

  it('a provider the mesh does not define is skipped with WEFT_TR_TELEMETRY_PROVIDER; prometheus writes no access log', () => {
    const s = sides([tel('mesh-default', 'istio-system', { accessLogging: [{ providers: [{ name: 'nope' }, { name: 'prometheus' }] }] })]);
    assert.equal(s.client.logs, undefined);
    assert.ok(s.messages.some((m) => m.code === 'WEFT_TR_TELEMETRY_PROVIDER' && m.message.includes('"nope"')));
  });

  it('metrics: overrides merge root → namespace → workload per side; later wins per metric and tag', () => {
    const s = sides([
      tel('mesh-default', 'istio-system', { metrics: [{ overrides: [{ tagOverrides: { mesh_tag: { value: "'m'" } } }] }] }),
      tel('ns', 'default', { metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT', mode: 'CLIENT' }, tagOverrides: { mesh_tag: { operation: 'REMOVE' }, method: { value: 'request.method' } } }] }] }),
      tel('pp', 'default', { selector: { matchLabels: { app: 'productpage' } }, metrics: [{ overrides: [{ match: { metric: 'REQUEST_DURATION', mode: 'SERVER' }, disabled: true }] }] }),
      tel('other', 'default', { selector: { matchLabels: { app: 'reviews' } }, metrics: [{ overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: true }] }] }),
    ]);
    const byName = (v: Record<string, unknown> | undefined) => Object.fromEntries(((v?.metrics ?? []) as { name: string }[]).map((m) => [m.name, m]));
    const client = byName(s.client.stats);
    const server = byName(s.server.stats);
    assert.deepEqual(client.requests_total, { name: 'requests_total', dimensions: { method: 'request.method' }, tags_to_remove: ['mesh_tag'] });
    assert.deepEqual(client.request_bytes, { name: 'request_bytes', dimensions: { mesh_tag: "'m'" } });
    assert.deepEqual(server.requests_total, { name: 'requests_total', dimensions: { mesh_tag: "'m'" } });
    assert.deepEqual(server.request_duration_milliseconds, { name: 'request_duration_milliseconds', dimensions: { mesh_tag: "'m'" }, drop: true });
    assert.equal(Object.keys(client).length, 10, 'ALL_METRICS flattens to every standard metric, as Istio');
  });

  it('ALL_METRICS disabled mesh-wide removes istio.stats (metadata exchange stays); a namespace override brings it back', () => {
    const off = tel('mesh-default', 'istio-system', { metrics: [{ overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: true }] }] });
    const s = sides([off]);
    assert.equal(s.server.hasStats, false);
    assert.equal(s.client.hasStats, false);
    const again = sides([off, tel('ns', 'default', { metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT' }, disabled: false }] }] })]);
    assert.equal(again.client.hasStats, true);
  });

  it('metrics providers without prometheus: no stats filter', () => {
    const s = sides([tel('ns', 'default', { metrics: [{ providers: [{ name: 'stackdriver' }] }] })]);
    assert.equal(s.client.hasStats, false);
    assert.equal(s.server.hasStats, false);
  });

  it('only the oldest namespace-wide Telemetry applies, and root-namespace selectors select nothing elsewhere', () => {
    const s = sides([
      tel('first', 'default', { accessLogging: [{ providers: [{ name: 'envoy' }], filter: { expression: 'response.code >= 500' } }] }),
      tel('second', 'default', { accessLogging: [{ providers: [{ name: 'envoy' }] }] }),
      tel('root-selector', 'istio-system', { selector: { matchLabels: { app: 'productpage' } }, metrics: [{ overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: true }] }] }),
    ]);
    assert.deepEqual(s.client.logs?.[0]?.filter, translateLogFilterExpression('response.code >= 500'));
    assert.equal(s.client.hasStats, true);
  });

  it('log filter expressions become Envoy status code filters', () => {
    const ge = (n: number) => ({ status_code_filter: { comparison: { op: 'GE', value: { default_value: n, runtime_key: 'access_log.status_code' } } } });
    const le = (n: number) => ({ status_code_filter: { comparison: { op: 'LE', value: { default_value: n, runtime_key: 'access_log.status_code' } } } });
    assert.deepEqual(translateLogFilterExpression('response.code >= 400'), ge(400));
    assert.deepEqual(translateLogFilterExpression('response.code > 299 && response.code < 400'), { and_filter: { filters: [ge(300), le(399)] } });
    assert.deepEqual(translateLogFilterExpression('response.code != 200'), { or_filter: { filters: [le(199), ge(201)] } });
    assert.ok('errors' in translateLogFilterExpression('request.method == "GET"'));
  });
});
