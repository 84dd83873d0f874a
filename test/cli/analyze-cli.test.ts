// `weft analyze DIR` as a user runs it: validation and cross-resource
// messages together, exit 1 on errors, --registry for services defined
// elsewhere, on the demo's own config (examples/bookinfo) and on a
// consistent slice of Istio's Bookinfo samples (interop: skipped with the
// reason when ../shared is absent).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/net-harness.js';
import { runWeft } from '../helpers/process-harness.js';
import { SAMPLES_DIR as SAMPLES, SAMPLES_SKIP } from '../../src/control/translate/test-bookinfo.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = path.join(ROOT, 'examples', 'bookinfo');

/** The Bookinfo services, as weft up's registry would describe them. */
const REGISTRY = ['productpage', 'reviews', 'ratings', 'details']
  .map(
    (s) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${s} }
spec:
  hosts: [${s}.default.svc.cluster.local]
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1, labels: { app: ${s}, version: v1 } }, { address: 127.0.0.2, labels: { app: ${s}, version: v2 } }]
`,
  )
  .join('---\n');

describe('weft analyze: the demo\'s config', { timeout: 30_000 }, () => {
  const tmp = tempDir('weft-analyze-ex-');
  after(() => tmp.cleanup());
  const registry = tmp.file('registry.yaml', REGISTRY);

  it('config/ with a scenario and the Bookinfo registry: no error', async () => {
    // 07 adds a second DestinationRule for productpage, which merges with config/'s.
    const r = await runWeft(['analyze', path.join(EXAMPLES, 'config'), '-f', path.join(EXAMPLES, 'scenarios', '07-circuit-breaker.yaml'), '--registry', registry]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /^Error /m);
  });

  it('a route to a subset no DestinationRule defines: exit 1, WEFT0302', async () => {
    const f = tmp.file('reviews-v4.yaml', fs.readFileSync(path.join(EXAMPLES, 'scenarios', '03-jason-to-v2.yaml'), 'utf8').replace('subset: v2', 'subset: v4'));
    const r = await runWeft(['analyze', path.join(EXAMPLES, 'config'), '-f', f, '--registry', registry]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Error \[WEFT0302 \(IST0101\)\] \(VirtualService reviews\.default\) spec\.http\[0\]\.route\[0\]\.destination\.subset: /m);
    // This test's REGISTRY has v1 and v2 workloads only, so config/'s reviews v3 subset selecting nothing is right
    // (the demo's own workloads do have v3: `weft analyze examples/bookinfo` is clean, below).
  });

  it('exits 2 without input', async () => {
    assert.equal((await runWeft(['analyze'])).code, 2);
  });
});

describe('weft analyze: Istio\'s Bookinfo samples', { timeout: 30_000, skip: SAMPLES_SKIP }, () => {
  const tmp = tempDir('weft-analyze-');
  after(() => tmp.cleanup());
  const dir = path.join(tmp.dir, 'bookinfo');
  fs.mkdirSync(dir);
  // One consistent configuration taken from the samples: gateway, all DestinationRules, all-v1 routes.
  if (!SAMPLES_SKIP) for (const f of ['bookinfo-gateway.yaml', 'destination-rule-all.yaml', 'virtual-service-all-v1.yaml']) fs.copyFileSync(path.join(SAMPLES, f), path.join(dir, f));
  const registry = tmp.file('registry.yaml', REGISTRY);

  it('without a registry: hosts unknown are warnings, exit 0', async () => {
    const r = await runWeft(['analyze', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const codes = r.stdout.trim().split('\n').map((l) => /\[(WEFT\d+)/.exec(l)?.[1]);
    assert.deepEqual([...new Set(codes)], ['WEFT0301']);
    assert.equal(codes.length, 5, r.stdout); // productpage twice (gateway + mesh), reviews, ratings, details
  });

  it('with --registry the slice is clean, except subsets selecting no workload', async () => {
    const r = await runWeft(['analyze', dir, '--registry', registry]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // ratings has v2-mysql and v2-mysql-vm subsets; reviews has v3: no such workloads in the registry.
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => /\[(WEFT\d+)[^\]]*\] \((\S+ \S+)\) (\S+):/.exec(l)?.slice(1).join(' ')), [
      'WEFT0305 DestinationRule reviews.default spec.subsets[2].labels',
      'WEFT0305 DestinationRule ratings.default spec.subsets[2].labels',
      'WEFT0305 DestinationRule ratings.default spec.subsets[3].labels',
    ]);
  });

  it('exits 1 when a route uses a subset no DestinationRule defines', async () => {
    const f = tmp.file('bookinfo/reviews-v4.yaml', fs.readFileSync(path.join(SAMPLES, 'virtual-service-reviews-v3.yaml'), 'utf8').replace('subset: v3', 'subset: v4').replace('name: reviews', 'name: reviews-v4'));
    try {
      const r = await runWeft(['analyze', dir, '--registry', registry]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^Error \[WEFT0302 \(IST0101\)\] \(VirtualService reviews-v4\.default\) spec\.http\[0\]\.route\[0\]\.destination\.subset: subset "v4" not found in DestinationRule reviews\.default at .*reviews-v4\.yaml:\d+$/m);
      assert.match(r.stdout, /^Warning \[WEFT0304 \(IST0109\)\] \(VirtualService (reviews|reviews-v4)\.default\) spec\.hosts: /m);
    } finally {
      fs.rmSync(f);
    }
  });

  it('prints validation errors too', async () => {
    const f = tmp.file('bookinfo/zz-bad.yaml', 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: { name: bad }\nspec: { servers: [] }\n');
    try {
      const r = await runWeft(['analyze', dir, '-o', 'json']);
      assert.equal(r.code, 1);
      const out = JSON.parse(r.stdout) as { messages: { code: string; key: string }[] };
      assert.ok(out.messages.some((m) => m.code === 'WEFT0107' && m.key === 'Gateway bad.default'));
    } finally {
      fs.rmSync(f);
    }
  });
});

describe('weft analyze on a weft up folder', { timeout: 30_000 }, () => {
  const BOOKINFO = path.join(ROOT, 'examples', 'bookinfo');

  it('the demo: its workloads are the registry, so its own config is clean', async () => {
    const r = await runWeft(['analyze', BOOKINFO]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /0 errors, 0 warnings/);
  });

  it('a copy whose config routes to an unknown host and a subset no workload has: found against the workloads', async () => {
    const tmp = tempDir('weft-analyze-up-');
    try {
      fs.cpSync(path.join(BOOKINFO, 'workloads.yaml'), path.join(tmp.dir, 'workloads.yaml'));
      fs.cpSync(path.join(BOOKINFO, 'config'), path.join(tmp.dir, 'config'), { recursive: true });
      tmp.file('config/extra.yaml', `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: details-canary }
