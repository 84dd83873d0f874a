// The CA in Kubernetes mode: sidecars present projected service-account
// tokens; the CA checks them with TokenReview against the API server double
// (through the real @kubernetes/client-node) and signs only the reviewed
// identity's SPIFFE ID. Real gRPC over TLS, real CSRs.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { CaServer } from '../../src/control/ca/ca-server.js';
import { clockAtNow, makeCsr, tempDir } from '../../src/control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../src/control/ca/certificate-authority.js';
import { certificateClientDefinition } from '../../src/control/ca/certificate-service.js';
import { TokenRegistry } from '../../src/control/ca/token-registry.js';
import type { KubeClient, KubeObject } from '../../src/kube/kube-client.js';
import { TokenReviewAuthenticator, jwtExpiry, serviceAccountOf } from '../../src/kube/token-review.js';
import { DEFAULT_STATS_PARAMS, StatsStore, renderPrometheus } from '../../src/stats/index.js';
import type { KubeApiDouble, KubeObject as DoubleObject } from '../helpers/kube-api-double.js';
import { ns, startDouble } from './kube-test-kit.js';

type Request = { csr: string; validityDuration?: number };
type CaClient = grpc.Client & {
  CreateCertificate(req: Request, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, chain?: string[]) => void): void;
};
const CaClientCtor = grpc.makeGenericClientConstructor(certificateClientDefinition(), 'IstioCertificateService');
const ALICE = 'spiffe://cluster.local/ns/shop/sa/alice';

const sa = (namespace: string, name: string): DoubleObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });

function call(client: CaClient, csr: string, token?: string): Promise<{ chain?: string[]; code?: grpc.status; details?: string }> {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    client.CreateCertificate({ csr }, md, (err, chain) => resolve(err ? { code: err.code, details: err.details } : { chain }));
  });
}

