import { seededRandom } from '../../../common/seeded-random.js';
// Differential test against Node's own strict HTTP parser (llhttp behind
// node:http, insecureHTTPParser off). Valid requests are mutated with a seeded
// PRNG, sent over real sockets to a node:http server, and also fed to weft's
// parser. Invariant: every stream Node refuses, weft refuses too. Where weft
// refuses what Node accepts, weft is stricter on purpose; those are counted by
// code and reported as diagnostics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseRequests } from './test-recorder.js';

/** Same header limit on both sides, so only clearly small or large heads are generated. */
const LIMIT = 8 * 1024;
const CASES = 600;
/** Fixed so CI is deterministic; set H1_DIFF_SEED to explore other streams locally. */
const SEED = Number(process.env.H1_DIFF_SEED ?? 0x5eed1);
/** Statuses Node's parser (not the app) answers a refused stream with. */
const NODE_REJECT = new Set([400, 413, 414, 431, 501, 505]);

const mulberry32 = seededRandom;

const rnd = mulberry32(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

const TEMPLATES: Array<() => string> = [
  () => `GET /path/${int(100)}?q=${int(1000)} HTTP/1.1\r\nHost: example.com\r\nUser-Agent: fuzz/1.0\r\nAccept: */*\r\n\r\n`,
  () => {
    const body = 'x'.repeat(1 + int(20));
    return `POST /submit HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  },
  () => 'POST /chunks HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
  () => 'GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
  () => 'PUT /up HTTP/1.1\r\nHost: a.b\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata',
  () => 'GET /one HTTP/1.1\r\nHost: a\r\n\r\nPOST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc',
  () => 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
  () => 'GET http://example.com/abs HTTP/1.1\r\nHost: example.com\r\n\r\n',
  () => 'DELETE /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
  () => 'GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
];

const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x7f, 0x80, 0xff, 0x3a, 0x3b, 0x22, 0x2c, 0x2f, 0x3d, 0x40];
const byteAt = () => (rnd() < 0.6 ? pick(INTERESTING) : int(256));

/** Index just after the request line of the first request. */
const afterLine = (s: string) => s.indexOf('\r\n') + 2;
/** Start indexes of CRLFs. */
const crlfs = (s: string) => {
  const out: number[] = [];
  for (let i = s.indexOf('\r\n'); i >= 0; i = s.indexOf('\r\n', i + 1)) out.push(i);
  return out;
};
const insertHeader = (s: string, line: string) => s.slice(0, afterLine(s)) + line + '\r\n' + s.slice(afterLine(s));
const headEnd = (s: string) => (s.indexOf('\r\n\r\n') < 0 ? s.length : s.indexOf('\r\n\r\n'));

const MUTATIONS: Array<[string, (s: string) => string]> = [
  ['flip', (s) => { const i = int(headEnd(s) + 2); return s.slice(0, i) + String.fromCharCode(byteAt()) + s.slice(i + 1); }],
  ['flip-anywhere', (s) => { const i = int(s.length); return s.slice(0, i) + String.fromCharCode(byteAt()) + s.slice(i + 1); }],
  ['insert', (s) => { const i = int(headEnd(s) + 2); return s.slice(0, i) + String.fromCharCode(byteAt()) + s.slice(i); }],
  ['delete', (s) => { const i = int(s.length); return s.slice(0, i) + s.slice(i + 1); }],
  ['bare-lf', (s) => { const i = pick(crlfs(s)); return s.slice(0, i) + s.slice(i + 1); }],
  ['bare-cr', (s) => { const i = pick(crlfs(s)); return s.slice(0, i + 1) + s.slice(i + 2); }],
  ['obs-fold', (s) => { const i = afterLine(s) + s.slice(afterLine(s)).indexOf('\r\n') + 2; return s.slice(0, i) + pick([' ', '\t']) + 'folded\r\n' + s.slice(i); }],
  ['space-before-colon', (s) => { const i = s.indexOf(':', afterLine(s)); return s.slice(0, i) + pick([' ', '\t']) + s.slice(i); }],
  ['dup-cl-same', (s) => { const m = /Content-Length: (\d+)\r\n/.exec(s); return m ? insertHeader(s, `Content-Length: ${m[1]}`) : insertHeader(s, 'Content-Length: 0\r\nContent-Length: 0'); }],
  ['dup-cl-diff', (s) => insertHeader(s, `Content-Length: ${1 + int(5)}\r\nContent-Length: ${10 + int(5)}`)],
  ['te', (s) => insertHeader(s, `Transfer-Encoding: ${pick(['chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'Chunked', 'chunked,', ',chunked', 'chunked;q=1', 'x', ''])}`)],
  ['te-twice', (s) => insertHeader(s, 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked')],
  ['cl', (s) => insertHeader(s.replace(/Content-Length: \d+\r\n/, ''), `Content-Length: ${pick(['+5', '-1', '5 5', '0x5', '5,5', '5, 5', '99999999999999999999999', '', '1e3', '5.0', '٥'])}`)],
  ['chunk-size', (s) => s.includes('5;ext=1') ? s.replace('5;ext=1', pick(['zz', '-5', 'fffffffffffffffffff', '5 ', ' 5', '5 ;ext=1', '5;', '5;=x', '5;a=', '5;a="b', '5;a="b"c', '0x5', '6', '4', '5;a="\x01"', '5\t', '5;a b'])) : s],
  ['chunk-crlf', (s) => s.includes('hello\r\n') ? s.replace('hello\r\n', pick(['hello', 'hello\n', 'helloXY', 'hello\r', 'hello \r\n'])) : s],
  ['oversize', (s) => insertHeader(s, `X-Big: ${'a'.repeat(LIMIT * 2)}`)],
  ['many-headers', (s) => insertHeader(s, Array.from({ length: 150 }, (_, i) => `X-H${i}: ${i}`).join('\r\n'))],
  ['version', (s) => s.replace(/HTTP\/1\.[01]/, pick(['HTTP/1.2', 'HTTP/2.0', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1', 'HTTP/1.10', 'HTTP/0.9', 'HTTP /1.1', 'HTTP/1.1\t']))],
  ['method', (s) => s.replace(/^[A-Z]+/, pick(['get', 'GETS', 'G ET', 'FOO', 'PRI', 'M-SEARCH', 'PURGE', 'GET\t', '']))],
  ['host', (s) => { const t = s.replace(/Host: [^\r]*\r\n/, ''); return pick([t, insertHeader(s, 'Host: other'), insertHeader(t, 'Host: a b'), insertHeader(t, 'Host: a/b'), insertHeader(t, 'Host:')]); }],
  ['truncate', (s) => s.slice(0, 1 + int(s.length - 1))],
  ['name-char', (s) => { const i = s.indexOf(':', afterLine(s)); return s.slice(0, i - 1) + pick([...'(),/;<=>?@[\\]{}"', '\x00', '\x80']) + s.slice(i - 1); }],
  ['target-char', (s) => { const i = s.indexOf(' ') + 2; return s.slice(0, i) + pick([' ', '\x01', '\x7f', '\xe9', '#', '%', '\\', '|', '{', '\t', '\x00']) + s.slice(i); }],
  ['prefix', (s) => pick(['\r\n', '\n', '\r\n\r\n', ' ', '\r']) + s],
  ['value-ctl', (s) => insertHeader(s, `X-V: a${String.fromCharCode(pick([0, 1, 8, 0x0b, 0x0c, 0x1f, 0x7f]))}b`)],
];

interface NodeVerdict {
  rejected: boolean;
  statuses: number[];
  note: string;
}

function askNode(port: number, bytes: Buffer): Promise<NodeVerdict> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => sock.destroy(new Error('timeout')), 3000);
    sock.on('data', (d) => parts.push(d));
    sock.on('error', (e) => (err = (e as NodeJS.ErrnoException).code ?? e.message));
    sock.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(parts).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      const finals = statuses.filter((s) => s >= 200 || s === 101);
      // A stream of only empty lines holds no request: closing on it is no refusal.
      const hasRequest = bytes.some((c) => c !== 0x0d && c !== 0x0a);
      const rejected = statuses.some((s) => NODE_REJECT.has(s)) || (finals.length === 0 && hasRequest);
      resolve({ rejected, statuses, note: err });
    });
    sock.end(bytes);
  });
}

test('every request stream Node rejects, weft rejects too', async (t) => {
  const server = http.createServer({ maxHeaderSize: LIMIT, insecureHTTPParser: false }, (req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.on('upgrade', (_req, socket: net.Socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n'));
  server.on('connect', (_req, socket: net.Socket) => socket.end('HTTP/1.1 200 Connection Established\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const started = Date.now();

  const cases: Array<{ name: string; bytes: Buffer }> = [];
  for (let i = 0; i < CASES; i++) {
    let s = pick(TEMPLATES)();
    let name = 'valid';
    if (i % 10 !== 0) {
      const n = rnd() < 0.75 ? 1 : 2;
      const names: string[] = [];
      for (let k = 0; k < n; k++) {
        const [mname, m] = pick(MUTATIONS);
        s = m(s);
        names.push(mname);
      }
      name = names.join('+');
    }
    cases.push({ name, bytes: Buffer.from(s, 'latin1') });
  }

  const verdicts: NodeVerdict[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      verdicts[i] = await askNode(port, cases[i]!.bytes);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await new Promise<void>((r) => server.close(() => r()));

  const counts = { bothAccept: 0, bothReject: 0, weftStricter: 0, nodeOnly: 0 };
  const stricterByCode = new Map<string, number>();
  const misses: string[] = [];
  for (let i = 0; i < cases.length; i++) {
    const { name, bytes } = cases[i]!;
    const whole = parseRequests(bytes, [], { maxHeaderBytes: LIMIT });
    // The same bytes split at random points must give the same verdict and code.
    const cuts = [...new Set([1 + int(bytes.length - 1), 1 + int(bytes.length - 1)])].sort((x, y) => x - y);
    const split = parseRequests(bytes, cuts, { maxHeaderBytes: LIMIT });
    assert.equal(split.error?.code, whole.error?.code, `split changes the outcome of case ${i} (${name})`);

    const node = verdicts[i]!;
    const weftRejects = whole.error !== undefined;
    if (node.rejected && weftRejects) counts.bothReject++;
    else if (!node.rejected && !weftRejects) counts.bothAccept++;
    else if (weftRejects) {
      counts.weftStricter++;
      stricterByCode.set(whole.error!.code, (stricterByCode.get(whole.error!.code) ?? 0) + 1);
      if (process.env.H1_DIFF_VERBOSE) console.log(whole.error!.code, name, JSON.stringify(node), JSON.stringify(bytes.toString('latin1').slice(0, 300)));
    } else {
      counts.nodeOnly++;
      misses.push(`case ${i} (${name}): Node ${JSON.stringify(node)} weft accepted ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
    }
  }
  t.diagnostic(`differential: ${JSON.stringify(counts)} in ${Date.now() - started} ms`);
  t.diagnostic(`weft stricter than Node, by code: ${JSON.stringify(Object.fromEntries(stricterByCode))}`);
  assert.deepEqual(misses, [], 'streams Node rejects but weft accepts');
  // The harness must exercise both outcomes, or it proves nothing.
  assert.ok(counts.bothAccept >= CASES / 10, `too few accepted cases: ${counts.bothAccept}`);
  assert.ok(counts.bothReject >= CASES / 3, `too few rejected cases: ${counts.bothReject}`);
});
