// The demo's YAML: the workloads file, the starting config and every
// scenario are valid for weft's validator and consistent with each other
// (subsets exist, weights add up, each file says how to apply itself).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfigDocuments, validateObject } from '../../src/control/validation/index.js';
import { DEMO_ISSUER_DEFAULTS } from '../../src/up/demo-issuer.js';

const distHere = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(distHere, '..', '..', '..');
const src = path.join(repo, 'examples', 'bookinfo');
const SERVICES = ['productpage', 'details', 'reviews', 'ratings'];

interface Doc { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> }

function docsOf(file: string, refusedKinds: readonly string[] = []): Doc[] {
  const text = fs.readFileSync(file, 'utf8');
  const loaded = loadConfigDocuments(text, file);
  assert.deepEqual(loaded.messages, [], `${file} parses`);
  for (const d of loaded.docs) {
    if (refusedKinds.includes((d.obj as Doc).kind)) continue;
    const r = validateObject(d.obj, file);
    const errors = r.messages.filter((m) => m.severity === 'error');
    assert.deepEqual(errors, [], `${file}: ${JSON.stringify(errors)}`);
  }
  return loaded.docs.map((d) => d.obj as Doc);
}

/** The security.istio.io kinds in `file` this build's validator refuses as unsupported (WEFT0003 on `kind`). */
function refusedSecurityKinds(file: string): string[] {
  const loaded = loadConfigDocuments(fs.readFileSync(file, 'utf8'), file);
  return [...new Set(loaded.docs.filter((d) => String((d.obj as Doc).apiVersion).startsWith('security.istio.io/')
    && validateObject(d.obj, file).messages.some((m) => m.code === 'WEFT0003' && m.path === 'kind')).map((d) => (d.obj as Doc).kind))];
}

const baseDocs = docsOf(path.join(src, 'config', 'destination-rules.yaml'));
const subsets = new Map<string, Set<string>>();
for (const d of baseDocs) subsets.set(String(d.spec.host), new Set((d.spec.subsets as Array<{ name: string }>).map((s) => s.name)));

