// A real Prometheus (the Debian package `prometheus`; .ci/run installs it)
// scraping given targets every second, with PromQL helpers. Tests skip with
// PROMETHEUS_MISSING when the binary is absent.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { request } from './proxy-harness.js';

export const PROMETHEUS_MISSING: string | false = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0
  ? false
  : 'the prometheus binary is not installed (Debian package "prometheus"; .ci/run installs it)';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface ScrapeJob {
  readonly job: string;
  readonly metricsPath: string;
  readonly targets: readonly number[];
}

export interface RunningPrometheus {
  readonly port: number;
  query(q: string): Promise<PromSample[]>;
  /** Polls until `q` returns one sample equal to `want` (scrapes are every second), or fails with what it last saw. */
  until(q: string, want: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Prometheus cannot listen on port 0: take a free port from the kernel and hand it over. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The scrape config for `jobs` (targets on 127.0.0.1), scraped every second. */
export function scrapeConfig(jobs: readonly ScrapeJob[]): string {
  let out = 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n';
  for (const j of jobs) {
    out += `  - job_name: ${j.job}\n    metrics_path: ${j.metricsPath}\n    static_configs:\n      - targets: [${j.targets.map((p) => `'127.0.0.1:${p}'`).join(', ')}]\n`;
  }
  return out;
}

export async function startPrometheus(jobs: readonly ScrapeJob[]): Promise<RunningPrometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-prom-'));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), scrapeConfig(jobs));
  const port = await freePort();
  const prom: ChildProcess = spawn('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  prom.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  prom.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const query = async (q: string): Promise<PromSample[]> => {
    const r = await request({ port, path: `/api/v1/query?query=${encodeURIComponent(q)}` });
    const body = JSON.parse(r.body.toString()) as { status: string; data?: { result: PromSample[] }; error?: string };
    assert.equal(body.status, 'success', `${q}: ${body.error ?? ''}`);
    return body.data!.result;
  };
  return {
    port,
    query,
    async until(q, want, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: PromSample[] = [];
      while (Date.now() < deadline) {
        last = await query(q).catch(() => []);
        if (last.length === 1 && Number(last[0]!.value[1]) === want) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail(`${q} never returned ${want}; last ${JSON.stringify(last)}\nprometheus log:\n${log.slice(-2000)}`);
    },
    async close() {
      if (prom.exitCode === null) {
        const exited = new Promise((r) => prom.once('exit', r));
        prom.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
