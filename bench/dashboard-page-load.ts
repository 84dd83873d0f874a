// What a dashboard page costs the browser: each page of the UI loaded in
// Debian's chromium (playwright-core) against the fixture server's synthetic
// mesh (test/e2e/dashboard-fixture.ts), in one tab (the renderer is reused, as
// when a user moves between pages). Per page: the CPU time of every chromium
// process (user+system from /proc) per load, which a loaded machine inflates
// little, and the wall time from navigation start to the page's data on
// screen (`.page[data-ready]`), which it inflates a lot.
//
//   npm run build
//   node dist/bench/dashboard-page-load.js [--services 50] [--reps 5]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { DashboardFixture } from '../test/e2e/dashboard-fixture.js';
import { browserSkipReason, CHROMIUM } from '../test/e2e/dashboard-browser.js';
import { median } from './lib/summary.js';

const { values } = parseArgs({ options: { services: { type: 'string', default: '50' }, reps: { type: 'string', default: '5' } } });
const SERVICES = Number(values.services);
const REPS = Number(values.reps);
const ROUTES = ['graph', 'services', `service?host=svc-3.default.svc.cluster.local`, 'workload?namespace=default&name=svc-3-v1', 'config', 'traces', 'replies'];

const skip = browserSkipReason();
if (skip) {
  console.error(`dashboard-page-load: ${skip}`);
  process.exit(1);
}

/** Every process below this one (chromium's browser, renderers, GPU and utility processes). */
function descendants(): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const set = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of rows) if (set.has(pp!) && !set.has(p!)) (set.add(p!), (grew = true));
  }
  set.delete(process.pid);
  return [...set];
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux
function cpuMs(): number {
  let ticks = 0;
  for (const p of descendants()) {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks * TICK_MS;
}

const fixture = new DashboardFixture({ services: SERVICES });
const port = await fixture.listen();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
await page.goto(`http://127.0.0.1:${port}/dashboard/config`);
await page.waitForSelector('.page[data-ready]');
console.log(`dashboard page load, ${SERVICES}-service fixture, ${REPS} loads per page, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
for (const r of ROUTES) {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const c0 = cpuMs();
    await page.goto(`http://127.0.0.1:${port}/dashboard/${r}`);
    const ms = await page.waitForFunction(() => {
      const el = document.querySelector('main .page[data-ready]');
      return el ? performance.now() : false;
    }, undefined, { polling: 'raf', timeout: 30_000 });
    wall.push((await ms.jsonValue()) as number);
    cpu.push(cpuMs() - c0);
  }
  console.log(`${r.split('?')[0]!.padEnd(9)} CPU ms/load median ${median(cpu)!.toFixed(0)} (min ${Math.min(...cpu).toFixed(0)})   wall ms median ${median(wall)!.toFixed(0)} (min ${Math.min(...wall).toFixed(0)})`);
}
console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
await browser.close();
await fixture.close();
