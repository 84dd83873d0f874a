// `weft kube-inject` as a user runs it: golden files for Istio-shaped
// manifests (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, a List,
// a Service passing through), -o, stdin, and the exit codes.
// WEFT_UPDATE_GOLDEN=1 rewrites the golden files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { TESTDATA } from '../../src/kube/inject/test-kit.js';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';

const GOLDEN = path.join(TESTDATA, 'golden');

function checkGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.WEFT_UPDATE_GOLDEN === '1') {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, actual);
  }
  assert.ok(fs.existsSync(file), `missing golden file ${file} (run with WEFT_UPDATE_GOLDEN=1)`);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${name} differs (run with WEFT_UPDATE_GOLDEN=1 if the change is intended)`);
}

describe('weft kube-inject', () => {
  for (const [input, args] of [['hello.yaml', []], ['hello-probes.yaml', []], ['multi.yaml', []], ['jobs.yaml', ['--kube-version', '1.28']], ['jobs.yaml', ['--native-sidecars', 'enabled', '--image', 'registry.example/weft:dev']]] as const) {
    const out = `${path.basename(input, '.yaml')}${args.length ? `.${args[1]!.replace(/[^a-z0-9]/gi, '')}` : ''}.injected.yaml`;
    it(`${input} ${args.join(' ')} → golden/${out}`, async () => {
      const r = await runWeft(['kube-inject', '-f', path.join(TESTDATA, input), ...args]);
      assert.equal(r.code, 0, r.stderr);
      checkGolden(out, r.stdout);
      // every document parses, and the count is the input's
      const docs = parseAllDocuments(r.stdout);
      assert.ok(docs.every((d) => d.errors.length === 0));
      const inDocs = parseAllDocuments(fs.readFileSync(path.join(TESTDATA, input), 'utf8')).filter((d) => d.toJS() !== null);
      assert.equal(docs.length, inDocs.length);
    });
  }

  it('multi.yaml: the Service passes through unchanged, the DaemonSet that opts out is named on stderr', async () => {
    const r = await runWeft(['kube-inject', '-f', path.join(TESTDATA, 'multi.yaml')]);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    assert.deepEqual(docs[0], parseAllDocuments(fs.readFileSync(path.join(TESTDATA, 'multi.yaml'), 'utf8'))[0]!.toJS());
    assert.match(r.stderr, /DaemonSet node-logger: not injected: the pod opts out \(label sidecar\.istio\.io\/inject=false\)/);
    const list = docs[2] as { items: { spec: { template: { spec: { containers: { name: string }[] } } } }[] };
    assert.deepEqual(list.items[0]!.spec.template.spec.containers.map((c) => c.name), ['db', 'istio-proxy']);
    assert.deepEqual(list.items[1]!.spec.template.spec.containers.map((c) => c.name), ['logger']);
  });

  it('-o writes a file; -f - reads stdin', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kinj-'));
    try {
      const out = path.join(dir, 'out.yaml');
      const r = await runWeft(['kube-inject', '-f', path.join(TESTDATA, 'hello.yaml'), '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(path.join(GOLDEN, 'hello.injected.yaml'), 'utf8'));
      const child = spawn(process.execPath, [WEFT_BIN, 'kube-inject', '-f', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stdin.end(fs.readFileSync(path.join(TESTDATA, 'hello.yaml')));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0);
      assert.equal(stdout, fs.readFileSync(out, 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exit 1 with every problem (nothing written) when a workload cannot be injected; 2 on bad YAML and bad options', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kinj-'));
    try {
      const bad = path.join(dir, 'bad.yaml');
      fs.writeFileSync(bad, fs.readFileSync(path.join(TESTDATA, 'hello.yaml'), 'utf8').replace('    metadata:\n', "    metadata:\n      annotations: { sidecar.istio.io/proxyCPU: lots, traffic.sidecar.istio.io/excludeInboundPorts: 'x' }\n"));
      const r = await runWeft(['kube-inject', '-f', bad]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /Deployment hello: not injected: spec\.template\.metadata\.annotations\['sidecar\.istio\.io\/proxyCPU'\]: "lots" is not a Kubernetes quantity.*; spec\.template\.metadata\.annotations\['traffic\.sidecar\.istio\.io\/excludeInboundPorts'\]: "x" is not a port number/);
      fs.writeFileSync(bad, 'kind: [unclosed\n');
      assert.equal((await runWeft(['kube-inject', '-f', bad])).code, 2);
      const opts = await runWeft(['kube-inject', '-f', bad, '--native-sidecars', 'sometimes', '--kube-version', 'latest']);
      assert.equal(opts.code, 2);
      assert.match(opts.stderr, /--native-sidecars: "sometimes".*\n.*--kube-version: "latest"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
