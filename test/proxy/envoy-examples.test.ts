// Envoy's own published example bootstraps (test/fixtures/envoy-examples, see
// its README) as a compatibility corpus. Every file is decoded with the real
// bootstrap decoder and compared with envoy-examples.expected.json: either
// accepted (and then started, with listeners and admin moved to port 0, /ready
// asked, one request sent to every HTTP listener and one connection opened to
// every TCP listener) or refused with an exact
// set of field paths and extension names. A change in either direction fails:
// a newly refused file is a regression, a newly accepted one means the table
// (and docs/proxy.md "Envoy's examples") should say so.
//
// Regenerate after a deliberate change:
//   npm run build && WEFT_UPDATE_EXPECTATIONS=1 node scripts/run-tests.mjs proxy/envoy-examples
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigErrors, type ConfigIssue } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { loadBootstrapText, parseConfigText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { waitUntil } from '../helpers/net-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/envoy-examples');
const EXPECTED_FILE = path.join(ROOT, 'test/proxy/envoy-examples.expected.json');
const UPDATE = process.env.WEFT_UPDATE_EXPECTATIONS === '1';

/**
 * Folders the examples' docker-compose files mount into the container, mapped
 * to the fixture folder that holds the same files (for path_config_source).
 */
const MOUNTS: Record<string, Record<string, string>> = {
  'envoy/examples/dynamic-config-fs/envoy.yaml': { '/var/lib/envoy/': 'envoy/examples/dynamic-config-fs/configs/' },
  'envoy/examples/locality-load-balancing/envoy-client.yaml': { '/var/lib/envoy/': 'envoy/examples/locality-load-balancing/configs/' },
};

/** Files that are xDS resources read by a bootstrap, not bootstraps themselves. */
const isResourceFile = (rel: string): boolean => /\/configs\/(cds|lds)\.yaml$/.test(rel);

export interface Outcome {
  result: 'accepted' | 'refused';
  /** Refused: every error as `path` or `path (extension)`, sorted. */
  refused?: string[];
  /** Accepted: what the started proxy did. */
  started?: { ready: number; httpListeners: number; httpServing: number; tcpListeners: number; tcpServing: number; files?: Record<string, string> };
}

function listFixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml') || e.name.endsWith('.json')) {
        const rel = path.relative(FIXTURES, p).split(path.sep).join('/');
        if (!isResourceFile(rel)) out.push(rel);
      }
    }
  };
  walk(FIXTURES);
  return out.sort();
}

/** One refusal as the table records it: the field path, and the extension when the error names one. */
function refusalKey(i: ConfigIssue): string {
  // The codec's `unsupported type "<url>"`, or a position's `<what> "<type>" (name "<name>") is not supported`.
  const ext = /unsupported type "type\.googleapis\.com\/([^"]+)"/.exec(i.message) ?? /"([\w.]+\.[\w.]+)"(?: \(name "[^"]*"\))? is not supported/.exec(i.message);
  return ext ? `${i.path} (${ext[1]})` : i.path;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Listens on loopback port 0 instead of the published address and port. */
function movePort(addr: unknown): void {
  if (!isObj(addr) || !isObj(addr.socket_address)) return;
  const sa = addr.socket_address;
  sa.port_value = 0;
  if (sa.address === '0.0.0.0' || sa.address === '::') sa.address = '127.0.0.1';
}

function moveListener(l: unknown): void {
  if (isObj(l)) movePort(l.address);
}

/** Rewrites a path_config_source / path to the fixture folder that docker-compose would mount. */
function remapPath(p: unknown, mounts: Record<string, string>, tmp: string): unknown {
  if (typeof p !== 'string') return p;
  for (const [from, to] of Object.entries(mounts)) if (p.startsWith(from)) return path.join(tmp, to, p.slice(from.length));
  return p;
}

function remapConfigSource(cs: unknown, mounts: Record<string, string>, tmp: string): void {
  if (!isObj(cs)) return;
  if ('path' in cs) cs.path = remapPath(cs.path, mounts, tmp);
  if (isObj(cs.path_config_source)) {
    const pcs = cs.path_config_source;
    pcs.path = remapPath(pcs.path, mounts, tmp);
    if (isObj(pcs.watched_directory)) pcs.watched_directory.path = remapPath(pcs.watched_directory.path, mounts, tmp);
  }
}

