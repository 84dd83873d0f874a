import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CFG, ConfigErrors } from '../../common/errors.js';
import type { envoy_config_accesslog_v3_AccessLog } from '../../xds/gen/types.js';
import { decodeAccessLogs, FILE_ACCESS_LOG_TYPE, STDERR_ACCESS_LOG_TYPE, STDOUT_ACCESS_LOG_TYPE } from './decode.js';
import { DEFAULT_FORMAT, compileFormat } from './format-string.js';
import { DC, NR, UH } from './response-flags.js';
import { StreamInfo } from './stream-info.js';

const P = 'filter_chains[0].filters[0].typed_config.access_log';

function info(code = 200): StreamInfo {
  const i = new StreamInfo();
  i.startTime = Date.UTC(2024, 0, 1);
  i.method = 'GET';
  i.path = '/';
  i.responseCode = code;
  i.duration = 10;
  return i;
}

function decode(logs: envoy_config_accesslog_v3_AccessLog[]): { out: ReturnType<typeof decodeAccessLogs>; errs: ConfigErrors } {
  const errs = new ConfigErrors();
  return { out: decodeAccessLogs(logs, P, errs), errs };
}

test('undefined or empty access_log decodes to nothing', () => {
  const errs = new ConfigErrors();
  assert.deepEqual(decodeAccessLogs(undefined, P, errs), []);
  assert.equal(errs.issues.length, 0);
});

test('stdout and stderr loggers; no log_format means Envoy\'s default format', () => {
  const { out, errs } = decode([
    { name: 'envoy.access_loggers.stdout', typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { name: 'envoy.access_loggers.stderr', typed_config: { '@type': STDERR_ACCESS_LOG_TYPE, log_format: { text_format: '%RESPONSE_CODE%\n' } } },
  ]);
  assert.equal(errs.issues.length, 0, errs.format());
  assert.equal(out.length, 2);
  assert.deepEqual(out[0]!.sink, { kind: 'stdout' });
  assert.equal(out[0]!.name, 'envoy.access_loggers.stdout');
  assert.equal(out[0]!.formatter.format(info()), compileFormat(DEFAULT_FORMAT).format(info()));
  assert.deepEqual(out[1]!.sink, { kind: 'stderr' });
  assert.equal(out[1]!.formatter.format(info(404)), '404\n');
  assert.equal(out[1]!.filter, undefined);
});

test('file logger: path, deprecated format string, typed and untyped JSON, /dev/stdout', () => {
  const { out, errs } = decode([
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/var/log/a.log', format: '%RESPONSE_CODE% %REQ(:PATH)%\n' } },
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/var/log/b.log', json_format: { code: '%RESPONSE_CODE%' } } },
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/var/log/c.log', typed_json_format: { code: '%RESPONSE_CODE%' } } },
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout' } },
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stderr', format: '' } },
  ]);
  assert.equal(errs.issues.length, 0, errs.format());
  assert.deepEqual(out.map((o) => o.sink), [
    { kind: 'file', path: '/var/log/a.log' },
    { kind: 'file', path: '/var/log/b.log' },
    { kind: 'file', path: '/var/log/c.log' },
    { kind: 'stdout' },
    { kind: 'stderr' },
  ]);
  assert.equal(out[0]!.formatter.format(info()), '200 /\n');
  assert.equal(out[1]!.formatter.format(info()), '{"code":"200"}\n');
  assert.equal(out[2]!.formatter.format(info()), '{"code":200}\n');
  assert.equal(out[4]!.formatter.format(info()), compileFormat(DEFAULT_FORMAT).format(info()));
});

test('log_format: text_format_source inline_string / inline_bytes / filename, json_format with options', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-fmt-'));
  const fmtFile = path.join(dir, 'fmt.txt');
  fs.writeFileSync(fmtFile, 'file:%RESPONSE_CODE%\n');
  const { out, errs } = decode([
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format_source: { inline_string: 'inline:%RESPONSE_CODE%\n' } } } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format_source: { inline_bytes: new TextEncoder().encode('bytes:%RESPONSE_CODE%\n') } } } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format_source: { filename: fmtFile } } } },
    {
      typed_config: {
        '@type': STDOUT_ACCESS_LOG_TYPE,
        log_format: { json_format: { b: '%RESPONSE_CODE%', a: '%UPSTREAM_HOST%' }, omit_empty_values: true, json_format_options: { sort_properties: true } },
      },
    },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: '[%UPSTREAM_HOST%]\n', omit_empty_values: true } } },
  ]);
  fs.rmSync(dir, { recursive: true });
  assert.equal(errs.issues.length, 0, errs.format());
  assert.deepEqual(out.map((o) => o.formatter.format(info())), ['inline:200\n', 'bytes:200\n', 'file:200\n', '{"b":200}\n', '[]\n']);
});

test('unsupported logger types are refused by name, with the path', () => {
  const { out, errs } = decode([
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { name: 'grpc', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig' } },
    { name: 'nothing' },
  ]);
  assert.equal(out.length, 1);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNSUPPORTED_EXTENSION, `${P}[1].typed_config`],
    [CFG.REQUIRED, `${P}[2].typed_config`],
  ]);
  // The message names the type and what this position supports.
  assert.match(errs.errors[0]!.message, /envoy\.extensions\.access_loggers\.grpc\.v3\.HttpGrpcAccessLogConfig.*supported here: envoy\.access_loggers\.file, envoy\.access_loggers\.stdout, envoy\.access_loggers\.stderr/);
});

