// Malformed HTTP/1.1 sent to the proxy on raw sockets. Each must get a
// well-formed local reply with x-weft-error, the connection closed, the
// protocol error counted — and the proxy must go on serving good requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { parseResponses, rawRoundTrip, stat } from '../helpers/http-test-kit.js';

interface Case {
  name: string;
  bytes: string;
  status: number;
  code: RegExp;
  /** True when the head is invalid, so nothing may reach the upstream. */
  headInvalid: boolean;
}

const CASES: Case[] = [
  {
    name: 'Content-Length with Transfer-Encoding (request smuggling vector)',
    bytes: 'POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    status: 400, code: /^WEFT_BAD_REQUEST /, headInvalid: true,
  },
  {
    name: 'two different Content-Length values',
    bytes: 'POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!',
    status: 400, code: /^WEFT_BAD_REQUEST /, headInvalid: true,
  },
  {
    name: 'obs-fold (a header line continued with leading whitespace)',
    bytes: 'GET / HTTP/1.1\r\nhost: a\r\nx-folded: one\r\n two\r\n\r\n',
    status: 400, code: /^WEFT_BAD_REQUEST /, headInvalid: true,
  },
  {
    name: 'bare LF line endings',
    bytes: 'GET / HTTP/1.1\nhost: a\n\n',
    status: 400, code: /^WEFT_BAD_REQUEST /, headInvalid: true,
  },
  {
    name: 'a bad chunk size',
    bytes: 'POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    status: 400, code: /^WEFT_BAD_REQUEST /, headInvalid: false,
  },
  {
    name: 'an oversized header section (over the default 60 KiB)',
    bytes: `GET / HTTP/1.1\r\nhost: a\r\nx-big: ${'x'.repeat(64 * 1024)}\r\n\r\n`,
    status: 431, code: /^WEFT_HEADERS_TOO_LARGE /, headInvalid: true,
  },
  {
    name: 'Transfer-Encoding: gzip (not chunked)',
    bytes: 'POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip\r\n\r\nabc',
    status: 501, code: /^WEFT_NOT_IMPLEMENTED /, headInvalid: true,
  },
];

describe('malformed HTTP/1.1 against the proxy', () => {
  let up: Upstream;
  let px: RunningProxy;
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
  });
  after(async () => {
    await px?.close();
    await up?.close();
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.status}, x-weft-error, connection closed, counted; good requests still served`, async () => {
      const errorsBefore = await stat(px, 'http.ingress_http.downstream_cx_protocol_error');
      const upBefore = up.requests.length;
      // rawRoundTrip resolves only when the proxy closes the connection.
      const buf = await rawRoundTrip(px.port(), c.bytes);
      const rs = parseResponses(buf);
      assert.equal(rs.length, 1, `exactly one response: ${JSON.stringify(buf.toString('latin1').slice(0, 300))}`);
      const r = rs[0]!;
      assert.equal(r.status, c.status);
      assert.match(r.head, /^HTTP\/1\.1 \d{3} [A-Za-z]/);
      assert.match(r.headers['x-weft-error'] ?? '', c.code);
      if (c.headInvalid) assert.equal(r.headers.connection, 'close');
      assert.equal(Number(r.headers['content-length']), r.body.length);
      assert.ok((await stat(px, 'http.ingress_http.downstream_cx_protocol_error')) >= errorsBefore + 1);
      if (c.headInvalid) assert.equal(up.requests.length, upBefore, 'nothing reached the upstream');
      const ok = await request({ port: px.port(), path: '/after' });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.toString(), 'service1 GET /after');
    });
  }

  it('a body error after a valid head: the 400 says connection: close (the proxy closes)', async () => {
    const [r] = parseResponses(await rawRoundTrip(px.port(), CASES.find((c) => c.name.startsWith('a bad chunk'))!.bytes));
    assert.equal(r!.status, 400);
    assert.equal(r!.headers.connection, 'close');
  });

  it('each malformed connection counts exactly one downstream_cx_protocol_error', async () => {
    for (const c of CASES) {
      const before = await stat(px, 'http.ingress_http.downstream_cx_protocol_error');
      await rawRoundTrip(px.port(), c.bytes);
      assert.equal(await stat(px, 'http.ingress_http.downstream_cx_protocol_error'), before + 1, c.name);
    }
  });

  it('all of them at once, on parallel connections: every one refused, the proxy keeps serving', async () => {
    const bufs = await Promise.all(CASES.map((c) => rawRoundTrip(px.port(), c.bytes)));
    bufs.forEach((b, i) => assert.equal(parseResponses(b)[0]?.status, CASES[i]!.status, CASES[i]!.name));
    const ok = await request({ port: px.port(), path: '/still' });
    assert.equal(ok.status, 200);
  });
});