spec:
  host: details
  subsets: [{ name: v9, labels: { version: v9 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: nowhere }
spec:
  hosts: [nowhere]
  http:
  - route: [{ destination: { host: nowhere } }]
`);
      const r = await runWeft(['analyze', tmp.dir, '-o', 'json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout) as { messages: { code: string; key: string }[] };
      assert.deepEqual(out.messages.map((m) => `${m.code} ${m.key}`).sort(), ['WEFT0301 VirtualService nowhere.default', 'WEFT0305 DestinationRule details-canary.default']);
    } finally {
      tmp.cleanup();
    }
  });

  it('mesh-wide STRICT with a DestinationRule sending plaintext to ratings: exit 1, WEFT0333 (IST0113); ISTIO_MUTUAL to details, which is DISABLE: WEFT0334 (IST0113); a PeerAuthentication selecting no workload: WEFT0314 (IST0127)', async () => {
    const tmp = tempDir('weft-analyze-mtls-');
    try {
      fs.cpSync(path.join(BOOKINFO, 'workloads.yaml'), path.join(tmp.dir, 'workloads.yaml'));
      fs.cpSync(path.join(BOOKINFO, 'config'), path.join(tmp.dir, 'config'), { recursive: true });
      tmp.file('config/mtls.yaml', `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: nobody }
spec:
  selector: { matchLabels: { app: ratingz } }
  mtls: { mode: DISABLE }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings-plaintext }
spec:
  host: ratings
  trafficPolicy: { tls: { mode: DISABLE } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: details-plaintext }
spec:
  selector: { matchLabels: { app: details } }
  mtls: { mode: DISABLE }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: details-mtls }
spec:
  host: details
  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
`);
      const r = await runWeft(['analyze', tmp.dir]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^Error \[WEFT0333 \(IST0113\)\] \(DestinationRule ratings-plaintext\.default\) spec\.trafficPolicy\.tls\.mode: .* at .*mtls\.yaml:\d+$/m);
      assert.match(r.stdout, /^Warning \[WEFT0314 \(IST0127\)\] \(PeerAuthentication nobody\.default\) spec\.selector\.matchLabels: /m);
      // The line of the field: details-mtls's trafficPolicy (tls.mode) is line 32 of mtls.yaml.
      const m = /^Error \[WEFT0334 \(IST0113\)\] \(DestinationRule details-mtls\.default\) spec\.trafficPolicy\.tls\.mode: .* at .*mtls\.yaml:(\d+)$/m.exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.equal(Number(m[1]), 32);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('weft analyze: a config folder with Gateway credentialName and a secrets/ folder', { timeout: 30_000 }, () => {
  const tmp = tempDir('weft-analyze-creds-');
  after(() => tmp.cleanup());

  it('a credentialName not in <folder>/secrets: exit 1, WEFT0320 (IST0161); once the secret is there, no error', async () => {
    const dir = path.join(tmp.dir, 'config');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'gw.yaml'), `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: [shop.example.com]
    tls: { mode: SIMPLE, credentialName: shop-credential }
`);
    const missing = await runWeft(['analyze', dir]);
    assert.equal(missing.code, 1, missing.stdout + missing.stderr);
    assert.match(missing.stdout, /^Error \[WEFT0320 \(IST0161\)\] \(Gateway gw\.default\) spec\.servers\[0\]\.tls\.credentialName: credential "shop-credential" does not exist/m);
    const { serverCert } = await import('../../src/control/ingest/credential-test-kit.js');
    const c = await serverCert('shop.example.com');
    fs.mkdirSync(path.join(dir, 'secrets', 'shop-credential'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'secrets', 'shop-credential', 'tls.crt'), c.cert);
    fs.writeFileSync(path.join(dir, 'secrets', 'shop-credential', 'tls.key'), c.key);
    const ok = await runWeft(['analyze', dir]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.doesNotMatch(ok.stdout, /WEFT0320/);
  });
});
