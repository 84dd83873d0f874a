// The UI on the real dashboard server when its Prometheus is unreachable:
// `weft dashboard --prometheus URL` (a dashboard without a mesh) pointed at a
// port nothing listens on. Every page still loads, answered by the embedded
// store, and the banner says why (the server's warning and the status line).
// Chromium via playwright-core; skipped with the reason when it is missing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WEFT_BIN } from '../helpers/process-harness.js';
import { browserSkipReason, launch, loadPage, newPage } from './dashboard-browser.js';

const SKIP = browserSkipReason();

/** A loopback port that was free a moment ago: nothing listens on it, so connecting is refused. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('dashboard UI with an unreachable Prometheus (weft dashboard --prometheus)', { skip: SKIP, timeout: 60_000 }, () => {
  let child: ChildProcess;
  let base: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let promUrl: string;

  before(async () => {
    promUrl = `http://127.0.0.1:${await closedPort()}`;
    child = spawn(process.execPath, [WEFT_BIN, 'dashboard', '--prometheus', promUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    base = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`weft dashboard printed no URL within 15 s:\n${out}`)), 15_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /^(http:\/\/\S+\/dashboard)\/$/m.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.on('exit', (code) => reject(new Error(`weft dashboard exited ${code}:\n${out}`)));
    });
    browser = await launch();
    ({ page, errors } = await newPage(browser));
  });

  after(async () => {
    await browser?.close();
    child?.kill('SIGTERM');
  });

  it('the metrics page loads from the embedded store and the banner names the unreachable Prometheus', async () => {
    const { ready } = await loadPage(page, `${base}/service?host=reviews.default.svc.cluster.local`);
    assert.equal(ready, 'metrics');
    // Every panel answered (empty: this dashboard scrapes nothing), none failed.
    assert.equal(await page.locator('[data-panel][data-error]').count(), 0);
    assert.ok((await page.locator('[data-panel]').count()) > 0);
    const banner = (await page.textContent('#banner')) ?? '';
    assert.ok(await page.isVisible('#banner'));
    assert.ok(banner.includes(`prometheus at ${promUrl} unreachable`), banner);
    assert.match(banner, /answered from the embedded store/);
  });

  it('the graph page loads too, with the status line saying where the figures come from', async () => {
    const { ready } = await loadPage(page, `${base}/graph`);
    assert.equal(ready, 'graph');
    await page.waitForFunction(() => /prometheus/i.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 10_000 });
    await page.waitForFunction(() => /unreachable/i.test(document.getElementById('banner')?.textContent ?? ''), undefined, { timeout: 10_000 });
    assert.deepEqual(errors, []);
  });
});
