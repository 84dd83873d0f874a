// weft up's Prometheus flags are checked before anything starts: a
// --prometheus-bin that is not an executable file, or one given with
// --no-prometheus, exits 2 naming the flag.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';

const BOOKINFO = path.join(path.dirname(WEFT_BIN), '..', 'examples', 'bookinfo');

describe('weft up --prometheus-bin / --no-prometheus', { timeout: 30_000 }, () => {
  it('a --prometheus-bin that is not an executable file exits 2 naming it, before starting anything', async () => {
    const r = await runWeft(['up', BOOKINFO, '--prometheus-bin', '/nonexistent/prometheus'], 15_000);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--prometheus-bin \/nonexistent\/prometheus is not an executable file/);
    assert.doesNotMatch(r.stdout, /mesh running/);
  });

  it('--prometheus-bin with --no-prometheus exits 2', async () => {
    const r = await runWeft(['up', BOOKINFO, '--prometheus-bin', WEFT_BIN, '--no-prometheus'], 15_000);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--prometheus-bin and --no-prometheus contradict each other/);
  });

  it('--help lists both', async () => {
    const r = await runWeft(['up', '--help'], 15_000);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--prometheus-bin/);
    assert.match(r.stdout, /--no-prometheus/);
  });
});
