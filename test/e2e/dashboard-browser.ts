// Real-browser plumbing for the dashboard tests: Debian's chromium driven by
// playwright-core (no downloaded browser), page-load timing, and screenshots
// into docs/images/ when WEFT_SCREENSHOTS=1.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { REPO_ROOT } from './bookinfo-mesh.js';

/** The page's Cytoscape instance (the graph page sets window.__weftGraph): the parts tests read. */
export interface CyEl {
  id(): string;
  data(k: string): unknown;
  style(k: string): string;
  position(): { x: number; y: number };
  empty(): boolean;
  emit(event: string): void;
}
export interface CyList {
  length: number;
  map<T>(f: (n: CyEl) => T): T[];
}
export interface Cy {
  nodes(sel?: string): CyList;
  edges(): CyList;
  getElementById(id: string): CyEl;
}
declare global {
  interface Window {
    __weftGraph?: Cy;
  }
}

export const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';
const DIST_INDEX = path.join(REPO_ROOT, 'dist', 'dashboard', 'index.html');

/** Why the browser tests cannot run here, or false. */
export function browserSkipReason(): string | false {
  if (!fs.existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
  if (!fs.existsSync(DIST_INDEX)) return 'dist/dashboard/index.html missing (npm run build builds the UI)';
  return false;
}

export async function launch(): Promise<Browser> {
  // --no-sandbox: the tests run as root in CI containers, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A laptop-sized page that collects uncaught page errors (a test asserts there are none). */
export async function newPage(browser: Browser, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

/** The renderer's main-thread busy time so far (Chrome's Performance.getMetrics TaskDuration), in ms. */
const perfSessions = new WeakMap<Page, CDPSession>();
async function taskMs(page: Page): Promise<number> {
  let cdp = perfSessions.get(page);
  if (!cdp) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    perfSessions.set(page, cdp);
  }
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}

/**
 * Loads a dashboard URL and waits until its page says its data is on screen
 * (`.page[data-ready]`). Returns the wall milliseconds from navigation start
 * to then, as the browser measured them, and the main thread's busy time over
 * the load (less sensitive to a loaded machine than wall time). Figures to
 * report, never asserted.
 */
export async function loadPage(page: Page, url: string, timeoutMs = 15_000): Promise<{ ms: number; cpuMs: number; ready: string }> {
  await taskMs(page); // attaches the metrics session before the navigation
  await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
  const ready = await page.waitForFunction(() => {
    const el = document.querySelector<HTMLElement>('main .page[data-ready]');
    return el ? { ready: el.dataset.ready!, ms: performance.now() } : false;
  }, undefined, { timeout: timeoutMs, polling: 'raf' });
  const r = (await ready.jsonValue()) as { ms: number; ready: string };
  // TaskDuration restarts with each document, so after the load it is this page's busy time.
  return { ...r, cpuMs: await taskMs(page) };
}

export const SCREENSHOTS = process.env.WEFT_SCREENSHOTS === '1';

/** docs/images/dashboard-NAME.png, only when WEFT_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  const dir = path.join(REPO_ROOT, 'docs', 'images');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `dashboard-${name}.png`) });
}

/** '#d42a2a' → 'rgb(212,42,42)' (Cytoscape reports colours in that form). */
export function hexToRgb(hex: string): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) return hex;
  return `rgb(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)})`;
}
