import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigErrors } from '../common/errors.js';
import { parseConfigText } from '../proxy/config/bootstrap.js';
import { checkWorkloadCommands } from './workload-commands.js';
import { loadWorkloadsFile, parseWorkloads } from './workloads.js';

function load(text: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-workloads-'));
  try {
    fs.writeFileSync(path.join(dir, 'workloads.yaml'), text);
    const errs = new ConfigErrors();
    loadWorkloadsFile(path.join(dir, 'workloads.yaml'), errs);
    return errs.errors.map((e) => e.path);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const W = `workloads:
- name: web
  ports: [{ port: 8080, protocl: TCP }]
  command: [node, app.js]
`;

test('unknown keys are errors with their path, everywhere in the file (a typo never becomes a default)', () => {
  assert.deepEqual(load(W), ['workloads[0].ports[0].protocl']);
  assert.deepEqual(load(`${W.replace('protocl', 'protocol')}expose:\n- { service: web, port: 8080, hostport: 80 }\n`), ['expose[0].hostport']);
  assert.deepEqual(load(`${W.replace('protocl', 'protocol')}extra: 1\n`), ['extra']);
  assert.deepEqual(load(W.replace('  command', '  comand: [x]\n  command')), ['workloads[0].comand', 'workloads[0].ports[0].protocl']);
});

test('entries that are not maps, and expose entries without service or port, are errors', () => {
  assert.deepEqual(load('workloads:\n- 3\n'), ['workloads[0]']);
  const ok = W.replace('protocl', 'protocol');
  assert.deepEqual(load(`${ok}expose:\n- {}\n- [1]\n`), ['expose[0].service', 'expose[0].port', 'expose[1]']);
  assert.deepEqual(load(ok.replace('{ port: 8080, protocol: TCP }', '{ port: 8080, name: 7 }')), ['workloads[0].ports[0].name']);
});

test('commands and folders: missing program, missing script, missing cwd, each at its path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-commands-'));
  try {
    fs.writeFileSync(path.join(dir, 'app.js'), '');
    const errs = new ConfigErrors();
    const ws = parseWorkloads(parseConfigText(`workloads:
- { name: a, ports: [{ port: 1 }], command: [node, app.js] }
- { name: b, ports: [{ port: 2 }], command: [node, dist/missing.js] }
- { name: c, ports: [{ port: 3 }], command: [no-such-program-weft] }
- { name: d, ports: [{ port: 4 }], command: [node, app.js], cwd: nowhere }
- { name: e, ports: [{ port: 5 }], command: [./app.js] }
- { name: f, ports: [{ port: 6 }], command: [node, -e, "process.exit(1)"] }
`, errs), errs);
    assert.equal(errs.errors.length, 0);
    checkWorkloadCommands(ws, dir, dir, errs);
    assert.deepEqual(errs.errors.map((e) => e.path), ['workloads[1].command[1]', 'workloads[2].command[0]', 'workloads[3].cwd', 'workloads[4].command[0]']);
    assert.match(errs.errors[0]!.message, /dist\/missing\.js not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('metrics: the app\'s scrape port (one of its ports) and path (default /metrics); every mistake with its path', () => {
  const ok = W.replace('protocl', 'protocol');
  const parse = (text: string) => {
    const errs = new ConfigErrors();
    const w = parseWorkloads(parseConfigText(text, errs), errs);
    return { w: w[0], errors: errs.errors.map((e) => `${e.path}: ${e.message}`) };
  };
  assert.deepEqual(parse(`${ok}  metrics: { port: 8080 }\n`).w?.metrics, { port: 8080, path: '/metrics' });
  assert.deepEqual(parse(`${ok}  metrics: { port: 8080, path: /stats }\n`).w?.metrics, { port: 8080, path: '/stats' });
  assert.equal(parse(ok).w?.metrics, undefined);
  assert.deepEqual(parse(`${ok}  metrics: { port: 9090, path: stats, prt: 1 }\n`).errors, [
    'workloads[0].metrics.prt: unknown field "prt" (expected one of port, path)',
    'workloads[0].metrics.port: must be one of the workload\'s ports (8080): the app serves its metrics on that port',
    'workloads[0].metrics.path: must be a path starting with "/"',
  ]);
  assert.deepEqual(parse(`${ok}  metrics: { path: /m }\n`).errors, ['workloads[0].metrics.port: a port number 1-65535 is required']);
  assert.deepEqual(parse(`${ok}  metrics: 8080\n`).errors, ['workloads[0].metrics: must be a map']);
});
