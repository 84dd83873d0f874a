// Istio config from the API server double into a real ControlPlane: the same
// validation as the config folder, results written back to each object's
// status (Istio's validationMessages) by the leader only, a bad update keeps
// the last good version serving, and failover between two control planes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogRegistry } from '../../src/common/log.js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { KubeMode } from '../../src/kube/kube-mode.js';
import type { AnalysisMessage, IstioStatus } from '../../src/kube/status-writer.js';
import { OPENSSL_FOR_DOUBLE, type KubeApiDouble, type KubeObject } from '../helpers/kube-api-double.js';
import { ns, pod, startDouble, until } from './kube-test-kit.js';

const vs = (name: string, spec: unknown, generation?: number): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: 'bookinfo', ...(generation ? { generation } : {}) },
  spec,
});

const statusOf = (d: KubeApiDouble, kind: string, name: string): IstioStatus | undefined =>
  (d.object(`networking.istio.io/v1`, kind, 'bookinfo', name) as { status?: IstioStatus } | undefined)?.status;

describe('Istio config from the Kubernetes API', () => {
  let double: KubeApiDouble;
  let client: Awaited<ReturnType<typeof startDouble>>['client'];
  const planes: { mode: KubeMode; cp: ControlPlane }[] = [];
  const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kube-secrets-'));

  async function startPlane(identity: string): Promise<{ mode: KubeMode; cp: ControlPlane }> {
    const mode = new KubeMode({
      client, identity, leaseNamespace: 'istio-system',
      informer: { initialBackoffMs: 10, maxBackoffMs: 50 },
      leaderElection: { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 50 },
    });
    const cp = new ControlPlane({
      configSources: [mode.configSource], registries: [mode.registry], onAnalysis: (s, a) => mode.onAnalysis(s, a),
      xdsAddress: '127.0.0.1:0', secretsDir: secrets, logs: new LogRegistry('off'),
    });
    mode.start();
    await cp.start();
    const p = { mode, cp };
    planes.push(p);
    return p;
  }

  before(async () => {
    const d = await startDouble();
    double = d.double;
    client = d.client;
    double.registerIstioCrds();
    double.put(ns('istio-system'));
    double.put(ns('bookinfo', { 'istio-injection': 'enabled' }));
    double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'bookinfo' }, spec: { ports: [{ port: 9080, name: 'http' }] } });
    double.put(pod('reviews-v1', 'bookinfo', { app: 'reviews', version: 'v1' }, { sidecar: true }));
    double.put({
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
    });
    double.put(vs('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] }));
    // Invalid: a route without a destination host.
    double.put(vs('broken', { hosts: ['broken'], http: [{ route: [{ destination: { subset: 'v1' } }] }] }));
    // Valid alone, but routes to a subset no DestinationRule defines (analysis: IST0101).
    double.put(vs('dangling', { hosts: ['reviews-canary.bookinfo.svc.cluster.local'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }] }));
  });
  after(async () => {
    for (const p of planes) {
      await p.cp.stop();
      await p.mode.stop();
    }
    await double.stop();
    fs.rmSync(secrets, { recursive: true, force: true });
  });

  it('serves valid objects, refuses invalid ones with the folder\'s messages, and writes them to status', async () => {
    const { cp, mode } = await startPlane('cp-1');
    const keys = cp.push_.virtualServices('bookinfo', 'mesh').map((a) => a.key).sort();
    assert.deepEqual(keys, ['VirtualService dangling.bookinfo', 'VirtualService reviews.bookinfo']);
    assert.ok(cp.push_.services.some((s) => s.hostname === 'reviews.bookinfo.svc.cluster.local'), 'Kubernetes services are in the push context');
    await until(() => mode.elector.isLeader, 'cp-1 to lead');
    await until(() => statusOf(double, 'VirtualService', 'broken')?.validationMessages !== undefined && statusOf(double, 'VirtualService', 'dangling')?.validationMessages !== undefined, 'status written');
    const broken = statusOf(double, 'VirtualService', 'broken')!;
    const m = broken.validationMessages![0] as AnalysisMessage;
    assert.equal(m.level, 'ERROR');
    assert.equal(m.type.code, 'IST0106');
    assert.equal(m.type.name, 'WEFT0012');
    assert.match(m.message, /^spec\.http\[0\]\.route\[0\]\.destination\.host: /);
    assert.equal(m.documentationUrl, 'https://istio.io/latest/docs/reference/config/analysis/ist0106/');
    assert.equal(broken.observedGeneration, 1);
    const dangling = statusOf(double, 'VirtualService', 'dangling')!;
    assert.ok(dangling.validationMessages!.some((x) => x.type.code === 'IST0101' && x.type.name === 'WEFT0302'), JSON.stringify(dangling));
    assert.equal(statusOf(double, 'VirtualService', 'reviews'), undefined, 'a clean object\'s status is left alone');
  });

  it('keeps the last good version of an object whose update is invalid, and says so on it', async () => {
    const { cp } = planes[0]!;
    const before = double.object('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews')!;
    double.put({ ...before, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: -5 }] }] } });
    await until(() => (statusOf(double, 'VirtualService', 'reviews')?.validationMessages?.length ?? 0) > 0, 'the rejection on the object');
    const st = statusOf(double, 'VirtualService', 'reviews')!;
    assert.equal(st.observedGeneration, 2);
    assert.ok(st.validationMessages!.some((x) => x.level === 'ERROR'));
    assert.ok(st.validationMessages!.some((x) => x.type.code === 'WEFT_INGEST_KEPT_LAST_GOOD' && x.level === 'INFO'));
    const served = cp.push_.virtualServices('bookinfo', 'mesh').find((a) => a.key === 'VirtualService reviews.bookinfo');
    assert.ok(served, 'the last good version keeps serving');
    assert.equal((served.obj.spec.http?.[0]?.route?.[0] as { weight?: number } | undefined)?.weight, undefined);
    // Fixed: the messages go away.
    const cur = double.object('networking.istio.io/v1', 'VirtualService', 'bookinfo', 'reviews')!;
    double.put({ ...cur, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }], timeout: '2s' }] } });
    await until(() => statusOf(double, 'VirtualService', 'reviews')?.validationMessages === undefined, 'messages cleared');
    assert.equal(statusOf(double, 'VirtualService', 'reviews')?.observedGeneration, 3);
    await until(() => cp.push_.virtualServices('bookinfo', 'mesh').find((a) => a.key === 'VirtualService reviews.bookinfo')?.obj.spec.http?.[0]?.timeout === '2s', 'the fixed version served');
  });

  it('with two control planes only the leader writes status; the other takes over when it stops', async () => {
    const first = planes[0]!;
    const second = await startPlane('cp-2');
    assert.equal(second.mode.elector.isLeader, false);
    const writesBefore = first.mode.status.stats.writes;
    double.put(vs('late', { hosts: ['late'], http: [{ route: [{ destination: { subset: 'x' } }] }] }));
    await until(() => statusOf(double, 'VirtualService', 'late')?.validationMessages !== undefined, 'status of the new object');
    await until(() => first.mode.status.stats.writes > writesBefore, 'the leader to count its write');
    assert.equal(second.mode.status.stats.writes, 0, 'the follower never writes');
    // The leader stops (releasing the Lease): the follower leads and reconciles status.
    await first.cp.stop();
    await first.mode.stop();
    planes.shift();
    await until(() => second.mode.elector.isLeader, 'cp-2 to lead');
    double.put(vs('later', { hosts: ['later'], http: [{ route: [{ destination: { subset: 'x' } }] }] }));
    await until(() => statusOf(double, 'VirtualService', 'later')?.validationMessages !== undefined && second.mode.status.stats.writes > 0, 'status written by the new leader');
  });
});

