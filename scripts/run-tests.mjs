// Runs every compiled test file (unit tests beside the code in dist/src,
// integration and end-to-end tests in dist/test) with Node's test runner.
// Usage: node scripts/run-tests.mjs [substring filter...]
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['dist/src', 'dist/test', 'dist/bench', 'dist/examples'];
const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
};
roots.forEach(walk);
files.sort();
if (files.length === 0) { console.error('run-tests: no test files found'); process.exit(1); }
// --test-force-exit: a file whose tests are done must not hang the run because a
// third-party client (e.g. @grpc/grpc-js-xds's xDS channel) keeps reconnecting.
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-force-exit', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
