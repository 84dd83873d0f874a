// TCP metadata exchange benchmark: new TCP connections per second through a
// pair of weft sidecars over mTLS, with Istio's TCP metadata exchange on both
// sides against the same pair without it, in one run.
//
//   client ─► client sidecar (OUTBOUND) ─mTLS─► server sidecar (INBOUND) ─► echo
//
// Each connection: connect, send 100 bytes, read the echo, close. With the
// exchange, each mTLS connection also carries one frame each way and one
// peer decode (cached per payload), and istio_tcp_* label sets name the peer.
// Both sidecars, the echo server and the load loop share one process (the
// sidecar pair from test/helpers/istio-tcp-sidecars.ts), so the figures are
// for the ratio between the two variants, not absolute capacity.
//
//   npx tsc -p tsconfig.json
//   node dist/bench/tcp-exchange-bench.js [--quick] [--duration 5] [--concurrency 8] [--reps 3]
import net from 'node:net';
import { parseArgs } from 'node:util';
import { OPENSSL_MISSING } from '../src/proxy/tls/tls-test-kit.js';
import { startTcpMesh, type TcpMesh } from '../test/helpers/istio-tcp-sidecars.js';
import { fmt, markdownTable, median, ratio } from './lib/summary.js';
import { numberOption } from './lib/bench-run.js';

const MESSAGE = Buffer.alloc(100, 0x6d);
const VARIANTS = ['mtls', 'mtls+exchange'] as const;
type Variant = (typeof VARIANTS)[number];

interface Options {
  durationSec: number;
  warmupSec: number;
  concurrency: number;
  reps: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      reps: { type: 'string' },
    },
  });
  const num = numberOption(values.quick === true);
  return {
    durationSec: num(values.duration, 2, 10),
    warmupSec: num(values.warmup, 0.5, 2),
    concurrency: num(values.concurrency, 4, 16),
    reps: num(values.reps, 1, 3),
  };
}

/** One echo round trip on a new connection; rejects on any error or a wrong echo. */
function oneConnection(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = 0;
    s.on('connect', () => s.write(MESSAGE));
    s.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= MESSAGE.length) s.end();
    });
    s.on('error', reject);
    s.on('close', () => (got === MESSAGE.length ? resolve() : reject(new Error(`echo returned ${got} bytes`))));
  });
}

/** Closed-loop: `concurrency` workers each open connections back to back for `seconds`; returns connections/s. */
async function closedLoop(port: number, concurrency: number, seconds: number): Promise<{ rate: number; errors: number }> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        await oneConnection(port);
        done++;
      } catch {
        errors++;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rate: done / ((performance.now() - start) / 1000), errors };
}

async function runVariant(v: Variant, o: Options): Promise<{ rate: number; errors: number }> {
  const mesh: TcpMesh = await startTcpMesh({ mtls: true, ...(v === 'mtls+exchange' ? { exchange: { server: true, client: true } } : {}) });
  try {
    const port = mesh.client.port('outbound');
    await closedLoop(port, o.concurrency, o.warmupSec);
    const r = await closedLoop(port, o.concurrency, o.durationSec);
    // The exchange must have run (or not) as the variant says: a benchmark of the wrong thing is worse than none.
    const stats = (await mesh.server.admin('/stats')).body;
    const found = Number(/^metadata_exchange\.alpn_protocol_found: (\d+)$/m.exec(stats)?.[1] ?? '0');
    if ((v === 'mtls+exchange') !== found > 0) throw new Error(`${v}: metadata_exchange.alpn_protocol_found is ${found}`);
    return r;
  } finally {
    await mesh.close();
  }
}

async function main(): Promise<void> {
  if (OPENSSL_MISSING) {
    console.error(`tcp-exchange-bench: ${OPENSSL_MISSING}`);
    process.exit(1);
  }
  const o = parseOptions(process.argv.slice(2));
  console.error(`tcp-exchange-bench: ${o.reps} rep(s) × ${o.durationSec}s, concurrency ${o.concurrency}`);
  const rates: Record<Variant, number[]> = { mtls: [], 'mtls+exchange': [] };
  const errors: Record<Variant, number> = { mtls: 0, 'mtls+exchange': 0 };
  for (let rep = 0; rep < o.reps; rep++) {
    // Alternate the order so a machine that warms up or gets busier does not favour one variant.
    const order = rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) {
      const r = await runVariant(v, o);
      rates[v].push(r.rate);
      errors[v] += r.errors;
      console.error(`  rep ${rep + 1} ${v}: ${fmt(r.rate)} conn/s (${r.errors} errors)`);
    }
  }
  const base = median(rates.mtls);
  console.log(markdownTable(['variant', 'connections/s (median)', 'vs mtls', 'errors'], VARIANTS.map((v) => [v, fmt(median(rates[v])), ratio(median(rates[v]), base), String(errors[v])])));
}

await main();
