// The certificate API over real gRPC and TLS: a grpc-js client that trusts
// only the CA's trust bundle, real CSRs, bearer tokens from the registry.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { DEFAULT_STATS_PARAMS, StatsStore, renderPrometheus } from '../../stats/index.js';
import { CaServer } from './ca-server.js';
import { OPENSSL_MISSING, clockAtNow, makeCacertsWithOpenssl, makeCsr, openssl, tempDir } from './ca-test-kit.js';
import { CertificateAuthority } from './certificate-authority.js';
import { CREATE_CERTIFICATE_PATH } from './certificate-messages.js';
import { certificateClientDefinition } from './certificate-service.js';
import { TokenRegistry } from './token-registry.js';

const ALICE_ID = 'spiffe://cluster.local/ns/default/sa/alice';
/** Short enough that a renewal at half of it (100 s on the manual clock) is already valid in real time, despite the 2 min backdating. */
const SERVING_TTL = 200_000;

type Request = { csr: string; validityDuration?: number; metadata?: Record<string, string> };
type CaClient = grpc.Client & {
  CreateCertificate(req: Request, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, chain?: string[]) => void): void;
};
const CaClientCtor = grpc.makeGenericClientConstructor(certificateClientDefinition(), 'IstioCertificateService');

interface Started {
  ca: CertificateAuthority;
  tokens: TokenRegistry;
  server: CaServer;
  store: StatsStore;
  port: number;
  clock: ManualClock;
  client: CaClient;
  dir: string;
  close(): Promise<void>;
}

async function start(plugged = false): Promise<Started> {
  const t = tempDir();
  if (plugged) makeCacertsWithOpenssl(t.dir);
  const clock = clockAtNow();
  const ca = CertificateAuthority.open(plugged ? { kind: 'plugged', dir: t.dir } : { kind: 'self-signed', dir: path.join(t.dir, 'ca') }, { clock });
  const tokens = new TokenRegistry();
  const store = new StatsStore();
  const server = new CaServer({ ca, tokens, stats: store, clock, servingCertTtlMs: SERVING_TTL });
  const port = await server.listen();
  // as istio-agent does with CA_ADDR=istiod.istio-system.svc:15012: trust the mesh roots, check istiod's name
  const client = new CaClientCtor(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(ca.trustBundle.current.roots.join(''))), {
    'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
    'grpc.default_authority': 'istiod.istio-system.svc',
  }) as unknown as CaClient;
  return {
    ca, tokens, server, store, port, clock, client, dir: t.dir,
    async close() {
      client.close();
      await server.close();
      t.cleanup();
    },
  };
}

function call(client: CaClient, req: Request, token?: string): Promise<{ chain?: string[]; code?: grpc.status }> {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    client.CreateCertificate(req, md, (err, chain) => resolve(err ? { code: err.code } : { chain }));
  });
}

