// gRPC end to end through the proxy with @grpc/grpc-js on both sides (h2c
// downstream, HTTP/2 upstream): unary, server streaming, status errors and
// metadata carried in headers and trailers; and the proxy's own gRPC local
// replies (no route → UNIMPLEMENTED, refused upstream → UNAVAILABLE).
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, it } from 'node:test';
import { bootstrap, closedPort, staticCluster, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { H2_UPSTREAM_OPTIONS, within } from '../helpers/http-test-kit.js';

const pass = (b: Buffer) => b;
const method = (name: string, responseStream: boolean) => ({
  path: `/weft.test.Echo/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: pass,
  requestDeserialize: pass,
  responseSerialize: pass,
  responseDeserialize: pass,
});
const ECHO_SERVICE = {
  Unary: method('Unary', false),
  Stream: method('Stream', true),
  Fail: method('Fail', false),
} satisfies grpc.ServiceDefinition;

type EchoClient = grpc.Client & {
  Unary(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): grpc.ClientUnaryCall;
  Stream(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions): grpc.ClientReadableStream<Buffer>;
  Fail(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): grpc.ClientUnaryCall;
};
const EchoClientCtor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo') as unknown as new (addr: string, creds: grpc.ChannelCredentials) => EchoClient;

const FAIL_MESSAGE = 'no such thing: ünïcode 100% "quoted"';

async function startGrpcServer(): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    Unary(call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      const md = new grpc.Metadata();
      md.set('x-server-header', `saw ${String(call.metadata.get('x-client-md')[0] ?? '')}`);
      call.sendMetadata(md);
      const trailer = new grpc.Metadata();
      trailer.set('x-server-trailer', 'bye');
      cb(null, Buffer.concat([Buffer.from('echo:'), call.request]), trailer);
    },
    Stream(call: grpc.ServerWritableStream<Buffer, Buffer>) {
      const n = Number(call.request.toString());
      for (let i = 0; i < n; i++) call.write(Buffer.from(`msg${i}`));
      call.end();
    },
    Fail(_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      const trailer = new grpc.Metadata();
      trailer.set('x-why', 'testing');
      cb({ code: grpc.status.NOT_FOUND, details: FAIL_MESSAGE, metadata: trailer });
    },
  } as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { port, server };
}

function unary(c: EchoClient, name: 'Unary' | 'Fail', req: Buffer, md = new grpc.Metadata()): Promise<{ err: grpc.ServiceError | null; res?: Buffer; headers: grpc.Metadata; status: grpc.StatusObject }> {
  return within(new Promise((resolve) => {
    let headers = new grpc.Metadata();
    let result: { err: grpc.ServiceError | null; res?: Buffer } | undefined;
    let status: grpc.StatusObject | undefined;
    const done = () => {
      if (result && status) resolve({ ...result, headers, status });
    };
    const call = c[name](req, md, { deadline: Date.now() + 3000 }, (err, res) => {
      result = { err, ...(res ? { res } : {}) };
      done();
    });
    call.on('metadata', (m) => (headers = m));
    call.on('status', (s) => {
      status = s;
      done();
    });
  }), 4000, `gRPC ${name}`);
}

/** The proxy's listener speaks h2c (gRPC clients use prior knowledge). */
const H2_DOWNSTREAM = '          codec_type: HTTP2';

describe('gRPC through the proxy (HTTP/2 upstream)', () => {
  let srv: { port: number; server: grpc.Server };
  let px: RunningProxy;
  let client: EchoClient;
  before(async () => {
    srv = await startGrpcServer();
    px = await startProxy(bootstrap({ clusters: staticCluster('grpc_svc', [srv.port], H2_UPSTREAM_OPTIONS), hcmExtra: H2_DOWNSTREAM, routes: `              - match: { prefix: "/weft.test.Echo/" }\n                route: { cluster: grpc_svc }` }));
    client = new EchoClientCtor(`127.0.0.1:${px.port()}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await px?.close();
    srv?.server.forceShutdown();
  });


  it('unary call: response, metadata both ways, trailers', async () => {
    const md = new grpc.Metadata();
    md.set('x-client-md', 'hello');
    const r = await unary(client, 'Unary', Buffer.from('ping'), md);
    assert.equal(r.err, null, r.err?.message);
    assert.equal(r.res?.toString(), 'echo:ping');
    assert.deepEqual(r.headers.get('x-server-header'), ['saw hello']);
    assert.equal(r.status.code, grpc.status.OK);
    assert.deepEqual(r.status.metadata.get('x-server-trailer'), ['bye']);
  });

  it('server streaming: every message, then OK in trailers', async () => {
    const got = await within(new Promise<string[]>((resolve, reject) => {
      const out: string[] = [];
      const call = client.Stream(Buffer.from('25'), new grpc.Metadata(), { deadline: Date.now() + 3000 });
      call.on('data', (b: Buffer) => out.push(b.toString()));
      call.on('error', reject);
      call.on('status', (s: grpc.StatusObject) => (s.code === grpc.status.OK ? resolve(out) : reject(new Error(s.details))));
    }), 4000, 'server stream');
    assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => `msg${i}`));
  });

  it('a status error arrives intact: grpc-status, percent-encoded grpc-message, trailing metadata', async () => {
    const r = await unary(client, 'Fail', Buffer.from('x'));
    assert.equal(r.status.code, grpc.status.NOT_FOUND);
    assert.equal(r.status.details, FAIL_MESSAGE);
    assert.deepEqual(r.status.metadata.get('x-why'), ['testing']);
  });
});

async function refusedCall(): ReturnType<typeof unary> {
  const port = await closedPort();
  const px = await startProxy(bootstrap({ clusters: staticCluster('grpc_svc', [port], H2_UPSTREAM_OPTIONS), hcmExtra: H2_DOWNSTREAM, routes: `              - match: { prefix: "/" }\n                route: { cluster: grpc_svc }` }));
  const client = new EchoClientCtor(`127.0.0.1:${px.port()}`, grpc.credentials.createInsecure());
  try {
    return await unary(client, 'Unary', Buffer.from('x'));
  } finally {
    client.close();
    await px.close();
  }
}

describe('gRPC local replies', () => {
  it('no route: grpc-status UNIMPLEMENTED (Envoy maps 404 → 12) in a trailers-only response', async () => {
    const srv = await startGrpcServer();
    const px = await startProxy(bootstrap({ clusters: staticCluster('grpc_svc', [srv.port], H2_UPSTREAM_OPTIONS), hcmExtra: H2_DOWNSTREAM, routes: `              - match: { prefix: "/other.Service/" }\n                route: { cluster: grpc_svc }` }));
    const client = new EchoClientCtor(`127.0.0.1:${px.port()}`, grpc.credentials.createInsecure());
    try {
      const r = await unary(client, 'Unary', Buffer.from('x'));
      assert.equal(r.status.code, grpc.status.UNIMPLEMENTED);
      assert.match(String(r.status.metadata.get('x-weft-error')[0] ?? r.headers.get('x-weft-error')[0]), /^WEFT_NO_ROUTE /);
    } finally {
      client.close();
      await px.close();
      srv.server.forceShutdown();
    }
  });

  it('refused upstream: grpc-status UNAVAILABLE', async () => {
    const r = await refusedCall();
    assert.equal(r.status.code, grpc.status.UNAVAILABLE);
    assert.match(r.status.details, /upstream connect error/);
  });

  it('refused upstream: grpc-message carries the reset reason, percent-encoded only where gRPC requires', async () => {
    const r = await refusedCall();
    assert.match(r.status.details, /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/);
  });
});
