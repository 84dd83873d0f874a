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
// Node's --test-force-exit loses test verdicts silently when several files run
// (the parent reports fewer tests than ran, and still exits 0: nodejs/node
// issue 64833; seen here as golden.test.js reporting 90 of its 100 tests), so
// the suite runs without it. The one file that needs it is the grpc-js-xds
// client test: @grpc/grpc-js-xds's process-wide xDS client has no shutdown and
// keeps reconnecting to the stopped control plane, so that file alone would
// never end. It runs first, on its own; a failure there still fails the run
// through its exit status, and the suite's summary stays the last one printed.
const FORCE_EXIT = ['grpc-xds-weighted.test.js'];
const forced = files.filter((f) => FORCE_EXIT.some((n) => f.endsWith(n)));
const rest = files.filter((f) => !forced.includes(f));
const run = (list, extra) => spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...extra, ...list], { stdio: 'inherit' }).status ?? 1;
const forcedStatus = forced.length > 0 ? run(forced, ['--test-force-exit']) : 0;
const restStatus = rest.length > 0 ? run(rest, []) : 0;
if (forcedStatus !== 0) console.error(`run-tests: ${forced.map((f) => path.basename(f)).join(', ')} failed (exit ${forcedStatus})`);
process.exit(forcedStatus || restStatus);