test('format errors carry the path of the field holding the format', () => {
  const { out, errs } = decode([
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: '%NOPE%' } } },
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/tmp/x', format: '50%' } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { json_format: { ok: '%RESPONSE_CODE%', req: { ua: '%REQ()%' } } } } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format_source: { inline_string: '%BAD(%' } } } },
  ]);
  assert.equal(out.length, 0);
  assert.deepEqual(errs.errors.map((e) => e.path), [
    `${P}[0].typed_config.log_format.text_format`,
    `${P}[1].typed_config.format`,
    `${P}[2].typed_config.log_format.json_format.req.ua`,
    `${P}[3].typed_config.log_format.text_format_source`,
  ]);
});

test('structural errors: missing path, several formats, unsupported fields and formatters', () => {
  const { out, errs } = decode([
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE } },
    { typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/tmp/x', format: 'a', typed_json_format: { a: 'b' } } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: 'a', json_format: { a: 'b' } } } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: 'a', formatters: [{ name: 'x' }] } } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: {} } },
    { typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, unknown_field: 1 } },
  ]);
  assert.equal(out.length, 0);
  assert.deepEqual(errs.errors.map((e) => e.path), [
    `${P}[0].typed_config.path`,
    `${P}[1].typed_config`,
    `${P}[2].typed_config.log_format`,
    `${P}[3].typed_config.log_format.formatters`,
    `${P}[4].typed_config.log_format`,
    `${P}[5].typed_config.unknown_field`,
  ]);
});

test('status_code_filter, duration_filter and not_health_check_filter', () => {
  const { out, errs } = decode([
    { filter: { status_code_filter: { comparison: { op: 'GE', value: { default_value: 500, runtime_key: 'k' } } } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { status_code_filter: { comparison: { value: { default_value: 404, runtime_key: 'k' } } } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { duration_filter: { comparison: { op: 'LE', value: { default_value: 10, runtime_key: 'k' } } } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { not_health_check_filter: {} }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
  ]);
  assert.equal(errs.issues.length, 0, errs.format());
  const [ge500, eq404, le10, notHc] = out.map((o) => o.filter!);
  assert.equal(ge500!(info(503)), true);
  assert.equal(ge500!(info(500)), true);
  assert.equal(ge500!(info(499)), false);
  assert.equal(eq404!(info(404)), true, 'op defaults to EQ');
  assert.equal(eq404!(info(200)), false);
  const slow = info();
  slow.duration = 10.9;
  assert.equal(le10!(slow), true, 'whole milliseconds are compared');
  slow.duration = 11;
  assert.equal(le10!(slow), false);
  slow.duration = undefined;
  assert.equal(le10!(slow), false, 'unknown duration fails the filter');
  const hc = info();
  assert.equal(notHc!(hc), true);
  hc.healthCheck = true;
  assert.equal(notHc!(hc), false);
});

test('response_flag_filter: listed flags, or any flag when none is listed; unknown flags refused', () => {
  const { out, errs } = decode([
    { filter: { response_flag_filter: { flags: ['UH', 'NR'] } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { response_flag_filter: {} }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { response_flag_filter: { flags: ['UH', 'BOGUS'] } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
  ]);
  assert.equal(out.length, 2);
  assert.deepEqual(errs.errors.map((e) => e.path), [`${P}[2].filter.response_flag_filter.flags[1]`]);
  const [listed, any] = out.map((o) => o.filter!);
  const i = info(503);
  assert.equal(listed!(i), false);
  assert.equal(any!(i), false);
  i.setResponseFlag(DC);
  assert.equal(listed!(i), false);
  assert.equal(any!(i), true);
  i.setResponseFlag(NR);
  assert.equal(listed!(i), true);
  const j = info(503);
  j.setResponseFlag(UH);
  assert.equal(listed!(j), true);
});

test('and_filter / or_filter combine filters', () => {
  const ge = (v: number) => ({ status_code_filter: { comparison: { op: 'GE' as const, value: { default_value: v, runtime_key: 'k' } } } });
  const le = (v: number) => ({ status_code_filter: { comparison: { op: 'LE' as const, value: { default_value: v, runtime_key: 'k' } } } });
  const { out, errs } = decode([
    { filter: { and_filter: { filters: [ge(400), le(499)] } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { or_filter: { filters: [le(199), ge(500)] } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
  ]);
  assert.equal(errs.issues.length, 0, errs.format());
  const [and, or] = out.map((o) => o.filter!);
  assert.deepEqual([200, 404, 503].map((c) => and!(info(c))), [false, true, false]);
  assert.deepEqual([100, 404, 503].map((c) => or!(info(c))), [true, false, true]);
});

test('unsupported filters are refused with their path, including inside and_filter', () => {
  const { out, errs } = decode([
    { filter: { header_filter: { header: { name: 'x' } } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { runtime_filter: { runtime_key: 'x' } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { and_filter: { filters: [{ not_health_check_filter: {} }, { grpc_status_filter: {} }] } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: {}, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
    { filter: { status_code_filter: {} }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } },
  ]);
  assert.equal(out.length, 0);
  assert.deepEqual(errs.errors.map((e) => e.path), [
    `${P}[0].filter.header_filter`,
    `${P}[1].filter.runtime_filter`,
    `${P}[2].filter.and_filter.filters[1].grpc_status_filter`,
    `${P}[3].filter`,
    `${P}[4].filter.status_code_filter.comparison`,
  ]);
  assert.deepEqual(errs.errors.slice(0, 3).map((e) => e.code), [CFG.UNSUPPORTED_FIELD, CFG.UNSUPPORTED_FIELD, CFG.UNSUPPORTED_FIELD]);
});
