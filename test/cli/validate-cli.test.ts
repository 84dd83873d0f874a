// `weft validate` as a user runs it: exit codes (1 on errors, 0 on warnings
// only, 2 on usage errors), Istio-like lines with FILE:LINE, JSON output,
// stdin, folders, and Istio's Bookinfo samples validating clean.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/net-harness.js';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';
import { SAMPLES_DIR as SAMPLES, SAMPLES_SKIP } from '../../src/control/translate/test-bookinfo.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = path.join(ROOT, 'examples', 'bookinfo');

const SEED = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: virtual-svc }
spec:
  hosts: [service-a]
  http:
  - route: [{ destination: { host: service-a } }]
    fault: { delay: { percent: 50, fixedDelay: 5s } }
`;

const BAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        port:
          number: 70000
    timeout: 5
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: { name: default }
spec: {}
`;

function runWithStdin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WEFT_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('weft validate', { timeout: 180_000 }, () => {
  const tmp = tempDir('weft-validate-');
  after(() => tmp.cleanup());
  const bad = tmp.file('bad.yaml', BAD);
  const seed = tmp.file('seed.yaml', SEED);

  it('passes the demo\'s config with a scenario (examples/bookinfo) with no message', async () => {
    // Each scenario is validated in-process by examples/bookinfo/config.test.ts; here the command, once.
    const r = await runWeft(['validate', '-f', path.join(EXAMPLES, 'config'), '-f', path.join(EXAMPLES, 'scenarios', '04-fault-delay-jason.yaml')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '', 'no error or warning');
    assert.match(r.stderr, /: 6 objects in 2 files: 0 errors, 0 warnings/);
  });

  it('the Istio Bookinfo samples as one folder: they are alternatives, so only the same objects defined twice are errors', { skip: SAMPLES_SKIP }, async () => {
    const r = await runWeft(['validate', '-f', SAMPLES]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines.find((l) => l.includes('WEFT0150'))!, /^Warning \[WEFT0150 \(IST0130\)\] \(VirtualService details\.default\) spec\.http\[1\]: .* at .*fault-injection-details-v1\.yaml:18$/);
    const errors = lines.filter((l) => l.startsWith('Error'));
    assert.ok(errors.length > 0 && errors.every((l) => l.startsWith('Error [WEFT0308]')), r.stdout);
    const warnings = lines.filter((l) => l.startsWith('Warning')).map((l) => /\[(WEFT\d+)/.exec(l)?.[1]);
    // The DestinationRules with ISTIO_MUTUAL and SIMPLE (TLS origination) are honoured: nothing to warn about.
    assert.deepEqual(warnings.sort(), ['WEFT0150'], r.stdout);
  });

  // As `istioctl validate -f FILE`: each sample alone passes; a reference to an
  // object not among the inputs (the DestinationRule defining a subset) is a note, not an error.
  const sampleFiles = SAMPLES_SKIP ? [] : fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml')).sort();
  it('finds the 21 Istio Bookinfo networking samples', { skip: SAMPLES_SKIP }, () => assert.equal(sampleFiles.length, 21));
  for (const f of sampleFiles) {
    it(`passes Istio's ${f} validated alone`, async () => {
      const r = await runWeft(['validate', '-f', path.join(SAMPLES, f), '-o', 'json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout) as { errors: number; messages: { code: string; severity: string }[] };
      assert.equal(out.errors, 0);
      for (const m of out.messages.filter((x) => x.code === 'WEFT0302')) assert.equal(m.severity, 'info');
    });
  }

  it('a subset whose DestinationRule is not among the inputs is an informational note (exit 0)', async () => {
    const f = tmp.file('vs-only.yaml', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: reviews }\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: { host: reviews, subset: v1 }\n');
    const r = await runWeft(['validate', '-f', f]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Info \[WEFT0302 \(IST0101\)\] \(VirtualService reviews\.default\) spec\.http\[0\]\.route\[0\]\.destination\.subset: .*not among the files given/m);
    assert.match(r.stderr, /0 errors, 0 warnings/);
  });

  it('accepts PeerAuthentication (Istio\'s mesh-wide STRICT) and refuses portLevelMtls without a selector with FILE:LINE', async () => {
    const good = tmp.file('pa-mesh.yaml', 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: istio-system }\nspec:\n  mtls: { mode: STRICT }\n');
    const ok = await runWeft(['validate', '-f', good]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stderr, /0 errors, 0 warnings/);
    const badPa = tmp.file('pa-bad.yaml', 'apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: foo }\nspec:\n  mtls: { mode: STRICT }\n  portLevelMtls:\n    8080: { mode: DISABLE }\n');
    const r = await runWeft(['validate', '-f', badPa]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Error \[WEFT0106 \(IST0106\)\] \(PeerAuthentication default\.foo\) spec\.portLevelMtls: .* at .*pa-bad\.yaml:6$/m);
  });

  it('two objects with one identity among the inputs are an error naming both files and lines', async () => {
    const vs = (route: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\nspec:\n  hosts: [reviews]\n  http:\n  - route: [{ destination: { host: ${route} } }]\n`;
    const cfg = path.join(tmp.dir, 'config');
    fs.mkdirSync(cfg);
    const first = tmp.file('config/reviews.yaml', vs('reviews'));
    const second = tmp.file('new.yaml', '# a new version\n' + vs('ratings'));
    const r = await runWeft(['validate', '-f', cfg, '-f', second]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const line = r.stdout.split('\n').find((l) => l.includes('WEFT0308'));
    assert.ok(line, r.stdout);
    assert.ok(line.includes(`${first}:4`) && line.includes(`${second}:5`), line);
  });

  it('exits 1 and prints every error, Istio style, with FILE:LINE', async () => {
    const r = await runWeft(['validate', '-f', bad]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      `Error [WEFT0003] (EnvoyFilter default.default) kind: EnvoyFilter (networking.istio.io/v1alpha3) is not yet supported by weft: it is not applied at ${bad}:16`,
      `Error [WEFT0102 (IST0106)] (VirtualService reviews.default) spec.http[0].route[0].destination.port.number: port number 70000 must be in the range 1..65535 at ${bad}:12`,
      `Error [WEFT0014 (IST0106)] (VirtualService reviews.default) spec.http[0].timeout: must be a duration string such as "10s", "100ms", "5m", got the number 5 (a unit is required: "5s") at ${bad}:13`,
    ].sort((a, b) => Number(a.split(':').pop()) - Number(b.split(':').pop())));
    assert.match(r.stderr, /3 errors, 0 warnings/);
  });

  it('exits 0 on warnings only (the seed example with a deprecated field)', async () => {
    const r = await runWeft(['validate', '-f', seed]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Warning \[WEFT0201 \(IST0002\)\] \(VirtualService virtual-svc\.default\) spec\.http\[0\]\.fault\.delay\.percent: .* at .*seed\.yaml:8\n$/);
  });

  it('reads stdin with -f -', async () => {
    const r = await runWithStdin(['validate', '-f', '-'], BAD);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /spec\.http\[0\]\.timeout: .* at <stdin>:13/);
  });

  it('takes several -f and prints JSON with --output json', async () => {
    const r = await runWeft(['validate', '-f', seed, '--filename', bad, '--output', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { valid: boolean; objects: number; files: string[]; errors: number; warnings: number; messages: { code: string; path: string; line?: number }[] };
    assert.equal(out.valid, false);
    assert.equal(out.objects, 3);
    assert.deepEqual(out.files, [seed, bad]);
    assert.equal(out.errors, 3);
    assert.equal(out.warnings, 1);
    assert.deepEqual(out.messages.map((m) => m.code).sort(), ['WEFT0003', 'WEFT0014', 'WEFT0102', 'WEFT0201']);
  });

  it('reports unreadable files and YAML syntax errors as WEFT0001', async () => {
    const broken = tmp.file('broken.yaml', 'a: [1,\n');
    const r = await runWeft(['validate', '-f', path.join(tmp.dir, 'nope.yaml'), '-f', broken]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Error \[WEFT0001\] cannot read .*nope\.yaml: ENOENT at .*nope\.yaml$/m);
    assert.match(r.stdout, /^Error \[WEFT0001\] YAML: .* at .*broken\.yaml:\d+$/m);
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await runWeft(['validate'])).code, 2);
    assert.equal((await runWeft(['validate', '-f', seed, '--output', 'yaml'])).code, 2);
    assert.equal((await runWeft(['validate', '--bogus'])).code, 2);
    const help = await runWeft(['validate', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: weft validate/);
  });
});

describe('weft validate: references between the files given', () => {
  it('a subset missing from the DestinationRule given alongside is an error with the issue\'s wording', async () => {
    const dir = tempDir();
    const f = dir.file('reviews.yaml', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
      weight: 50
    - destination: { host: reviews, subset: v4 }
      weight: 50
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }]
`);
    const r = await runWeft(['validate', '-f', f]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Error \[WEFT0302 \(IST0101\)\] \(VirtualService reviews\.default\) spec\.http\[0\]\.route\[1\]\.destination\.subset: subset "v4" not found in DestinationRule reviews\.default/m);
  });
});
