// `weft install --dry-run` parsed and checked: every CRD schema is a valid
// structural OpenAPI v3 schema, every kind weft accepts has a CRD whose
// versions weft validates, Istio's own samples fit the schemas (nothing
// pruned), profiles and the seed's helm values, unknown keys refused by
// name; and the control plane Deployment's arguments run the real `weft
// control`, whose webhook the MutatingWebhookConfiguration's caBundle trusts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { NETWORKING_KINDS, NETWORKING_VERSIONS } from '../../src/api/networking.js';
import { SECURITY_VERSIONS, SUPPORTED_SECURITY_KINDS } from '../../src/api/security.js';
import { TELEMETRY_VERSIONS } from '../../src/api/telemetry.js';
import { parseMeshConfigText } from '../../src/control/ingest/mesh-config-file.js';
import { SAMPLES_DIR, SAMPLES_SKIP } from '../../src/control/translate/test-bookinfo.js';
import { validateObject } from '../../src/control/validation/index.js';
import { podFrom } from '../../src/kube/inject/test-kit.js';
import { KubeApiDouble } from '../helpers/kube-api-double.js';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';

type Obj = Record<string, any>;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-install-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

async function dryRun(...args: string[]): Promise<{ code: number | null; objects: Obj[]; stderr: string }> {
  const r = await runWeft(['install', '--dry-run', '--ca-dir', path.join(work, 'ca'), ...args], 30_000);
  const objects = r.code === 0 ? parseAllDocuments(r.stdout).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as Obj;
  }) : [];
  return { code: r.code, objects, stderr: r.stderr };
}
const find = (objects: Obj[], kind: string, name?: string): Obj[] => objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

/**
 * Kubernetes' structural schema rules (apiextensions "Specifying a
 * structural schema"): a type on every node unless it preserves unknown
 * fields or is int-or-string; properties and additionalProperties never
 * together; arrays have items; only the keywords OpenAPI v3 allows in CRDs.
 */
