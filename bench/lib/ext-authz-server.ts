// A local gRPC authorizer for the weft-extauthz benchmark target: an h2c
// server (node:http2) that answers every envoy.service.auth.v3.Authorization
// /Check with OK and no header changes. The answer is encoded once with the
// project's codec; the server reads the request message to the end and does
// no other work, so the figures show the proxy's cost of a check.
//
//   node dist/bench/lib/ext-authz-server.js --port 9100
import http2 from 'node:http2';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { encodeBinary } from '../../src/xds/codec.js';

export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

/** The framed (5-byte gRPC prefix) CheckResponse {status: OK, ok_response: {}}. */
export function allowFrame(): Buffer {
  const msg = Buffer.from(encodeBinary('envoy.service.auth.v3.CheckResponse', { status: { code: 0 }, ok_response: {} }));
  const out = Buffer.alloc(5 + msg.length);
  out.writeUInt32BE(msg.length, 1);
  msg.copy(out, 5);
  return out;
}

export interface AllowAuthorizer {
  readonly port: number;
  /** Checks answered so far. */
  checks(): number;
  close(): Promise<void>;
}

/** Starts the authorizer on 127.0.0.1:`port` (0: any free port). */
export async function startAllowAuthorizer(port = 0): Promise<AllowAuthorizer> {
  const frame = allowFrame();
  let n = 0;
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    if (headers[':path'] !== CHECK_PATH) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
      return;
    }
    stream.resume();
    stream.on('end', () => {
      n++;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    checks: () => n,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const port = Number(values.port ?? '0');
  startAllowAuthorizer(port).then(
    (a) => process.stdout.write(`ext-authz authorizer on 127.0.0.1:${a.port}\n`),
    (err: unknown) => {
      process.stderr.write(`ext-authz authorizer: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