describe('IstioCertificateService over TLS', () => {
  let s: Started;
  let aliceCsr = '';
  before(async () => {
    s = await start();
    aliceCsr = (await makeCsr([ALICE_ID])).pem;
  });
  after(() => s.close());

  it('signs a CSR for the identity its token was minted for; leaf first, root last', async () => {
    const token = s.tokens.mint({ namespace: 'default', serviceAccount: 'alice' });
    const r = await call(s.client, { csr: aliceCsr }, token);
    assert.equal(r.code, undefined);
    assert.equal(r.chain?.length, 2);
    assert.equal(r.chain![1], s.ca.signingRootPem);
    assert.ok(r.chain!.every((c) => c.endsWith('\n')));
    assert.match(new (await import('node:crypto')).X509Certificate(r.chain![0]).subjectAltName ?? '', /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/alice/);
    if (!OPENSSL_MISSING) {
      fs.writeFileSync(path.join(s.dir, 'root.pem'), s.ca.trustBundle.current.roots.join(''));
      fs.writeFileSync(path.join(s.dir, 'leaf.pem'), r.chain![0]);
      const v = openssl(['verify', '-CAfile', 'root.pem', 'leaf.pem'], s.dir);
      assert.equal(v.status, 0, v.stderr);
    }
  });

  it('answers UNAUTHENTICATED for an unknown, revoked or missing token', async () => {
    assert.equal((await call(s.client, { csr: aliceCsr }, 'not-a-token')).code, grpc.status.UNAUTHENTICATED);
    assert.equal((await call(s.client, { csr: aliceCsr })).code, grpc.status.UNAUTHENTICATED);
    const token = s.tokens.mint({ namespace: 'default', serviceAccount: 'alice' });
    assert.equal(s.tokens.revoke(token), true);
    assert.equal((await call(s.client, { csr: aliceCsr }, token)).code, grpc.status.UNAUTHENTICATED);
  });

  it('answers PERMISSION_DENIED when the CSR names an identity other than the caller', async () => {
    const bobToken = s.tokens.mint({ namespace: 'default', serviceAccount: 'bob' });
    assert.equal((await call(s.client, { csr: aliceCsr }, bobToken)).code, grpc.status.PERMISSION_DENIED);
  });

  it('answers INVALID_ARGUMENT for a bad CSR, a TTL above the maximum, and refuses impersonation', async () => {
    const token = s.tokens.mint({ namespace: 'default', serviceAccount: 'alice' });
    assert.equal((await call(s.client, { csr: 'garbage' }, token)).code, grpc.status.INVALID_ARGUMENT);
    assert.equal((await call(s.client, { csr: aliceCsr, validityDuration: 91 * 24 * 3600 }, token)).code, grpc.status.INVALID_ARGUMENT);
    assert.equal((await call(s.client, { csr: aliceCsr, validityDuration: 3600 }, token)).code, undefined);
    assert.equal((await call(s.client, { csr: aliceCsr, metadata: { ImpersonatedIdentity: 'spiffe://cluster.local/ns/x/sa/y' } }, token)).code,
      grpc.status.UNAUTHENTICATED);
  });

  it('answers INVALID_ARGUMENT for a request that is not protobuf, sent as raw bytes', async () => {
    const token = s.tokens.mint({ namespace: 'default', serviceAccount: 'alice' });
    const raw = new grpc.Client(`127.0.0.1:${s.port}`, grpc.credentials.createSsl(Buffer.from(s.ca.trustBundle.current.roots.join(''))), {
      'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
    });
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    const code = await new Promise<grpc.status | undefined>((resolve) => {
      raw.makeUnaryRequest(CREATE_CERTIFICATE_PATH, (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0x7f, 0x01]), md,
        (err) => resolve(err?.code));
    });
    raw.close();
    assert.equal(code, grpc.status.INVALID_ARGUMENT);
  });

  it('counted every call under Istio\'s metric names', () => {
    const text = renderPrometheus(s.store, DEFAULT_STATS_PARAMS);
    const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{\\})? (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    // calls above: 1 ok + 3 unauthenticated + 1 mismatch + (bad CSR, TTL, ok, impersonation) + 1 raw
    assert.equal(value('citadel_server_csr_count'), 10);
    assert.equal(value('citadel_server_success_cert_issuance_count'), 2);
    assert.equal(value('citadel_server_authentication_failure_count'), 5);
    assert.equal(value('citadel_server_csr_parsing_err_count'), 2);
    assert.match(text, /^citadel_server_csr_sign_err_count\{error="TTL_ERROR"\} 1$/m);
    assert.match(text, /^citadel_server_csr_sign_err_count\{error="CSR_ERROR"\} 1$/m);
  });

  it('is TLS only: a client that does not trust the mesh root cannot call', async () => {
    const stranger = new CaClientCtor(`127.0.0.1:${s.port}`, grpc.credentials.createSsl(), {
      'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
    }) as unknown as CaClient;
    const token = s.tokens.mint({ namespace: 'default', serviceAccount: 'alice' });
    const r = await call(stranger, { csr: aliceCsr }, token);
    stranger.close();
    assert.equal(r.code, grpc.status.UNAVAILABLE);
  });

  it('renews its own serving certificate at half its lifetime', async () => {
    const serial = (): Promise<string> => new Promise((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'istiod.istio-system.svc', ALPNProtocols: ['h2'],
        ca: s.ca.trustBundle.current.roots.join('') }, () => {
        const cert = sock.getPeerCertificate();
        sock.destroy();
        resolve(cert.serialNumber);
      });
      sock.on('error', reject);
    });
    const first = await serial();
    const before = s.server.servingCertNotAfter;
    s.clock.advance(SERVING_TTL / 2 + 1000);
    assert.ok(s.server.servingCertNotAfter > before);
    assert.notEqual(await serial(), first);
    // and the API still works over the renewed certificate
    const token = s.tokens.mint({ namespace: 'default', serviceAccount: 'alice' });
    assert.equal((await call(s.client, { csr: aliceCsr }, token)).code, undefined);
  });
});

describe('IstioCertificateService with a plugged-in CA', { skip: OPENSSL_MISSING }, () => {
  it('serves leaf, intermediate, root; the chain verifies with openssl', async () => {
    const s = await start(true);
    try {
      const token = s.tokens.mint({ namespace: 'default', serviceAccount: 'alice' });
      const r = await call(s.client, { csr: (await makeCsr([ALICE_ID])).pem }, token);
      assert.equal(r.chain?.length, 3);
      fs.writeFileSync(path.join(s.dir, 'bundle.pem'), s.ca.trustBundle.current.roots.join(''));
      fs.writeFileSync(path.join(s.dir, 'leaf.pem'), r.chain![0]);
      fs.writeFileSync(path.join(s.dir, 'chain.pem'), r.chain!.slice(1, -1).join(''));
      const v = openssl(['verify', '-CAfile', 'bundle.pem', '-untrusted', 'chain.pem', 'leaf.pem'], s.dir);
      assert.equal(v.status, 0, v.stderr);
    } finally {
      await s.close();
    }
  });
});

