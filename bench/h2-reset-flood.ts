// A bounded HTTP/2 rapid-reset flood against a real `weft proxy` child
// process, on loopback only: C connections each send N pairs of HEADERS +
// RST_STREAM (or, with --mode madeyoureset, HEADERS declaring content-length 1
// + a 2-byte DATA the server must reset). Reports the proxy's RSS (baseline,
// peak, after), how many requests reached the upstream, and how many
// connections the proxy closed with GOAWAY. Stops by itself after --seconds.
// Usage: node dist/bench/h2-reset-flood.js [--connections 20] [--streams 5000]
//        [--mode rapidreset|madeyoureset] [--seconds 20] [--bin path/to/weft.js]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLAG, FRAME, H2_ERROR, frame, headerBlock, rawH2Connect, requestFields } from '../test/helpers/h2-raw-client.js';
import { bootstrap, staticCluster } from '../test/helpers/proxy-harness.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const CONNECTIONS = Number(arg('connections', '20'));
const STREAMS = Number(arg('streams', '5000'));
const SECONDS = Number(arg('seconds', '20'));
const MODE = arg('mode', 'rapidreset');
const BIN = arg('bin', fileURLToPath(new URL('../../bin/weft.js', import.meta.url)));

const mib = (kb: number) => (kb / 1024).toFixed(1);
function memKb(pid: number): { rss: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

async function main(): Promise<void> {
  let upstreamRequests = 0;
  const upstream = http.createServer((req, res) => {
    upstreamRequests++;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as net.AddressInfo).port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-flood-'));
  const cfg = path.join(dir, 'bootstrap.yaml');
  fs.writeFileSync(cfg, bootstrap({ clusters: staticCluster('service1', [upPort]) }));
  const child = spawn(process.execPath, [BIN, 'proxy', '-c', cfg, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const deadline = setTimeout(() => {
    child.kill('SIGKILL');
    process.stderr.write('h2-reset-flood: time bound reached\n');
    process.exit(2);
  }, (SECONDS + 15) * 1000);
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (c: Buffer) => {
      log += c.toString();
      const m = /listener_0 on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`proxy exited ${code}: ${log}`)));
  });
  const pid = child.pid!;
  const base = memKb(pid);
  let peakRss = base.rss;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, memKb(pid).rss);
    } catch {
      /* exited */
    }
  }, 20);
  const before = upstreamRequests;
  const started = Date.now();
  const rst = (id: number) => {
    const p = Buffer.alloc(4);
    p.writeUInt32BE(H2_ERROR.CANCEL);
    return frame(FRAME.RST_STREAM, 0, id, p);
  };
  const pair = MODE === 'madeyoureset'
    ? (id: number) => [frame(FRAME.HEADERS, FLAG.END_HEADERS, id, headerBlock(requestFields(`/f${id}`, [['content-length', '1']], 'POST'))), frame(FRAME.DATA, FLAG.END_STREAM, id, Buffer.from('xx'))]
    : (id: number) => [frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, headerBlock(requestFields(`/f${id}`))), rst(id)];
  let goaways = 0;
  let sent = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    const c = await rawH2Connect(port);
    // Batches of 100 pairs, each after the previous was written, until the proxy closes or all are sent.
    for (let i = 0; i < STREAMS && !c.isClosed() && Date.now() - started < SECONDS * 1000; i += 100) {
      const batch: Buffer[] = [];
      for (let j = i; j < Math.min(i + 100, STREAMS); j++) batch.push(...pair(2 * j + 1));
      if (!c.write(Buffer.concat(batch))) await new Promise<void>((r) => c.socket.once('drain', r).once('close', r));
      sent += Math.min(100, STREAMS - i);
    }
    if (c.frames.some((f) => f.type === FRAME.GOAWAY) || (await c.closed(Math.max(100, SECONDS * 1000 - (Date.now() - started))).then(() => true, () => false))) {
      if (c.frames.some((f) => f.type === FRAME.GOAWAY)) goaways++;
    }
    c.destroy();
  }));
  const floodMs = Date.now() - started;
  // Let in-flight upstream requests land before counting.
  await new Promise((r) => setTimeout(r, 500));
  clearInterval(sampler);
  const after = memKb(pid);
  process.stdout.write(JSON.stringify({
    bin: BIN, mode: MODE, connections: CONNECTIONS, streamsPerConnection: STREAMS, streamsSent: sent, floodMs,
    rssBaselineMiB: mib(base.rss), rssPeakMiB: mib(Math.max(peakRss, after.hwm)), rssAfterMiB: mib(after.rss),
    upstreamRequests: upstreamRequests - before, connectionsClosedWithGoaway: goaways,
  }) + '\n');
  clearTimeout(deadline);
  child.kill('SIGTERM');
  upstream.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

await main();