describe('bookinfo config', () => {
  it('starts with subsets for every version and no VirtualService', () => {
    assert.ok(baseDocs.every((d) => d.kind === 'DestinationRule' && d.spec.trafficPolicy === undefined));
    assert.deepEqual([...subsets.keys()].sort(), [...SERVICES].sort());
    assert.deepEqual([...subsets.get('reviews')!].sort(), ['v1', 'v2', 'v3']);
  });

  it('lists the six workloads, each with a built entry file and matching labels', () => {
    const w = parse(fs.readFileSync(path.join(src, 'workloads.yaml'), 'utf8')) as {
      config: string;
      expose: Array<{ service: string; port: number; hostPort: number }>;
      workloads: Array<{ name: string; namespace: string; serviceAccount: string; labels: Record<string, string>; service: string; ports: Array<{ name: string; port: number; protocol: string }>; command: string[]; env: Record<string, string> }>;
    };
    assert.equal(w.config, 'config');
    assert.deepEqual(w.expose, [{ service: 'productpage', port: 9080, hostPort: 9080, path: '/productpage' }]);
    assert.deepEqual(w.workloads.map((x) => x.name), ['productpage-v1', 'details-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'ratings-v1']);
    for (const x of w.workloads) {
      assert.equal(x.name, `${x.labels.app}-${x.labels.version}`);
      assert.equal(x.service, x.labels.app);
      assert.equal(x.serviceAccount, `bookinfo-${x.service}`);
      assert.equal(x.namespace, 'default');
      assert.deepEqual(x.ports, [{ name: 'http', port: 9080, protocol: 'HTTP' }]);
      assert.ok(subsets.get(x.service)!.has(x.labels.version!), `${x.name} has a subset`);
      assert.equal(x.command[0], 'node');
      assert.ok(fs.existsSync(path.join(repo, 'dist', path.relative('dist', x.command[1]!))), `${x.command[1]} is built`);
      assert.ok(Object.values(x.env).every((v) => typeof v === 'string'), 'env values are strings');
    }
    assert.equal(w.workloads.find((x) => x.name === 'reviews-v3')!.env.LOG_REQUESTS, '1');
  });

  const scenarioDir = path.join(src, 'scenarios');
  const files = fs.readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml')).sort();

  it('has the scenarios the demo describes', () => {
    assert.deepEqual(files.map((f) => f.split('-')[0]), ['01', '02a', '02b', '03', '04', '05', '06', '07', '07b', '08', '09', '10', '11', '12']);
    const ignore = fs.readFileSync(path.join(src, 'config', '.gitignore'), 'utf8');
    assert.match(ignore, /^\[0-9\]\[0-9\]\*-\*\.yaml$/m, 'copied scenarios stay out of git');
  });

  for (const f of files) {
    it(`scenario ${f} is valid, routes only to defined subsets, and says how to apply it`, (t) => {
      const text = fs.readFileSync(path.join(scenarioDir, f), 'utf8');
      assert.ok(text.includes(`cp examples/bookinfo/scenarios/${f} examples/bookinfo/config/`), 'apply command');
      const refused = refusedSecurityKinds(path.join(scenarioDir, f));
      const docs = docsOf(path.join(scenarioDir, f), refused);
      if (refused.length > 0) t.diagnostic(`not checked: ${refused.join(', ')} (this build's validator does not take the kind yet)`);
      const keys = docs.map((d) => `${d.kind}/${d.metadata.name}`);
      assert.equal(new Set(keys).size, keys.length, 'no duplicate objects');
      for (const d of docs) {
        if (d.apiVersion.startsWith('security.istio.io/')) {
          assert.equal(d.apiVersion, 'security.istio.io/v1');
          continue;
        }
        assert.equal(d.apiVersion, 'networking.istio.io/v1');
        if (d.kind === 'DestinationRule') {
          assert.ok(!baseDocs.some((b) => b.metadata.name === d.metadata.name), 'a scenario rule never shadows a base rule by name');
          assert.equal(d.spec.subsets, undefined, 'subsets stay in the base rules');
          continue;
        }
        assert.equal(d.kind, 'VirtualService');
        for (const r of d.spec.http as Array<{ route: Array<{ destination: { host: string; subset: string }; weight?: number }>; mirror?: { host: string; subset: string } }>) {
          const dests = [...r.route.map((x) => x.destination), ...(r.mirror ? [r.mirror] : [])];
          for (const dst of dests) assert.ok(subsets.get(dst.host)?.has(dst.subset), `${dst.host}/${dst.subset} exists`);
          if (r.route.length > 1) assert.equal(r.route.reduce((n, x) => n + (x.weight ?? 0), 0), 100, 'weights add up to 100');
        }
      }
    });
  }

  it('scenario 12 names the demo issuer weft up runs (issuer, jwksUri) and requires its tokens', () => {
    const docs = docsOf(path.join(scenarioDir, '12-jwt-productpage.yaml'), refusedSecurityKinds(path.join(scenarioDir, '12-jwt-productpage.yaml')));
    const ra = docs.find((d) => d.kind === 'RequestAuthentication')!;
    const rule = (ra.spec.jwtRules as Array<{ issuer: string; jwksUri: string; audiences: string[] }>)[0]!;
    assert.equal(rule.issuer, DEMO_ISSUER_DEFAULTS.issuer);
    assert.equal(rule.jwksUri, `http://127.0.0.1:${DEMO_ISSUER_DEFAULTS.port}${DEMO_ISSUER_DEFAULTS.jwksPath}`);
    assert.deepEqual(rule.audiences, [DEMO_ISSUER_DEFAULTS.audience]);
    const text = fs.readFileSync(path.join(scenarioDir, '12-jwt-productpage.yaml'), 'utf8');
    assert.match(text, new RegExp(`requestPrincipals: \\["${DEMO_ISSUER_DEFAULTS.issuer.replace(/[.]/g, '\\.')}/\\*"\\]`));
  });

  it('scenario 2 splits reviews 90/10 then 50/50 between v1 and v3', () => {
    const weights = (f: string) => ((docsOf(path.join(scenarioDir, f))[0]!.spec.http as Array<{ route: Array<{ destination: { subset: string }; weight: number }> }>)[0]!.route).map((r) => `${r.destination.subset}:${r.weight}`);
    assert.deepEqual(weights('02a-canary-90-10.yaml'), ['v1:90', 'v3:10']);
    assert.deepEqual(weights('02b-canary-50-50.yaml'), ['v1:50', 'v3:50']);
  });
});