describe('Kubernetes mode when the API server goes away', () => {
  it('keeps serving the last known config and services, and catches up when it returns', async () => {
    const d = await startDouble();
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kube-secrets-'));
    d.double.registerIstioCrds();
    d.double.put(ns('istio-system'));
    d.double.put(ns('shop'));
    d.double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' }, spec: { ports: [{ port: 80, name: 'http' }] } });
    d.double.put({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'cart', namespace: 'shop' }, spec: { hosts: ['cart'], http: [{ route: [{ destination: { host: 'cart' } }] }] } });
    const mode = new KubeMode({ client: d.client, identity: 'cp-x', informer: { initialBackoffMs: 10, maxBackoffMs: 50 }, leaderElection: { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 50 } });
    const cp = new ControlPlane({ configSources: [mode.configSource], registries: [mode.registry], onAnalysis: (s, a) => mode.onAnalysis(s, a), kubernetesStatus: () => mode.statusReport(), xdsAddress: '127.0.0.1:0', secretsDir: secrets, logs: new LogRegistry('off') });
    try {
      mode.start();
      await cp.start();
      const vsKeys = () => cp.push_.virtualServices('shop', 'mesh').map((a) => a.key).sort();
      assert.deepEqual(vsKeys(), ['VirtualService cart.shop']);
      await d.double.goOffline();
      // Changes made while the control plane cannot see them.
      d.double.put({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'orders', namespace: 'shop' }, spec: { hosts: ['orders'], http: [{ route: [{ destination: { host: 'orders' } }] }] } });
      d.double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders', namespace: 'shop' }, spec: { ports: [{ port: 80, name: 'http' }] } });
      d.double.compact();
      await until(() => mode.statusReport().informers.every((i) => i.state === 'stale' || i.state === 'waiting'), 'every informer to notice');
      assert.deepEqual(vsKeys(), ['VirtualService cart.shop'], 'the last known config keeps serving');
      assert.ok(cp.push_.services.some((s) => s.hostname === 'cart.shop.svc.cluster.local'));
      const st = (cp.configStatus() as { kubernetes: { informers: { kind: string; state: string; lastError?: string }[] } }).kubernetes;
      assert.ok(st.informers.find((i) => i.kind === 'VirtualService')?.lastError, 'the status says why');
      await d.double.goOnline();
      await until(() => vsKeys().length === 2 && cp.push_.services.some((s) => s.hostname === 'orders.shop.svc.cluster.local'), 'the missed changes after a relist');
      assert.ok(mode.statusReport().informers.every((i) => i.state === 'watching'));
    } finally {
      await cp.stop();
      await mode.stop();
      await d.double.stop();
      fs.rmSync(secrets, { recursive: true, force: true });
    }
  });
});

