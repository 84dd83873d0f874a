// The scraper's deadline over real sockets: a target that answers at once but
// then trickles its body must fail at the scrape timeout, as Prometheus's
// scrape_timeout bounds the whole scrape (not only the idle time between bytes).
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { test } from 'node:test';
import { MetricsStore } from './metrics-store.js';
import { Scraper } from './scraper.js';

test('a target trickling its body is down at the scrape timeout, with the reason', async () => {
  let stopTrickle = (): void => undefined;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    // A line every 20 ms: never idle for the 300 ms timeout; stops after 10 s so an unbounded scrape would end "up".
    const timer = setInterval(() => {
      if (++n > 500) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(`trickle_total{n="${n}"} 1\n`);
    }, 20);
    stopTrickle = () => clearInterval(timer);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const scraper = new Scraper(new MetricsStore({ windowMs: 60_000, maxSeries: 1000, maxSamples: 100_000 }), { timeoutMs: 300, now: () => 1_000_000 });
    scraper.setTargets([{ id: 't', workload: 't', namespace: 'default', url: `http://127.0.0.1:${port}/metrics`, job: 'j' }]);
    await scraper.scrapeAll();
    const [t] = scraper.targets();
    assert.equal(t!.health, 'down');
    assert.match(t!.lastError!, /no answer within 300 ms/);
  } finally {
    stopTrickle();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
