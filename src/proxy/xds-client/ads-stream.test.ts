// The xDS stream's gRPC client on node:http2 against a raw node:http2 server
// that frames the messages itself: messages split and coalesced across DATA
// frames arrive whole and in order, the sender's frames carry gRPC's 5-byte
// prefix, the server's status (trailers, or a trailers-only response) is the
// close reason, and an oversized length prefix ends the call.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { LogRegistry } from '../../common/log.js';
import { AdsStream } from './ads-stream.js';

const frame = (payload: Buffer) => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

interface Seen {
  messages: string[];
  closes: string[];
}

async function withServer(onStream: (s: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void) {
  const server = http2.createServer();
  server.on('stream', onStream);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, target: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function open(target: string): { stream: AdsStream; seen: Seen; closed: Promise<void> } {
  const seen: Seen = { messages: [], closes: [] };
  let onClosed!: () => void;
  const closed = new Promise<void>((r) => (onClosed = r));
  const stream = new AdsStream(() => target, '/pkg.Svc/Method', 'xds-grpc', {
    onOpen: () => stream.send(Buffer.from('hello')),
    onMessage: (b) => seen.messages.push(b.toString()),
    onClose: (reason) => {
      seen.closes.push(reason);
      stream.stop();
      onClosed();
    },
  }, new ManualClock(), () => 0.5, new LogRegistry('error').logger('xds'));
  stream.start();
  return { stream, seen, closed };
}

describe('AdsStream (gRPC on node:http2)', () => {
  const servers: http2.Http2Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it('reassembles messages across DATA frames and ends with the status from the trailers', async () => {
    let request: { headers: http2.IncomingHttpHeaders; body: Buffer } | undefined;
    const { server, target } = await withServer((s, headers) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        const body = Buffer.concat(chunks);
        if (body.length < 10 || request) return;
        request = { headers, body };
        s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        const all = Buffer.concat([frame(Buffer.from('one')), frame(Buffer.from('two')), frame(Buffer.alloc(70_000, 'x'))]);
        // Split inside a prefix, inside a payload, and across messages.
        s.write(all.subarray(0, 2));
        s.write(all.subarray(2, 11));
        s.write(all.subarray(11));
        s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '3', 'grpc-message': 'bad%20resource%3A%20x' }));
        s.end();
      });
    });
    servers.push(server);
    const { seen, closed } = open(target);
    await closed;
    assert.equal(request?.headers[':path'], '/pkg.Svc/Method');
    assert.equal(request?.headers['content-type'], 'application/grpc');
    assert.equal(request?.headers[':authority'], 'xds-grpc');
    assert.deepEqual(request?.body, frame(Buffer.from('hello')));
    assert.deepEqual(seen.messages, ['one', 'two', 'x'.repeat(70_000)]);
    assert.deepEqual(seen.closes, ['INVALID_ARGUMENT: bad resource: x']);
  });

  it('takes the status of a trailers-only response', async () => {
    const { server, target } = await withServer((s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'no such method' }, { endStream: true });
    });
    servers.push(server);
    const { seen, closed } = open(target);
    await closed;
    assert.deepEqual(seen.messages, []);
    assert.deepEqual(seen.closes, ['UNIMPLEMENTED: no such method']);
  });

  it('reports a server that ends with OK as an ended stream', async () => {
    const { server, target } = await withServer((s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(frame(Buffer.from('last')));
    });
    servers.push(server);
    const { seen, closed } = open(target);
    await closed;
    assert.deepEqual(seen.messages, ['last']);
    assert.deepEqual(seen.closes, ['stream ended by the server']);
  });

  it('ends the call on a message larger than 64 MiB, before buffering it', async () => {
    const { server, target } = await withServer((s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const head = Buffer.alloc(5);
      head.writeUInt32BE(64 * 1024 * 1024 + 1, 1);
      s.write(head);
      s.on('error', () => undefined);
    });
    servers.push(server);
    const { seen, closed } = open(target);
    await closed;
    assert.equal(seen.closes.length, 1);
    assert.match(seen.closes[0]!, /^RESOURCE_EXHAUSTED: received message larger than max/);
  });

  it('reports a refused connection as UNAVAILABLE', async () => {
    const { server, target } = await withServer(() => undefined);
    await new Promise((r) => server.close(r));
    const { seen, closed } = open(target);
    await closed;
    assert.match(seen.closes[0]!, /^UNAVAILABLE: /);
  });
});
