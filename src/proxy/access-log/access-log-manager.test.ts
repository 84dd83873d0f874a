import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { AccessLogManager, sinkKey, type SinkSpec } from './access-log-manager.js';
import { decodeAccessLogs, FILE_ACCESS_LOG_TYPE, STDOUT_ACCESS_LOG_TYPE, type AccessLogConfig } from './decode.js';
import type { SinkTarget } from './sink-target.js';
import { StreamInfo } from './stream-info.js';

function info(code: number, p = '/'): StreamInfo {
  const i = new StreamInfo();
  i.method = 'GET';
  i.path = p;
  i.responseCode = code;
  return i;
}

function decode(logs: Parameters<typeof decodeAccessLogs>[0]): AccessLogConfig[] {
  const errs = new ConfigErrors();
  const out = decodeAccessLogs(logs, 'access_log', errs);
  assert.equal(errs.issues.length, 0, errs.format());
  return out;
}

class MemoryTarget implements SinkTarget {
  text = '';
  write(chunk: string, done: (err: Error | null | undefined) => void): void {
    this.text += chunk;
    queueMicrotask(() => done(null));
  }
  reopen(): void {}
  close(done: () => void): void {
    done();
  }
}

test('sink keys: equal destinations share, different ones do not', () => {
  assert.equal(sinkKey({ kind: 'file', path: '/tmp/a/../x.log' }), sinkKey({ kind: 'file', path: '/tmp/x.log' }));
  assert.notEqual(sinkKey({ kind: 'file', path: '/tmp/x.log' }), sinkKey({ kind: 'stdout' }));
  assert.notEqual(sinkKey({ kind: 'stdout' }), sinkKey({ kind: 'stderr' }));
});

test('two listeners logging to the same file share one writer; lines stay whole', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-alm-'));
  const file = path.join(dir, 'access.log');
  const clock = new ManualClock();
  const mgr = new AccessLogManager({ clock });
  const a = decode([{ typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: file, format: 'A %RESPONSE_CODE% %REQ(:PATH)%\n' } }]);
  const b = decode([{ typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: file, format: 'B %RESPONSE_CODE% %REQ(:PATH)%\n' } }]);
  const la = mgr.get(a[0]!);
  const lb = mgr.get(b[0]!);
  assert.equal(mgr.get(a[0]!), la, 'the same config gets the same logger');
  for (let k = 0; k < 50; k++) {
    la.log(info(200, `/a${k}`));
    lb.log(info(503, `/b${k}`));
  }
  assert.equal(mgr.status().length, 1);
  assert.equal(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', '', 'nothing is written synchronously');
  await mgr.flush();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 100);
  assert.equal(lines[0], 'A 200 /a0');
  assert.equal(lines[1], 'B 503 /b0');
  assert.ok(lines.every((l) => /^[AB] (200|503) \/[ab]\d+$/.test(l)));
  assert.deepEqual(mgr.status().map((s) => [s.writtenLines, s.droppedLines]), [[100, 0]]);
  await mgr.close();
  fs.rmSync(dir, { recursive: true });
});

test('a logger applies its filter before formatting', async () => {
  const targets = new Map<string, MemoryTarget>();
  const mgr = new AccessLogManager({
    clock: new ManualClock(),
    targetFactory: (spec: SinkSpec) => {
      const t = new MemoryTarget();
      targets.set(spec.kind, t);
      return t;
    },
  });
  const [cfg] = decode([
    {
      filter: { status_code_filter: { comparison: { op: 'GE', value: { default_value: 500, runtime_key: 'k' } } } },
      typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: '%RESPONSE_CODE%\n' } },
    },
  ]);
  const l = mgr.get(cfg!);
  l.log(info(200));
  l.log(info(503));
  l.log(info(404));
  l.log(info(500));
  await l.flush();
  assert.equal(targets.get('stdout')!.text, '503\n500\n');
});

test('a formatter that throws is counted, never thrown into the request path', async () => {
  const mgr = new AccessLogManager({ clock: new ManualClock(), targetFactory: () => new MemoryTarget() });
  const cfg: AccessLogConfig = {
    name: 'broken',
    sink: { kind: 'stdout' },
    filter: undefined,
    formatter: {
      format() {
        throw new Error('bug');
      },
    },
  };
  const l = mgr.get(cfg);
  assert.doesNotThrow(() => l.log(info(200)));
  assert.equal(l.formatErrors, 1);
});

test('close() flushes; a closed logger writes nothing more; the manager closes sinks', async () => {
  const t = new MemoryTarget();
  const mgr = new AccessLogManager({ clock: new ManualClock(), targetFactory: () => t });
  const [cfg] = decode([{ typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: '%REQ(:PATH)%\n' } } }]);
  const l = mgr.get(cfg!);
  l.log(info(200, '/one'));
  await l.close();
  assert.equal(t.text, '/one\n');
  l.log(info(200, '/two'));
  await mgr.flush();
  assert.equal(t.text, '/one\n');
  await mgr.close();
  mgr.get(decode([{ typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } }])[0]!).log(info(200));
  assert.equal(mgr.status()[0]!.droppedLines, 1);
});

test('reopen() reaches every file sink (log rotation)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-alm-'));
  const file = path.join(dir, 'access.log');
  const mgr = new AccessLogManager({ clock: new ManualClock() });
  const l = mgr.get(decode([{ typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: file, format: '%REQ(:PATH)%\n' } }])[0]!);
  l.log(info(200, '/before'));
  await mgr.flush();
  fs.renameSync(file, `${file}.1`);
  mgr.reopen();
  l.log(info(200, '/after'));
  await mgr.flush();
  assert.equal(fs.readFileSync(`${file}.1`, 'utf8'), '/before\n');
  assert.equal(fs.readFileSync(file, 'utf8'), '/after\n');
  await mgr.close();
  fs.rmSync(dir, { recursive: true });
});
