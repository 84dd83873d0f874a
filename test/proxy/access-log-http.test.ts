// HTTP access logs written by a running proxy: Envoy's default line, response
// flags for each kind of failure, custom text and JSON formats.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { bootstrap, closedPort, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { fileLines, tempDir } from '../helpers/net-harness.js';

const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

/** Envoy's default access log line, field by field. */
const DEFAULT_LINE = new RegExp(
  '^\\[(?<start>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+) (?<protocol>\\S+)" (?<code>\\d+) (?<flags>\\S+) (?<rx>\\d+) (?<tx>\\d+) (?<duration>\\d+) (?<svcTime>\\S+) ' +
    '"(?<xff>[^"]*)" "(?<ua>[^"]*)" "(?<rid>[^"]*)" "(?<authority>[^"]*)" "(?<upstream>[^"]*)"$',
);

describe('access log: HCM file logs', { timeout: 15_000 }, () => {
  let up: Upstream;
  let slow: Upstream;
  const held: http.ServerResponse[] = [];
  let deadPort: number;
  let px: RunningProxy;
  const tmp = tempDir();
  const files = { def: tmp.file('default.log'), text: tmp.file('custom.log'), json: tmp.file('json.log') };
  let defLines: string[];

  before(async () => {
    up = await startUpstream('service1');
    slow = await startUpstream('slow', (_req, _body, res) => held.push(res)); // never answers
    deadPort = await closedPort();
    px = await startProxy(bootstrap({
      hcmExtra: `          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": ${FILE_LOG}
              path: ${files.def}
          - name: custom_text
            typed_config:
              "@type": ${FILE_LOG}
              path: ${files.text}
              log_format:
                text_format_source:
                  inline_string: "%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER% %ROUTE_NAME% %BYTES_RECEIVED%\\n"
          - name: custom_json
            typed_config:
              "@type": ${FILE_LOG}
              path: ${files.json}
              log_format:
                json_format:
                  method: "%REQ(:METHOD)%"
                  path: "%REQ(:PATH)%"
                  code: "%RESPONSE_CODE%"
                  flags: "%RESPONSE_FLAGS%"
                  bytes_sent: "%BYTES_SENT%"
                  upstream: "%UPSTREAM_HOST%"
                  summary: "%REQ(:METHOD)% -> %RESPONSE_CODE%"`,
      routes: `              - match: { prefix: "/ok" }
                name: ok_route
                route: { cluster: service1 }
              - match: { prefix: "/dead" }
                name: dead_route
                route: { cluster: dead }
              - match: { prefix: "/slow" }
                name: slow_route
                route: { cluster: slow, timeout: 0.15s }`,
      clusters: staticCluster('service1', [up.port]) + staticCluster('dead', [deadPort]) + staticCluster('slow', [slow.port]),
    }));
    const port = px.port();
    const ua = { 'user-agent': 'weft-test/1.0' };
    assert.equal((await request({ port, path: '/ok/a?q=1', headers: ua })).status, 200);
    assert.equal((await request({ port, path: '/ok/post', method: 'POST', body: 'hello', headers: ua })).status, 200);
    assert.equal((await request({ port, path: '/nowhere', headers: ua })).status, 404);
    assert.equal((await request({ port, path: '/dead', headers: ua })).status, 503);
    assert.equal((await request({ port, path: '/slow', headers: ua })).status, 504);
    await px.proxy.ctx.accessLogs.flush();
    defLines = fileLines(files.def);
  });
  after(async () => {
    for (const r of held) r.destroy();
    await px.close();
    await up.close();
    await slow.close();
    tmp.cleanup();
  });

  const field = (i: number) => {
    const m = DEFAULT_LINE.exec(defLines[i] ?? '');
    assert.ok(m, `line ${i} is not Envoy's default format: ${JSON.stringify(defLines[i])}`);
    return m.groups!;
  };

  it('writes one default-format line per request', () => {
    assert.equal(defLines.length, 5, defLines.join('\n'));
    for (let i = 0; i < 5; i++) field(i);
  });

  it('a proxied 200: method, path with query, protocol, flags "-", bytes, service time, upstream host', () => {
    const f = field(0);
    assert.match(f.start!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(f.method, 'GET');
    assert.equal(f.path, '/ok/a?q=1');
    assert.equal(f.protocol, 'HTTP/1.1');
    assert.equal(f.code, '200');
    assert.equal(f.flags, '-');
    assert.equal(f.rx, '0');
    assert.equal(f.tx, String('service1 GET /ok/a?q=1'.length));
    assert.match(f.svcTime!, /^\d+$/);
    assert.equal(f.ua, 'weft-test/1.0');
    assert.match(f.rid!, /^[0-9a-f-]{36}$/);
    assert.equal(f.rid, String(up.requests[0]!.headers['x-request-id']), 'the request id sent upstream');
    assert.equal(f.authority, `127.0.0.1:${px.port()}`);
    assert.equal(f.upstream, `127.0.0.1:${up.port}`);
    const p = field(1);
    assert.equal(p.method, 'POST');
    assert.equal(p.rx, '5', 'request body bytes');
  });

  it('NR: no route is 404 with flag NR, no upstream host, empty body', () => {
    const f = field(2);
    assert.equal(f.path, '/nowhere');
    assert.equal(f.code, '404');
    assert.equal(f.flags, 'NR');
    assert.equal(f.tx, '0');
    assert.equal(f.svcTime, '-');
    assert.equal(f.upstream, '-');
  });

  it('UF: a refused upstream connection is 503 with flag UF and the host that was tried', () => {
    const f = field(3);
    assert.equal(f.code, '503');
    assert.equal(f.flags, 'UF');
    assert.equal(f.upstream, `127.0.0.1:${deadPort}`);
    assert.equal(f.tx, String('upstream connect error or disconnect/reset before headers. reset reason: connection failure'.length));
  });

  it('UT: the route timeout is 504 with flag UT', () => {
    const f = field(4);
    assert.equal(f.code, '504');
    assert.equal(f.flags, 'UT');
    assert.equal(f.tx, String('upstream request timeout'.length));
    assert.equal(f.upstream, `127.0.0.1:${slow.port}`);
    assert.ok(Number(f.duration) >= 150, `duration ${f.duration} covers the 150 ms timeout`);
  });

  it('text_format_source inline_string: one line per request in the configured layout', () => {
    assert.deepEqual(fileLines(files.text), [
      'GET /ok/a?q=1 200 - service1 ok_route 0',
      'POST /ok/post 200 - service1 ok_route 5',
      'GET /nowhere 404 NR - - 0',
      'GET /dead 503 UF dead dead_route 0',
      'GET /slow 504 UT slow slow_route 0',
    ]);
  });

  it('log_format.json_format: one JSON object per line, typed values for single operators', () => {
    const rows = fileLines(files.json).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 5);
    assert.deepEqual(rows[0], { method: 'GET', path: '/ok/a?q=1', code: 200, flags: '-', bytes_sent: 'service1 GET /ok/a?q=1'.length, upstream: `127.0.0.1:${up.port}`, summary: 'GET -> 200' });
    assert.deepEqual(rows.map((r) => [r.code, r.flags]), [[200, '-'], [200, '-'], [404, 'NR'], [503, 'UF'], [504, 'UT']]);
    assert.equal(rows[2]!.upstream, null, 'an unset value is null in JSON');
  });
});