/**
 * The bootstrap as a test can run it: listeners and admin on 127.0.0.1 port 0,
 * mounted folders copied to a temporary folder (their listeners moved too).
 */
function runnable(rel: string, text: string, tmp: string): string {
  const errs = new ConfigErrors();
  const b = parseConfigText(text, errs) as Json;
  const mounts = MOUNTS[rel] ?? {};
  for (const to of new Set(Object.values(mounts))) {
    const dst = path.join(tmp, to);
    fs.mkdirSync(dst, { recursive: true });
    for (const f of fs.readdirSync(path.join(FIXTURES, to))) {
      const doc = parseConfigText(fs.readFileSync(path.join(FIXTURES, to, f), 'utf8'), new ConfigErrors());
      if (isObj(doc) && Array.isArray(doc.resources)) doc.resources.forEach(moveListener);
      if (isObj(doc) && isObj(doc.static_resources) && Array.isArray(doc.static_resources.listeners)) doc.static_resources.listeners.forEach(moveListener);
      fs.writeFileSync(path.join(dst, f), JSON.stringify(doc));
    }
  }
  if (isObj(b.admin)) movePort(b.admin.address);
  if (isObj(b.static_resources) && Array.isArray(b.static_resources.listeners)) b.static_resources.listeners.forEach(moveListener);
  if (isObj(b.dynamic_resources)) {
    remapConfigSource(b.dynamic_resources.lds_config, mounts, tmp);
    remapConfigSource(b.dynamic_resources.cds_config, mounts, tmp);
  }
  return JSON.stringify(b);
}

