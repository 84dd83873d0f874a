// gRPC health check (grpc_health_check): grpc.health.v1.Health/Check over h2c,
// spoken directly: a 5-byte gRPC frame around HealthCheckRequest{service}, and
// HealthCheckResponse.status (field 1) must be SERVING (1) with grpc-status 0.
import type http2 from 'node:http2';
import { applyHcHeaders, HEALTH_CHECK_DEFAULTS, type GrpcCheck, type HealthCheckConfig } from './health-check-config.js';
import { HcH2Session } from './health-check-h2-session.js';
import { activeFailure, networkFailure, OK, type HealthProbe, type ProbeOutcome, type ProbeTarget } from './health-check-probe.js';
import { varintBytes } from '../../xds/wire-writer.js';

/** grpc.health.v1.HealthCheckResponse.ServingStatus names, by number. */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** The length-prefixed gRPC message for HealthCheckRequest{service}. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const msg = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varintBytes(name.length), name]);
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  return frame;
}

/**
 * Decodes the one message of a unary gRPC response body into the
 * HealthCheckResponse status number (0 when the field is absent, as proto3
 * reads it); a string explains a malformed body.
 */
export function decodeHealthCheckResponse(body: Buffer): number | string {
  if (body.length < 5) return 'no response message';
  if (body[0]! & 1) return 'compressed response messages are not supported';
  const len = body.readUInt32BE(1);
  if (body.length !== 5 + len) return body.length < 5 + len ? 'truncated response message' : 'more than one response message';
  const msg = body.subarray(5);
  let status = 0;
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (i >= msg.length) throw new Error('truncated varint');
      const b = msg[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
      shift += 7;
    }
  };
  try {
    while (i < msg.length) {
      const tag = varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (wire === 0) {
        const v = varint();
        if (field === 1) status = v;
      } else if (wire === 2) {
        const n = varint();
        i += n;
      }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return `unexpected wire type ${wire}`;
    }
    if (i > msg.length) return 'truncated field';
  } catch (e) {
    return (e as Error).message;
  }
  return status;
}

export class GrpcProbe implements HealthProbe {
  private readonly conn: HcH2Session;
  private readonly headers: http2.OutgoingHttpHeaders;
  private readonly body: Buffer;
  private current: { done: (o: ProbeOutcome) => void; stream: http2.ClientHttp2Stream | undefined } | undefined;

  constructor(target: ProbeTarget, private readonly hc: HealthCheckConfig, check: GrpcCheck) {
    this.conn = new HcH2Session(target);
    this.body = encodeHealthCheckRequest(check.serviceName);
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': HEALTH_CHECK_DEFAULTS.grpcServiceMethod,
      ':scheme': 'http',
      ':authority': check.authority ?? target.clusterName,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': HEALTH_CHECK_DEFAULTS.userAgent,
    };
    const md: [string, string][] = [];
    applyHcHeaders(md, check.initialMetadata);
    for (const [n, v] of md) {
      const prev = headers[n];
      headers[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
    }
    this.headers = headers;
  }

  start(done: (o: ProbeOutcome) => void): void {
    const flight: { done: (o: ProbeOutcome) => void; stream: http2.ClientHttp2Stream | undefined } = { done, stream: undefined };
    this.current = flight;
    const finish = (o: ProbeOutcome) => {
      if (this.current !== flight) return;
      this.current = undefined;
      if (!this.hc.reuseConnection) this.conn.close();
      done(o);
    };
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.conn.get().request(this.headers);
    } catch (e) {
      this.conn.close();
      finish(networkFailure(`stream refused: ${(e as Error).message}`));
      return;
    }
    flight.stream = stream;
    let status = 0;
    let contentType = '';
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      contentType = String(h['content-type'] ?? '');
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    });
    stream.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) grpcStatus = String(t['grpc-status']);
      if (t['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(t['grpc-message']));
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => finish(status ? this.evaluate(status, contentType, grpcStatus, grpcMessage, Buffer.concat(chunks)) : networkFailure('no response headers')));
    stream.on('error', (e) => finish(networkFailure(e.message)));
    stream.on('close', () => finish(networkFailure('stream reset')));
    stream.end(this.body);
  }

  abort(): void {
    const c = this.current;
    this.current = undefined;
    c?.stream?.close();
    this.conn.close();
  }

  close(): void {
    this.abort();
  }

  private evaluate(status: number, contentType: string, grpcStatus: string | undefined, grpcMessage: string, body: Buffer): ProbeOutcome {
    if (status !== 200) return activeFailure(`non-200 HTTP response ${status}`);
    if (!contentType.startsWith('application/grpc')) return activeFailure(`invalid gRPC content-type "${contentType}"`);
    if (grpcStatus !== '0') return activeFailure(`grpc-status ${grpcStatus ?? 'missing'}${grpcMessage ? ` (${grpcMessage})` : ''}`);
    const s = decodeHealthCheckResponse(body);
    if (typeof s === 'string') return activeFailure(s);
    return s === 1 ? OK : activeFailure(`service status ${SERVING_STATUS[s] ?? s}`);
  }
}
