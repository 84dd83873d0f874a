import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { findPrometheus, PROMETHEUS_JOB, prometheusConfig, scrapeHints } from './prometheus.js';

test('the generated config scrapes each target at its prometheus.io port and path, labelled with its namespace and pod', () => {
  const cfg = parse(prometheusConfig([
    { namespace: 'default', pod: 'ratings-v1', scrape: scrapeHints(4001, '/stats/prometheus') },
    { namespace: 'istio-system', pod: 'istiod-weft', scrape: scrapeHints(4002, '/metrics') },
  ], 1)) as { global: Record<string, string>; scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: Record<string, string> }[] }[] };
  assert.deepEqual(cfg.global, { scrape_interval: '1s', evaluation_interval: '1s' });
  assert.equal(cfg.scrape_configs.length, 1);
  assert.equal(cfg.scrape_configs[0]!.job_name, PROMETHEUS_JOB);
  assert.deepEqual(cfg.scrape_configs[0]!.static_configs, [
    { targets: ['127.0.0.1:4001'], labels: { __metrics_path__: '/stats/prometheus', namespace: 'default', pod: 'ratings-v1' } },
    { targets: ['127.0.0.1:4002'], labels: { __metrics_path__: '/metrics', namespace: 'istio-system', pod: 'istiod-weft' } },
  ]);
});

test('scrape hints are Istio\'s pod annotations, as strings', () => {
  assert.deepEqual(scrapeHints(15020, '/stats/prometheus'), { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus' });
});

test('findPrometheus: an explicit path must be an executable file; otherwise `prometheus` on PATH', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-findprom-'));
  try {
    const bin = path.join(dir, 'prometheus');
    fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'notexec'), '', { mode: 0o644 });
    assert.equal(findPrometheus(undefined, `/nonexistent${path.delimiter}${dir}`), bin);
    assert.equal(findPrometheus(undefined, '/nonexistent'), undefined);
    assert.equal(findPrometheus(bin, ''), bin);
    assert.equal(findPrometheus(path.join(dir, 'notexec'), dir), undefined);
    assert.equal(findPrometheus(dir, ''), undefined, 'a folder is not a binary');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
