// envoy.filters.http.header_to_metadata end to end: request and response
// rules write dynamic metadata that the access log reads with
// %DYNAMIC_METADATA(ns:key)%; `remove` keeps the header from the upstream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileLines, tempDir, waitUntil } from '../helpers/net-harness.js';
import { bootstrap, bootstrapErrors, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const FILTERS = `          - name: envoy.filters.http.header_to_metadata
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
              request_rules:
              - header: x-version
                on_header_present: { metadata_namespace: envoy.lb, key: version, type: STRING }
                on_header_missing: { metadata_namespace: envoy.lb, key: version, value: "none", type: STRING }
                remove: true
              - header: x-weight
                on_header_present: { key: weight, type: NUMBER }
              - header: x-b64
                on_header_present: { key: decoded, encode: BASE64 }
              response_rules:
              - header: x-served-by
                on_header_present: { key: served_by }
                remove: true`;

describe('header_to_metadata filter (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  const tmp = tempDir();
  const log = tmp.file('access.log');
  before(async () => {
    up = await startUpstream('service1', (_req, _b, res) => {
      res.setHeader('x-served-by', 'pod-7');
      res.end('ok');
    });
    px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [up.port]),
      httpFilters: FILTERS,
      hcmExtra: `          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: ${log}
              log_format:
                text_format_source:
                  inline_string: "%DYNAMIC_METADATA(envoy.lb:version)% %DYNAMIC_METADATA(envoy.filters.http.header_to_metadata:weight)% %DYNAMIC_METADATA(envoy.filters.http.header_to_metadata:decoded)% %DYNAMIC_METADATA(envoy.filters.http.header_to_metadata:served_by)% %DYNAMIC_METADATA(envoy.lb)%\\n"`,
    }));
  });
  after(async () => {
    await px?.close();
    await up.close();
    tmp.cleanup();
  });

  it('copies present headers (STRING, NUMBER, BASE64), removes the marked ones, logs them', async () => {
    const r = await request({ port: px.port(), headers: { 'x-version': 'v2', 'x-weight': '2.5', 'x-b64': Buffer.from('hello').toString('base64') } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-served-by'], undefined, 'response rule removed the header');
    assert.equal(up.requests[0]!.headers['x-version'], undefined, 'request rule removed the header');
    assert.equal(up.requests[0]!.headers['x-weight'], '2.5');
    const lines = await waitUntil(() => fileLines(log).length >= 1 && fileLines(log), 'the access log line');
    assert.equal(lines[0], 'v2 2.5 hello pod-7 {"version":"v2"}');
  });

  it('sets on_header_missing values, skips NUMBER values that do not parse', async () => {
    await request({ port: px.port(), headers: { 'x-weight': 'heavy' } });
    const lines = await waitUntil(() => fileLines(log).length >= 2 && fileLines(log), 'the second access log line');
    assert.equal(lines[1], 'none - - pod-7 {"version":"none"}');
  });
});

describe('header_to_metadata config', () => {
  it('refuses cookie rules, PROTOBUF_VALUE and a missing-header rule without value, with paths', () => {
    const yaml = bootstrap({ clusters: staticCluster('service1', [1]), httpFilters: `          - name: h2m
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
              request_rules:
              - cookie: session
                on_header_present: { key: s }
              - header: x-a
                on_header_present: { key: a, type: PROTOBUF_VALUE }
              - header: x-b
                on_header_missing: { key: b }` });
    const paths = bootstrapErrors(yaml).map((e) => e.path.replace(/^.*typed_config\.http_filters\[0\]\.typed_config\./, ''));
    assert.ok(paths.includes('request_rules[0].cookie'), JSON.stringify(paths));
    assert.ok(paths.includes('request_rules[1].on_header_present.type'), JSON.stringify(paths));
    assert.ok(paths.includes('request_rules[2].on_header_missing.value'), JSON.stringify(paths));
  });
});