function structuralProblems(s: Obj, at: string, out: string[]): void {
  const allowed = new Set(['type', 'format', 'description', 'properties', 'additionalProperties', 'items', 'required', 'enum', 'minimum', 'maximum', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'nullable', 'default', 'pattern', 'minItems', 'maxItems', 'minLength', 'maxLength']);
  for (const k of Object.keys(s)) if (!allowed.has(k)) out.push(`${at}: keyword ${k} is not allowed in a structural schema`);
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true || s['x-kubernetes-int-or-string'] === true;
  if (!preserve && typeof s.type !== 'string') out.push(`${at}: no type`);
  if (s.type !== undefined && !['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(s.type)) out.push(`${at}: type ${s.type}`);
  if (s.properties && s.additionalProperties) out.push(`${at}: properties and additionalProperties together`);
  if ((s.properties || s.additionalProperties) && s.type !== 'object') out.push(`${at}: properties on a ${s.type}`);
  if (s.type === 'array' && !s.items) out.push(`${at}: array without items`);
  if (s.enum && (s.type !== 'string' || !s.enum.every((v: unknown) => typeof v === 'string'))) out.push(`${at}: enum of a non-string`);
  for (const r of s.required ?? []) if (!s.properties?.[r]) out.push(`${at}: required ${r} is not a property`);
  for (const [k, v] of Object.entries(s.properties ?? {})) structuralProblems(v as Obj, `${at}.${k}`, out);
  if (typeof s.additionalProperties === 'object') structuralProblems(s.additionalProperties, `${at}.*`, out);
  if (s.items) structuralProblems(s.items, `${at}[]`, out);
}

/** What the API server would prune or refuse from `v` under schema `s` (a small structural validator). */
function schemaProblems(v: unknown, s: Obj, at: string, out: string[]): void {
  if (s['x-kubernetes-preserve-unknown-fields'] === true && !s.type) return;
  const t = s.type;
  const actual = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
  const ok = t === actual || (t === 'number' && actual === 'integer');
  if (!ok) {
    out.push(`${at}: ${actual} where the schema says ${t}`);
    return;
  }
  if (s.enum && !s.enum.includes(v)) out.push(`${at}: ${JSON.stringify(v)} not in the enum`);
  if (typeof v === 'number' && ((s.minimum !== undefined && v < s.minimum) || (s.maximum !== undefined && v > s.maximum))) out.push(`${at}: ${v} out of range`);
  if (t === 'array') (v as unknown[]).forEach((x, i) => schemaProblems(x, s.items, `${at}[${i}]`, out));
  if (t === 'object') {
    for (const [k, x] of Object.entries(v as Obj)) {
      const sub = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (!sub) {
        if (s['x-kubernetes-preserve-unknown-fields'] !== true) out.push(`${at}.${k}: not in the schema (the API server would prune it)`);
        continue;
      }
      schemaProblems(x, sub, `${at}.${k}`, out);
    }
  }
}

describe('weft install --dry-run', () => {
  it('the default profile: namespace first, CRDs, control plane, both webhooks with the CA bundle, Prometheus; apply order kept', async () => {
    const { code, objects, stderr } = await dryRun();
    assert.equal(code, 0, stderr);
    for (const o of objects) {
      assert.equal(typeof o.apiVersion, 'string');
      assert.equal(typeof o.kind, 'string');
      assert.equal(typeof o.metadata?.name, 'string');
      assert.equal(o.metadata.labels['app.kubernetes.io/part-of'], 'weft');
    }
    assert.equal(objects[0]!.kind, 'Namespace');
    assert.equal(objects[0]!.metadata.name, 'istio-system');
    const kinds = objects.map((o) => o.kind);
    assert.ok(kinds.lastIndexOf('CustomResourceDefinition') < kinds.indexOf('Deployment'));
    assert.ok(kinds.indexOf('Service') < kinds.indexOf('MutatingWebhookConfiguration'));
    assert.equal(find(objects, 'Deployment', 'istiod').length, 1);
    assert.equal(find(objects, 'Deployment', 'prometheus').length, 1);
    assert.equal(find(objects, 'Deployment', 'grafana').length, 0);
    const mwc = find(objects, 'MutatingWebhookConfiguration')[0]!;
    const vwc = find(objects, 'ValidatingWebhookConfiguration')[0]!;
    const root = fs.readFileSync(path.join(work, 'ca', 'ca-cert.pem'), 'utf8');
    for (const w of [...mwc.webhooks, ...vwc.webhooks]) {
      assert.equal(Buffer.from(w.clientConfig.caBundle, 'base64').toString(), root);
      assert.deepEqual(w.admissionReviewVersions, ['v1', 'v1beta1']);
      assert.equal(w.sideEffects, 'None');
    }
    assert.deepEqual(mwc.webhooks.map((w: Obj) => w.failurePolicy), ['Fail', 'Fail', 'Fail']);
    assert.equal(vwc.webhooks[0].failurePolicy, 'Ignore');
    assert.equal(mwc.webhooks[1].namespaceSelector.matchExpressions[0].key, 'istio-injection');
    // a second install reuses the CA: the same root, so running workloads keep trusting it
    const again = await dryRun();
    assert.equal(find(again.objects, 'MutatingWebhookConfiguration')[0]!.webhooks[0].clientConfig.caBundle, mwc.webhooks[0].clientConfig.caBundle);
  });

  it('every kind weft accepts has a CRD: valid structural OpenAPI v3 schemas, Istio\'s names, every version weft validates served, one stored', async () => {
    const { objects } = await dryRun('--profile', 'minimal');
    const crds = find(objects, 'CustomResourceDefinition');
    const accepted = [
      ...NETWORKING_KINDS.map((k) => ['networking.istio.io', k, NETWORKING_VERSIONS] as const),
      ...SUPPORTED_SECURITY_KINDS.map((k) => ['security.istio.io', k, SECURITY_VERSIONS] as const),
      ['telemetry.istio.io', 'Telemetry', TELEMETRY_VERSIONS] as const,
    ];
    assert.equal(crds.length, accepted.length);
    for (const [group, kind, versions] of accepted) {
      const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === kind);
      assert.ok(crd, `no CRD for ${group} ${kind}`);
      assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${group}`);
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.deepEqual(crd.spec.versions.map((v: Obj) => v.name), [...versions]);
      assert.equal(crd.spec.versions.filter((v: Obj) => v.storage).length, 1);
      for (const v of crd.spec.versions) {
        assert.equal(v.served, true);
        assert.deepEqual(v.subresources, { status: {} });
        const problems: string[] = [];
        structuralProblems(v.schema.openAPIV3Schema, `${kind}.${v.name}`, problems);
        assert.deepEqual(problems, []);
        // weft validates this apiVersion (a version weft refuses would make the CRD a lie)
        const r = validateObject({ apiVersion: `${group}/${v.name}`, kind, metadata: { name: 'x' }, spec: {} });
        assert.ok(!r.messages.some((m) => ['WEFT0003', 'WEFT0004', 'WEFT0005'].includes(m.code)), JSON.stringify(r.messages));
      }
    }
    assert.deepEqual(crds.map((c) => c.spec.names.plural).sort(), ['authorizationpolicies', 'destinationrules', 'gateways', 'peerauthentications', 'requestauthentications', 'serviceentries', 'sidecars', 'telemetries', 'virtualservices', 'workloadentries']);
    assert.deepEqual(crds.find((c) => c.spec.names.kind === 'VirtualService')!.spec.names.shortNames, ['vs']);
  });

  it('Istio\'s Bookinfo samples fit the CRD schemas: nothing pruned, every type right', { skip: SAMPLES_SKIP }, async () => {
    const { objects } = await dryRun('--profile', 'minimal');
    const crds = find(objects, 'CustomResourceDefinition');
    let checked = 0;
    for (const f of fs.readdirSync(SAMPLES_DIR).filter((x) => x.endsWith('.yaml'))) {
      for (const d of parseAllDocuments(fs.readFileSync(path.join(SAMPLES_DIR, f), 'utf8'))) {
        const doc = d.toJS() as Obj | null;
        if (!doc?.kind) continue;
        const [group, version] = String(doc.apiVersion).split('/');
        const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === doc.kind);
        assert.ok(crd, `${f}: no CRD for ${doc.apiVersion} ${doc.kind}`);
        const schema = crd.spec.versions.find((v: Obj) => v.name === version).schema.openAPIV3Schema;
        const problems: string[] = [];
        schemaProblems(doc.spec, schema.properties.spec, `${f} ${doc.kind} ${doc.metadata.name} spec`, problems);
        assert.deepEqual(problems, []);
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} objects checked`);
  });

  it('profiles as Istio\'s: minimal is the control plane alone, demo adds Grafana, Kiali and tracing (and mesh tracing to Zipkin)', async () => {
    const minimal = (await dryRun('--profile', 'minimal')).objects;
    assert.equal(find(minimal, 'MutatingWebhookConfiguration').length, 0);
    assert.equal(find(minimal, 'ValidatingWebhookConfiguration').length, 0);
    assert.equal(find(minimal, 'Secret').length, 0);
    assert.deepEqual(find(minimal, 'Deployment').map((d) => d.metadata.name), ['istiod']);
    assert.ok(!find(minimal, 'Deployment')[0]!.spec.template.spec.containers[0].args.includes('--ca-dir'));
    const demo = (await dryRun('--profile', 'demo')).objects;
    assert.deepEqual(find(demo, 'Deployment').map((d) => d.metadata.name), ['istiod', 'prometheus', 'grafana', 'kiali', 'tracing']);
    const mesh = find(demo, 'ConfigMap', 'istio')[0]!.data.mesh;
    const parsed = parseMeshConfigText(mesh);
    assert.deepEqual(parsed.messages, [], 'weft control accepts the mesh config the install writes');
    assert.match(mesh, /zipkin:\n\s+address: zipkin\.istio-system:9411/);
    assert.equal(find(demo, 'Service', 'zipkin').length, 1);
  });

  it('the seed\'s helm values file is accepted and mapped (grafana login from the seed\'s Secret); keys are typed and unknown ones refused by name', async () => {
    const seed = path.join(work, 'seed-values.yaml');
    // The values file of the seed (Istio 1.0's helm chart values), as it appears there.
    fs.writeFileSync(seed, `gateways:
  enabled: false
sidecarInjectorWebhook:
  enabled: true
galley:
  enabled: true
mixer:
  policy:
    enabled: true
  telemetry:
    enabled: true
pilot:
  enabled: true
security:
  enabled: true
nodeagent:
  enabled: false
grafana:
  enabled: true
  security:
    enabled: true
prometheus:
  enabled: true
tracing:
  enabled: false
kiali:
  enabled: true
certmanager:
  enabled: false
`);
    const { code, objects, stderr } = await dryRun('-f', seed);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /note: mixer\.policy\.enabled: nothing to install/);
    assert.deepEqual(find(objects, 'Deployment').map((d) => d.metadata.name), ['istiod', 'prometheus', 'grafana', 'kiali']);
    const grafanaEnv = find(objects, 'Deployment', 'grafana')[0]!.spec.template.spec.containers[0].env;
    assert.deepEqual(grafanaEnv[1], { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana', key: 'passphrase' } } });
    // --set wins over the file
    const off = await dryRun('-f', seed, '--set', 'sidecarInjectorWebhook.enabled=false');
    assert.equal(find(off.objects, 'MutatingWebhookConfiguration').length, 0);
    assert.ok(!find(off.objects, 'Deployment', 'istiod')[0]!.spec.template.spec.containers[0].args.includes('--image'));

    const bad = path.join(work, 'bad-values.yaml');
    fs.writeFileSync(bad, 'mixer:\n  telemetry:\n    enabled: "yes"\n  adapters: { stdio: true }\ngalley: { enabld: true }\ngateways: { enabled: true }\nkiali: { enabled: true }\nprometheus: { enabled: false }\npilot: { replicaCount: 0 }\n');
    const r = await runWeft(['install', '--dry-run', '--ca-dir', path.join(work, 'ca'), '-f', bad]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /mixer\.telemetry\.enabled: must be true or false, got "yes"/);
    assert.match(r.stderr, /mixer\.adapters: unknown key/);
    assert.match(r.stderr, /galley\.enabld: unknown key \(did you mean galley\.enabled\?\)/);
    assert.match(r.stderr, /gateways\.enabled: true is not supported: gateway Deployments are not installed by weft yet/);
    assert.match(r.stderr, /pilot\.replicaCount: must be a positive integer, got 0/);
    assert.equal((await runWeft(['install', '--dry-run', '--profile', 'huge'])).code, 2);
  });

  it('the control plane Deployment\'s arguments run the real weft control; its webhook injects, trusted by the caBundle under istiod\'s Service name', async () => {
    const { objects } = await dryRun();
    const dep = find(objects, 'Deployment', 'istiod')[0]!;
    const container = dep.spec.template.spec.containers[0];
    // Materialize the mounted Secrets and ConfigMaps where the Deployment mounts them (under a temp root).
    const root = path.join(work, 'pod');
    const root_ = root;
    const vols = new Map<string, Obj>(dep.spec.template.spec.volumes.map((v: Obj) => [v.name, v]));
    for (const m of container.volumeMounts) {
      const dir = path.join(root, m.mountPath);
      fs.mkdirSync(dir, { recursive: true });
      const v = vols.get(m.name)!;
      if (v.secret) for (const [k, val] of Object.entries(find(objects, 'Secret', v.secret.secretName)[0]!.data)) fs.writeFileSync(path.join(dir, k), Buffer.from(val as string, 'base64'));
      if (v.configMap) for (const [k, val] of Object.entries(find(objects, 'ConfigMap', v.configMap.name)[0]!.data)) fs.writeFileSync(path.join(dir, k), val as string);
    }
    // The API server: the double, where the pod's service account would reach the real one.
    const double = await KubeApiDouble.start();
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } } as never);
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as never);
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'legacy', labels: { 'istio-injection': 'disabled' } } } as never);
    const kubeconfig = double.writeKubeconfig(work);
    assert.ok((container.args as string[]).includes('--in-cluster'));
    const args = (container.args as string[]).flatMap((a) => (a === '--in-cluster' ? ['--kubeconfig', kubeconfig] : [a.startsWith('/') ? path.join(root, a) : a.replace(/^0\.0\.0\.0:\d+$/, '127.0.0.1:0')]));
    assert.equal(args[0], 'control');
    const child = spawn(process.execPath, [WEFT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POD_NAME: 'istiod-0', POD_NAMESPACE: 'istio-system' } });
    try {
      let log = '';
      const port = await new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no webhook port in 20 s:\n${log}`)), 20_000);
        const onData = (c: Buffer): void => {
          log += c.toString();
          const m = /admission webhooks \(HTTPS\) on port (\d+)/.exec(log);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`weft control exited ${code}:\n${log}`)));
      });
      const caBundle = Buffer.from(find(objects, 'MutatingWebhookConfiguration')[0]!.webhooks[0].clientConfig.caBundle, 'base64').toString();
      const pod = podFrom('hello.yaml', 'hello');
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'install-1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'default', object: pod } });
      const review = (b: string) => new Promise<Obj>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', ca: caBundle, servername: 'istiod.istio-system.svc', headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(JSON.parse(text)));
        });
        req.on('error', reject);
        req.end(b);
      });
      const reply = await review(body);
      // In Kubernetes mode the webhook reads the namespace's labels itself: istio-injection=disabled wins.
      const legacy = await review(body.replace('"namespace":"default"', '"namespace":"legacy"'));
      assert.equal(legacy.response.allowed, true);
      assert.equal(legacy.response.patch, undefined);
      assert.equal(reply.response.uid, 'install-1');
      assert.equal(reply.response.patchType, 'JSONPatch');
      const patch = JSON.parse(Buffer.from(reply.response.patch, 'base64').toString());
      const image = patch.find((op: Obj) => op.path === '/spec/containers/1')?.value.image;
      assert.equal(image, container.args[container.args.indexOf('--image') + 1]);
      // istiod's namespace controller: the mesh root is published in every namespace.
      const root = fs.readFileSync(path.join(root_, 'etc', 'cacerts', 'root-cert.pem'), 'utf8');
      const deadline = Date.now() + 10_000;
      while ((double.object('v1', 'ConfigMap', 'shop', 'istio-ca-root-cert') as { data?: Record<string, string> } | undefined)?.data?.['root-cert.pem'] !== root) {
        assert.ok(Date.now() < deadline, 'istio-ca-root-cert was not published in namespace shop');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await double.stop();
    }
  });
});

describe('the CRDs and the control plane agree', () => {
  it('every Istio kind the control plane watches is at a path a CRD of weft install serves (Istio\'s plurals: gateways, serviceentries)', async () => {
    const { ISTIO_RESOURCES } = await import('../../src/kube/kube-resources.js');
    const { acceptedKinds } = await import('../../src/kube/install/index.js');
    const crds = acceptedKinds();
    for (const r of ISTIO_RESOURCES) {
      const crd = crds.find((k) => k.group === r.group && k.kind === r.kind);
      assert.ok(crd, `no CRD for ${r.group} ${r.kind}`);
      assert.equal(r.plural, crd.plural, `${r.kind}: the control plane watches ${r.plural}, the CRD serves ${crd.plural}`);
      assert.ok(crd.versions.includes(r.version), `${r.kind}: the control plane watches ${r.version}, the CRD serves ${crd.versions.join(', ')}`);
    }
  });
});
