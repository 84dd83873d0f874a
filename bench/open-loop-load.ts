// Command-line entry for the open-loop constant-rate generator, run by the
// harness as its own process so it can be pinned to the load-generator core.
// Prints one JSON OpenLoopResult on stdout.
//   node dist/bench/open-loop-load.js --port 8080 [--host 127.0.0.1] [--path /]
//     [--rate 1000] [--duration-ms 10000] [--warmup-ms 1000] [--connections 16]
//     [--drain-ms 2000] [--no-spin]
import { parseArgs } from 'node:util';
import { runOpenLoop } from './lib/open-loop.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    path: { type: 'string', default: '/' },
    rate: { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '10000' },
    'warmup-ms': { type: 'string', default: '1000' },
    connections: { type: 'string', default: '16' },
    'drain-ms': { type: 'string', default: '2000' },
    'no-spin': { type: 'boolean', default: false },
  },
});

if (!values.port) {
  console.error('open-loop-load: --port is required');
  process.exit(2);
}

runOpenLoop({
  host: values.host!,
  port: Number(values.port),
  path: values.path!,
  ratePerSec: Number(values.rate),
  durationMs: Number(values['duration-ms']),
  warmupMs: Number(values['warmup-ms']),
  connections: Number(values.connections),
  drainMs: Number(values['drain-ms']),
  spin: !values['no-spin'],
}).then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
  },
  (err: unknown) => {
    console.error(`open-loop-load: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