describe('credentialName secrets from Kubernetes Secrets', { skip: OPENSSL_FOR_DOUBLE }, () => {
  it('serves valid TLS Secrets of the namespace, reports invalid ones, keeps the last good version', async () => {
    const d = await startDouble();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kube-cred-'));
    d.double.registerIstioCrds();
    d.double.put(ns('istio-system'));
    d.double.put(ns('other'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=bookinfo.example.com', '-keyout', path.join(tmp, 'k.pem'), '-out', path.join(tmp, 'c.pem')], { stdio: 'ignore' });
    const b64 = (f: string) => fs.readFileSync(path.join(tmp, f)).toString('base64');
    const tlsSecret = (name: string, namespace: string, crt: string, key: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace }, data: { 'tls.crt': crt, 'tls.key': key } });
    d.double.put(tlsSecret('bookinfo-credential', 'istio-system', b64('c.pem'), b64('k.pem')));
    d.double.put(tlsSecret('broken-credential', 'istio-system', Buffer.from('junk').toString('base64'), b64('k.pem')));
    d.double.put(tlsSecret('elsewhere', 'other', b64('c.pem'), b64('k.pem')));
    d.double.put({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'token', namespace: 'istio-system' }, data: { token: 'eA==' } });
    const mode = new KubeMode({ client: d.client, identity: 'cp-c', credentialsNamespace: 'istio-system', informer: { initialBackoffMs: 10, maxBackoffMs: 50 }, leaderElection: { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 50 } });
    const cp = new ControlPlane({ configSources: [mode.configSource], registries: [mode.registry], credentialSource: mode.credentials!, onAnalysis: (s, a) => mode.onAnalysis(s, a), xdsAddress: '127.0.0.1:0', logs: new LogRegistry('off') });
    try {
      mode.start();
      await cp.start();
      const snap = () => cp.credentials.snapshot;
      assert.deepEqual([...snap().credentials.keys()], ['bookinfo-credential']);
      assert.match(snap().credentials.get('bookinfo-credential')!.certChainPem ?? '', /BEGIN CERTIFICATE/);
      assert.deepEqual(snap().issues.map((i) => [i.name, i.code, i.keptLastGood]), [['broken-credential', 'CREDENTIAL_PEM_INVALID', false]]);
      assert.equal(snap().dir, 'Secrets of namespace istio-system');
      // A bad update keeps the last good version.
      d.double.put(tlsSecret('bookinfo-credential', 'istio-system', b64('c.pem'), Buffer.from('not a key').toString('base64')));
      await until(() => snap().issues.some((i) => i.name === 'bookinfo-credential'), 'the bad update seen');
      assert.equal(snap().issues.find((i) => i.name === 'bookinfo-credential')!.keptLastGood, true);
      assert.ok(snap().credentials.has('bookinfo-credential'));
      // Analysis judges Gateways against these credentials.
      d.double.put({
        apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-system' },
        spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'missing-credential' } }] },
      });
      await until(() => ((d.double.object('networking.istio.io/v1', 'Gateway', 'istio-system', 'gw') as { status?: IstioStatus } | undefined)?.status?.validationMessages ?? []).some((m) => m.type.code === 'IST0161'), 'IST0161 on the Gateway');
    } finally {
      await cp.stop();
      await mode.stop();
      await d.double.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('Istio CRDs of an older Istio', () => {
  it('reads a kind at v1beta1 when v1 is not served, and writes its status there', async () => {
    const d = await startDouble();
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kube-old-'));
    d.double.registerCrd({ group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices', kind: 'VirtualService', namespaced: true });
    d.double.put(ns('istio-system'));
    d.double.put(ns('shop'));
    d.double.put({ apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'cart', namespace: 'shop' }, spec: { hosts: ['cart'], http: [{ route: [{ destination: { host: 'cart' } }] }] } });
    d.double.put({ apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'bad', namespace: 'shop' }, spec: { hosts: ['bad'], http: [{ route: [{ destination: {} }] }] } });
    const mode = new KubeMode({ client: d.client, identity: 'cp-old', informer: { initialBackoffMs: 10, maxBackoffMs: 50 }, leaderElection: { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 50 } });
    const cp = new ControlPlane({ configSources: [mode.configSource], registries: [mode.registry], onAnalysis: (s, a) => mode.onAnalysis(s, a), xdsAddress: '127.0.0.1:0', secretsDir: secrets, logs: new LogRegistry('off') });
    try {
      mode.start();
      await cp.start();
      assert.deepEqual(cp.push_.virtualServices('shop', 'mesh').map((a) => a.key), ['VirtualService cart.shop']);
      assert.equal(mode.istio.find((i) => i.resource.kind === 'VirtualService')!.resource.version, 'v1beta1');
      await until(() => ((d.double.object('networking.istio.io/v1beta1', 'VirtualService', 'shop', 'bad') as { status?: IstioStatus } | undefined)?.status?.validationMessages?.length ?? 0) > 0, 'status written at v1beta1');
    } finally {
      await cp.stop();
      await mode.stop();
      await d.double.stop();
      fs.rmSync(secrets, { recursive: true, force: true });
    }
  });
});

describe('MeshConfig from the istio ConfigMap', () => {
  it('applies data.mesh, refuses a bad version keeping the last good, and follows changes', async () => {
    const d = await startDouble();
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kube-mesh-'));
    d.double.registerIstioCrds();
    d.double.put(ns('istio-system'));
    const cm = (mesh: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh } });
    d.double.put(cm('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\nrootNamespace: istio-system\n'));
    const mode = new KubeMode({ client: d.client, identity: 'cp-m', meshConfigMap: { namespace: 'istio-system', name: 'istio' }, informer: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    const cp = new ControlPlane({ configSources: [mode.configSource], registries: [mode.registry], meshConfigSource: mode.meshConfig!, xdsAddress: '127.0.0.1:0', secretsDir: secrets, logs: new LogRegistry('off') });
    try {
      mode.start();
      await cp.start();
      assert.equal(cp.push_.mesh.outboundTrafficPolicy, 'REGISTRY_ONLY');
      d.double.put(cm('outboundTrafficPolicy:\n  mode: SOMETIMES\n'));
      await until(() => ((cp.configStatus() as { meshConfig?: { messages: { severity: string }[] } }).meshConfig?.messages ?? []).some((m) => m.severity === 'error'), 'the bad version refused');
      const st = (cp.configStatus() as { meshConfig: { file: string; messages: { path: string; severity: string }[] } }).meshConfig;
      assert.equal(st.file, 'ConfigMap istio-system/istio');
      assert.ok(st.messages.some((m) => m.path.startsWith('data.mesh.outboundTrafficPolicy')), JSON.stringify(st.messages));
      assert.equal(cp.push_.mesh.outboundTrafficPolicy, 'REGISTRY_ONLY', 'the last good one keeps serving');
      d.double.put(cm('outboundTrafficPolicy:\n  mode: ALLOW_ANY\n'));
      await until(() => cp.push_.mesh.outboundTrafficPolicy === 'ALLOW_ANY', 'the fixed version applied');
    } finally {
      await cp.stop();
      await mode.stop();
      await d.double.stop();
      fs.rmSync(secrets, { recursive: true, force: true });
    }
  });
});