/** A TokenRequest over HTTP, as the kubelet asks for a projected token. */
async function tokenRequest(double: KubeApiDouble, namespace: string, name: string, audiences: string[]): Promise<{ status: number; token?: string }> {
  const r = await fetch(`${double.url}/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences, expirationSeconds: 3600 } }),
  });
  const body = (await r.json()) as { status?: { token?: string } };
  return { status: r.status, ...(body.status?.token ? { token: body.status.token } : {}) };
}

describe('CA with TokenReview (Kubernetes mode)', () => {
  let double: KubeApiDouble;
  let clock: ManualClock;
  let reviewer: TokenReviewAuthenticator;
  let tokens: TokenRegistry;
  let server: CaServer;
  let store: StatsStore;
  let client: CaClient;
  let cleanup: () => void;
  let aliceCsr = '';

  before(async () => {
    const d = await startDouble();
    double = d.double;
    double.put(ns('shop'));
    double.put(sa('shop', 'alice'));
    double.put(sa('shop', 'bob'));
    const t = tempDir();
    cleanup = t.cleanup;
    clock = clockAtNow();
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(t.dir, 'ca') }, { clock });
    reviewer = new TokenReviewAuthenticator({ client: d.client, clock });
    tokens = new TokenRegistry();
    store = new StatsStore();
    server = new CaServer({ ca, tokens, reviewer, stats: store, clock });
    const port = await server.listen();
    client = new CaClientCtor(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(ca.trustBundle.current.roots.join(''))), {
      'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
    }) as unknown as CaClient;
    aliceCsr = (await makeCsr([ALICE])).pem;
  });
  after(async () => {
    client.close();
    await server.close();
    await double.stop();
    cleanup();
  });

  it('signs the reviewed identity for a projected token with audience istio-ca, and reuses the review', async () => {
    const tr = await tokenRequest(double, 'shop', 'alice', ['istio-ca']);
    assert.equal(tr.status, 201);
    const r = await call(client, aliceCsr, tr.token);
    assert.equal(r.code, undefined, r.details);
    assert.match(new X509Certificate(r.chain![0]).subjectAltName ?? '', /^URI:spiffe:\/\/cluster\.local\/ns\/shop\/sa\/alice$/);
    const reviews = double.requests.filter((q) => q.path === '/apis/authentication.k8s.io/v1/tokenreviews').length;
    assert.equal(reviews, 1);
    assert.equal((await call(client, aliceCsr, tr.token)).code, undefined);
    assert.equal(double.requests.filter((q) => q.path === '/apis/authentication.k8s.io/v1/tokenreviews').length, 1, 'second call served from the cache');
    // after the cache TTL (60 s) the token is reviewed again
    clock.advance(61_000);
    assert.equal((await call(client, aliceCsr, tr.token)).code, undefined);
    assert.equal(double.requests.filter((q) => q.path === '/apis/authentication.k8s.io/v1/tokenreviews').length, 2);
  });

  it('refuses a token for another audience (the API server\'s default one)', async () => {
    const token = double.issueServiceAccountToken('shop', 'alice');
    const r = await call(client, aliceCsr, token);
    assert.equal(r.code, grpc.status.UNAUTHENTICATED);
    assert.match(r.details ?? '', /request authenticate failure: audience: .*invalid for the target audiences \["istio-ca"\]/);
  });

  it('refuses an expired token, an unknown one, a missing one and one whose service account was deleted', async () => {
    const expired = double.issueServiceAccountToken('shop', 'alice', { audiences: ['istio-ca'], expiresAt: Date.now() - 1000 });
    const r1 = await call(client, aliceCsr, expired);
    assert.equal(r1.code, grpc.status.UNAUTHENTICATED);
    assert.match(r1.details ?? '', /unauthenticated: the token has expired/);
    const r2 = await call(client, aliceCsr, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln');
    assert.equal(r2.code, grpc.status.UNAUTHENTICATED);
    assert.match(r2.details ?? '', /unauthenticated: TokenReview: .*invalid bearer token/);
    assert.match((await call(client, aliceCsr)).details ?? '', /unauthenticated: no bearer token/);
    double.put(sa('shop', 'carol'));
    const carol = double.issueServiceAccountToken('shop', 'carol', { audiences: ['istio-ca'] });
    double.remove('v1', 'ServiceAccount', 'shop', 'carol');
    const r3 = await call(client, (await makeCsr(['spiffe://cluster.local/ns/shop/sa/carol'])).pem, carol);
    assert.equal(r3.code, grpc.status.UNAUTHENTICATED);
    assert.match(r3.details ?? '', /has been deleted/);
  });

  it('answers PERMISSION_DENIED when the CSR names another service account than the token\'s', async () => {
    const bob = double.issueServiceAccountToken('shop', 'bob', { audiences: ['istio-ca'] });
    const r = await call(client, aliceCsr, bob);
    assert.equal(r.code, grpc.status.PERMISSION_DENIED);
    assert.match(r.details ?? '', /CSR asks for spiffe:\/\/cluster\.local\/ns\/shop\/sa\/alice; the caller is spiffe:\/\/cluster\.local\/ns\/shop\/sa\/bob/);
  });

  it('stops trusting a cached review at the token\'s exp', async () => {
    // the CA's clock is ahead of the double's (real) one after the TTL test: date the expiry on the CA's
    const token = double.issueServiceAccountToken('shop', 'alice', { audiences: ['istio-ca'], expiresAt: clock.wallNow() + 30_000 });
    assert.equal((await call(client, aliceCsr, token)).code, undefined);
    clock.advance(31_000);
    const r = await call(client, aliceCsr, token);
    assert.equal(r.code, grpc.status.UNAUTHENTICATED);
    assert.match(r.details ?? '', /expired/);
  });

  it('refuses (never allows) while the API server is unreachable, and works again after', async () => {
    const token = double.issueServiceAccountToken('shop', 'alice', { audiences: ['istio-ca'] });
    await double.goOffline();
    try {
      const r = await call(client, aliceCsr, token);
      assert.equal(r.code, grpc.status.UNAUTHENTICATED);
      assert.match(r.details ?? '', /unreachable: the token could not be reviewed/);
    } finally {
      await double.goOnline();
    }
    assert.equal((await call(client, aliceCsr, token)).code, undefined);
  });

  it('keeps accepting registry tokens (--ca-token-dir) without asking the API server', async () => {
    const before = double.requests.length;
    const token = tokens.mint({ namespace: 'shop', serviceAccount: 'alice' });
    assert.equal((await call(client, aliceCsr, token)).code, undefined);
    assert.equal(double.requests.length, before);
  });

  it('counted every refusal under Istio\'s counter and by reason', () => {
    const text = renderPrometheus(store, DEFAULT_STATS_PARAMS);
    const value = (line: string): number => Number(new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    // unauthenticated: expired, unknown, missing, deleted service account, cached past exp; audience 1; unreachable 1;
    // plus the CSR naming another identity (PERMISSION_DENIED, counted by Istio's counter only)
    assert.equal(value('citadel_server_authentication_failure_count{}'), 8);
    assert.equal(value('citadel_server_csr_count{}'), 14);
    assert.equal(value('weft_ca_authentication_refused_total{reason="audience"}'), 1);
    assert.equal(value('weft_ca_authentication_refused_total{reason="unauthenticated"}'), 5);
    assert.equal(value('weft_ca_authentication_refused_total{reason="unreachable"}'), 1);
    assert.equal(value('citadel_server_success_cert_issuance_count{}'), 6);
  });
});

describe('TokenReviewAuthenticator checks the answer itself', () => {
  /** A narrow stand-in for an API server that answers every review with `status`. */
  const answering = (status: unknown): KubeClient => ({
    server: 'stub',
    create: async (_res: unknown, obj: KubeObject) => ({ ...obj, status }),
  }) as unknown as KubeClient;

  it('refuses an authenticated user that is not a service account, or audiences it did not ask for', async () => {
    const a = new TokenReviewAuthenticator({ client: answering({ authenticated: true, audiences: ['istio-ca'], user: { username: 'kubernetes-admin' } }) });
    assert.deepEqual(await a.authenticate('t'), { ok: false, reason: 'not_service_account', message: 'user "kubernetes-admin" is not a service account' });
    const b = new TokenReviewAuthenticator({ client: answering({ authenticated: true, audiences: ['https://kubernetes.default.svc'], user: { username: 'system:serviceaccount:a:b' } }) });
    assert.equal((await b.authenticate('t') as { reason?: string }).reason, 'audience');
  });

  it('keeps at most cacheMaxEntries reviews', async () => {
    const a = new TokenReviewAuthenticator({ client: answering({ authenticated: true, audiences: ['istio-ca'], user: { username: 'system:serviceaccount:a:b' } }), cacheMaxEntries: 2 });
    for (const t of ['t1', 't2', 't3']) assert.equal((await a.authenticate(t)).ok, true);
    assert.equal(a.cacheSize, 2);
    assert.equal(a.reviews, 3);
  });

  it('refuses when no answer comes within reviewTimeoutMs', async () => {
    const clock = new ManualClock();
    const hanging = { server: 'stub', create: () => new Promise(() => {}) } as unknown as KubeClient;
    const a = new TokenReviewAuthenticator({ client: hanging, clock, reviewTimeoutMs: 5000 });
    const p = a.authenticate('t');
    clock.advance(5000);
    const r = await p;
    assert.equal(r.ok, false);
    assert.equal((r as { reason: string }).reason, 'unreachable');
  });

  it('parses service-account user names and JWT expiry', () => {
    assert.deepEqual(serviceAccountOf('system:serviceaccount:shop:alice'), { namespace: 'shop', serviceAccount: 'alice' });
    assert.equal(serviceAccountOf('system:serviceaccount:shop'), undefined);
    assert.equal(serviceAccountOf('system:serviceaccount:Shop:alice'), undefined);
    const jwt = (o: unknown): string => `e30.${Buffer.from(JSON.stringify(o)).toString('base64url')}.sig`;
    assert.equal(jwtExpiry(jwt({ exp: 100 })), 100_000);
    assert.equal(jwtExpiry(jwt({})), undefined);
    assert.equal(jwtExpiry('opaque'), undefined);
    assert.equal(jwtExpiry('a.!!!.c'), undefined);
  });
});
