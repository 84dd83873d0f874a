// What recovering a connection's original destination costs: one
// getsockopt(SO_ORIGINAL_DST) through weft's native addon
// (src/proxy/listener/original-dst/addon.ts), against what a loopback TCP
// connection costs the proxy process anyway (connect + accept + close), in
// one run. CPU time of this process (user+system), not wall time.
//
// The reads run on an accepted loopback socket. When conntrack tracks it
// (a nat table is loaded in this network namespace), the kernel does the same
// lookup as for a redirected connection and returns the local address;
// otherwise it answers ENOENT/ENOPROTOOPT after a shorter path. The report
// says which was measured.
//
//   npx tsc -p tsconfig.json
//   node dist/bench/original-dst-bench.js [--reads 200000] [--conns 3000] [--reps 5]
//
// The redirected case, as root in a scratch network namespace (the server
// listens on 15001, connections go to 9080 and iptables redirects them):
//   ip netns add b && ip netns exec b sh -c 'ip link set lo up;
//     iptables -t nat -A OUTPUT -p tcp --dport 9080 -j REDIRECT --to-ports 15001;
//     node dist/bench/original-dst-bench.js --listen-port 15001 --connect-port 9080'; ip netns del b
import net from 'node:net';
import { parseArgs } from 'node:util';
import { originalDstAddon, readOriginalDst } from '../src/proxy/listener/original-dst/addon.js';
import { median } from './lib/summary.js';

const { values } = parseArgs({ options: { reads: { type: 'string', default: '200000' }, conns: { type: 'string', default: '3000' }, reps: { type: 'string', default: '5' },
  'listen-port': { type: 'string', default: '0' }, 'connect-port': { type: 'string' } } });
const READS = Number(values.reads);
const CONNS = Number(values.conns);
const REPS = Number(values.reps);

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function main(): Promise<void> {
  const a = originalDstAddon();
  if ('error' in a) {
    console.error(`original-dst bench: ${a.error}`);
    process.exit(1);
  }
  let accepted: ((s: net.Socket) => void) | undefined;
  const server = net.createServer((s) => {
    if (accepted) accepted(s);
    else s.destroy();
  });
  await new Promise<void>((r) => server.listen(Number(values['listen-port']), '127.0.0.1', r));
  const port = values['connect-port'] ? Number(values['connect-port']) : (server.address() as net.AddressInfo).port;
  const connectOnce = () => new Promise<net.Socket>((resolve) => {
    accepted = resolve;
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    c.once('close', () => undefined);
  });

  const s = await connectOnce();
  const sample = readOriginalDst(s);
  const kind = sample.ok ? `conntrack entry found (returned ${sample.ip}:${sample.port})` : `no entry: ${sample.code}`;
  const readUs: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const t = cpuUs();
    for (let i = 0; i < READS; i++) readOriginalDst(s);
    readUs.push((cpuUs() - t) / READS);
  }
  s.destroy();

  const connUs: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const t = cpuUs();
    for (let i = 0; i < CONNS; i++) {
      const sock = await connectOnce();
      await new Promise<void>((r) => {
        sock.once('close', () => r());
        sock.destroy();
      });
    }
    connUs.push((cpuUs() - t) / CONNS);
  }
  server.close();
  const r = median(readUs) ?? NaN;
  const c = median(connUs) ?? NaN;
  console.log(`SO_ORIGINAL_DST read: ${r.toFixed(3)} µs CPU per connection (median of ${REPS} × ${READS}; ${kind})`);
  console.log(`loopback connect+accept+close: ${c.toFixed(1)} µs CPU per connection (median of ${REPS} × ${CONNS})`);
  console.log(`ratio: the read adds ${(100 * r / c).toFixed(2)}% to a connection's CPU cost`);
  console.log(`spread: reads ${Math.min(...readUs).toFixed(3)}–${Math.max(...readUs).toFixed(3)} µs, connections ${Math.min(...connUs).toFixed(1)}–${Math.max(...connUs).toFixed(1)} µs`);
}

void main();