/** Every name fails as on a machine without those hosts; IP literals pass through. */
async function unresolvable(name: string): Promise<string[]> {
  if (net.isIP(name)) return [name];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

function get(port: number, tls: boolean, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const mod = tls ? https : http;
    const req = mod.request({ host: '127.0.0.1', port, path: p, method: 'GET', agent: false, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A TCP (non-HTTP) listener serves when it accepts a connection and then
 * closes it itself: with no upstream reachable here, tcp_proxy gives up on
 * the connection (as Envoy does) rather than holding it open.
 */
function acceptsAndCloses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let connected = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(10_000, () => { sock.destroy(); resolve(false); });
    sock.on('connect', () => { connected = true; });
    sock.on('error', () => resolve(false));
    sock.on('close', () => resolve(connected));
    sock.resume();
  });
}

async function outcome(rel: string): Promise<Outcome> {
  const text = fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(text, errs);
  if (!cfg) return { result: 'refused', refused: [...new Set(errs.errors.map(refusalKey))].sort() };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-envoy-example-'));
  const runErrs = new ConfigErrors();
  const runCfg = loadBootstrapText(runnable(rel, text, tmp), runErrs);
  assert.ok(runCfg, `${rel}: accepted as published but refused with ports moved:\n${runErrs.format()}`);
  // Hermetic: the examples' DNS names (service1, www.envoyproxy.io, …) resolve to nothing and no query leaves the machine.
  const proxy = new ProxyServer(runCfg, { logs: new LogRegistry('error'), drainTimeMs: 50, lookup: unresolvable });
  try {
    await proxy.start();
    // LDS/CDS read from files apply asynchronously; LIVE comes after them.
    if (runCfg.dynamic?.withoutAds) await waitUntil(() => proxy.state === 'LIVE', 'LIVE', 10_000);
    const files: Record<string, string> = {};
    for (const [k, prefix] of [['lds', 'listener_manager.lds'], ['cds', 'cluster_manager.cds']] as const) {
      const ok = proxy.ctx.stats.findCounter(`${prefix}.update_success`)?.value ?? 0;
      const bad = proxy.ctx.stats.findCounter(`${prefix}.update_rejected`)?.value ?? 0;
      if (ok || bad) files[k] = `update_success ${ok}, update_rejected ${bad}`;
    }
    const adminPort = proxy.adminPort;
    const ready = adminPort === undefined ? 0 : await get(adminPort, false, '/ready');
    let httpListeners = 0;
    let httpServing = 0;
    let tcpListeners = 0;
    let tcpServing = 0;
    for (const l of proxy.listenerStatuses()) {
      const lc = proxy.activeListenerConfig(l.name);
      const chain = lc?.filterChains[0] ?? lc?.defaultFilterChain;
      if (!chain) continue;
      if (chain.terminal.kind !== 'http') {
        tcpListeners++;
        if (await acceptsAndCloses(l.port)) tcpServing++;
        continue;
      }
      httpListeners++;
      const tls = lc!.source.filter_chains?.[0]?.transport_socket !== undefined;
      // Any well-formed response counts as serving: with no upstream running
      // (or DNS names that do not resolve here) that is a 503 or a 404.
      const status = await get(l.port, tls, '/').catch(() => 0);
      if (status >= 100) httpServing++;
    }
    return { result: 'accepted', started: { ready, httpListeners, httpServing, tcpListeners, tcpServing, ...(Object.keys(files).length ? { files } : {}) } };
  } finally {
    await proxy.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** One line per difference, for a failure message a person can act on. */
function diff(rel: string, want: Outcome | undefined, got: Outcome): string {
  if (!want) return `${rel}: no expectation (got ${JSON.stringify(got)})`;
  if (want.result !== got.result) return `${rel}: expected ${want.result}, got ${got.result} ${JSON.stringify(got.refused ?? got.started)}`;
  if (got.result === 'refused') {
    const w = new Set(want.refused ?? []);
    const g = new Set(got.refused ?? []);
    const lines = [...g].filter((k) => !w.has(k)).map((k) => `  + newly refused: ${k}`);
    lines.push(...[...w].filter((k) => !g.has(k)).map((k) => `  - no longer refused: ${k}`));
    return lines.length ? `${rel}:\n${lines.join('\n')}` : '';
  }
  return JSON.stringify(want.started) === JSON.stringify(got.started) ? '' : `${rel}: started ${JSON.stringify(got.started)}, expected ${JSON.stringify(want.started)}`;
}

const expected: Record<string, Outcome> = fs.existsSync(EXPECTED_FILE) ? JSON.parse(fs.readFileSync(EXPECTED_FILE, 'utf8')) : {};
const actual: Record<string, Outcome> = {};
const fixtures = listFixtures();
const UPDATE_HINT = 'if the change is deliberate: npm run build && WEFT_UPDATE_EXPECTATIONS=1 node scripts/run-tests.mjs proxy/envoy-examples';

describe("Envoy's published example bootstraps", () => {
  after(() => {
    if (!UPDATE) return;
    const sorted = Object.fromEntries(Object.keys(actual).sort().map((k) => [k, actual[k]]));
    fs.writeFileSync(EXPECTED_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
  });

  it('has 40 or more bootstraps, each with an expectation and a source in the README', () => {
    assert.ok(fixtures.length >= 40, `only ${fixtures.length} bootstraps`);
    const readme = fs.readFileSync(path.join(FIXTURES, 'README.md'), 'utf8');
    for (const f of fixtures) assert.ok(readme.includes(`\`${f}\``), `${f} is not listed in the README`);
    if (!UPDATE) assert.deepEqual(Object.keys(expected).sort(), fixtures, `the expectations table and the fixtures differ; ${UPDATE_HINT}`);
  });

  for (const rel of fixtures) {
    it(rel, async () => {
      const got = await outcome(rel);
      actual[rel] = got;
      if (UPDATE) return;
      const d = diff(rel, expected[rel], got);
      assert.equal(d, '', `${d}\n${UPDATE_HINT}`);
      if (got.started) assert.equal(got.started.httpServing, got.started.httpListeners, `${rel}: an HTTP listener did not answer`);
      if (got.started) assert.equal(got.started.tcpServing, got.started.tcpListeners, `${rel}: a TCP listener did not accept and close`);
    });
  }
});
