// weft up DIR: the local mesh with its workloads, each behind its own sidecar.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDurationMs } from '../control/model/duration.js';
import { countBySeverity } from '../control/validation/index.js';
import { checkUpFolder } from '../up/check.js';
import { UP_DEFAULTS } from '../up/up-defaults.js';
import { findPrometheus } from '../up/prometheus.js';
import { WeftUp, type UpState } from '../up/up.js';
import { checkCollectorUrl, parseTraceSampling } from '../up/up-traces.js';
import { parseArgs, usage, type OptionSpec } from './args.js';
import { checkPrometheusUrl } from '../control/dashboard/check-url.js';
import { printReport } from './validate.js';

const SPECS: OptionSpec[] = [
  { name: 'log-level', short: 'l', value: true, help: 'control plane log level (default info)' },
  { name: 'check', value: false, help: 'check the folder (workloads file, commands, and the Istio YAML as weft validate and weft analyze do) and exit' },
  { name: 'bind', value: true, help: `address the sidecars' inbound listeners and exposed ports bind (default ${UP_DEFAULTS.bindAddress}; 0.0.0.0 makes the mesh reachable from other machines)` },
  { name: 'access-log', value: false, help: 'sidecars log each request (Envoy\'s default format) to this output, prefixed by the workload' },
  { name: 'no-mtls', value: false, help: 'run the mesh in plaintext: no CA, no workload certificates, no auto mTLS (default: mTLS on, as Istio)' },
  { name: 'cert-ttl', value: true, help: 'lifetime of workload certificates, a duration such as 1h (default 24h); sidecars rotate them at half of it' },
  { name: 'prometheus-bin', value: true, help: 'the Prometheus binary to start (default: prometheus on PATH; Debian package "prometheus")' },
  { name: 'no-prometheus', value: false, help: 'do not start Prometheus (default: start it when installed, scraping every sidecar and the control plane)' },
  { name: 'trace-sampling', value: true, help: 'percent of requests traced, 0..100 (default 100; Istio\'s own default is 1)' },
  { name: 'trace-collector', value: true, help: 'export spans to this collector instead of the embedded receiver: http://HOST:PORT/api/v2/spans (Zipkin v2 JSON) or http://HOST:PORT/v1/traces (OTLP/HTTP protobuf)' },
  { name: 'prometheus', value: true, help: 'the dashboard queries this Prometheus (http://HOST:PORT) instead of its embedded store; when it fails or takes over 2 s the embedded store answers, with a warning' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

export async function runUp(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  const synopsis = 'DIR [options]   (DIR holds workloads.yaml and a folder of Istio YAML)';
  if (typeof parsed === 'string') {
    process.stderr.write(`weft up: ${parsed}\n\n${usage('up', SPECS, synopsis)}`);
    return 2;
  }
  if (parsed.options.has('help')) {
    process.stdout.write(usage('up', SPECS, synopsis));
    return 0;
  }
  const dir = parsed.positionals[0];
  if (!dir) {
    process.stderr.write(`weft up: DIR is required\n\n${usage('up', SPECS, synopsis)}`);
    return 2;
  }
  const bind = parsed.options.get('bind');
  if (bind !== undefined && (typeof bind !== 'string' || !net.isIP(bind))) {
    process.stderr.write(`weft up: --bind needs an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1), got "${String(bind)}"\n`);
    return 2;
  }
  const rejected = (errors: { format(): string }) => process.stderr.write(`weft up: ${path.join(dir, 'workloads.yaml')} rejected:\n${errors.format().split('\n').map((l) => `  ${l}`).join('\n')}\n`);
  if (parsed.options.has('check')) {
    const c = await checkUpFolder(dir);
    if (!c.file) {
      rejected(c.workloadErrors);
      return 1;
    }
    printReport('up --check', c.messages, c.documents, c.files, false);
    const errors = countBySeverity(c.messages).errors;
    process.stdout.write(`${dir}: ${c.file.workloads.length} workloads, ${c.documents} config documents, ${errors} errors\n`);
    return errors ? 1 : 0;
  }
  const certTtl = parsed.options.get('cert-ttl');
  if (certTtl !== undefined) {
    const ms = typeof certTtl === 'string' ? parseDurationMs(certTtl) : undefined;
    if (ms === undefined || ms < 1000) {
      process.stderr.write(`weft up: --cert-ttl needs a duration of at least 1s (e.g. 1h, 90m), got "${String(certTtl)}"\n`);
      return 2;
    }
    if (parsed.options.has('no-mtls')) {
      process.stderr.write('weft up: --cert-ttl has no effect with --no-mtls (no certificates are issued)\n');
      return 2;
    }
  }
  const promBin = parsed.options.get('prometheus-bin');
  if (promBin !== undefined) {
    if (typeof promBin !== 'string' || promBin === '') {
      process.stderr.write('weft up: --prometheus-bin needs a path\n');
      return 2;
    }
    if (parsed.options.has('no-prometheus')) {
      process.stderr.write('weft up: --prometheus-bin and --no-prometheus contradict each other\n');
      return 2;
    }
    if (!findPrometheus(promBin)) {
      process.stderr.write(`weft up: --prometheus-bin ${promBin} is not an executable file\n`);
      return 2;
    }
  }
  const samplingArg = parsed.options.get('trace-sampling');
  const traceSampling = samplingArg === undefined ? undefined : parseTraceSampling(String(samplingArg));
  if (samplingArg !== undefined && traceSampling === undefined) {
    process.stderr.write(`weft up: --trace-sampling needs a percentage in 0..100, got "${String(samplingArg)}"\n`);
    return 2;
  }
  const collector = parsed.options.get('trace-collector');
  const collectorError = collector === undefined ? undefined : checkCollectorUrl(String(collector));
  if (collectorError) {
    process.stderr.write(`weft up: --trace-collector: ${collectorError}\n`);
    return 2;
  }
  const promUrl = parsed.options.get('prometheus');
  const promUrlError = promUrl === undefined ? undefined : checkPrometheusUrl(String(promUrl));
  if (promUrlError) {
    process.stderr.write(`weft up: --prometheus: ${promUrlError}\n`);
    return 2;
  }
  const { file, errors } = WeftUp.load(dir);
  if (!file) {
    rejected(errors);
    return 1;
  }
  const weftBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/weft.js');
  const up = new WeftUp({
    dir, weftBin,
    ...(parsed.options.has('log-level') ? { logLevel: String(parsed.options.get('log-level')) } : {}),
    ...(typeof bind === 'string' ? { bind } : {}),
    accessLog: parsed.options.has('access-log'),
    mtls: !parsed.options.has('no-mtls'),
    ...(typeof certTtl === 'string' ? { certTtl } : {}),
    prometheus: !parsed.options.has('no-prometheus'),
    ...(typeof promBin === 'string' ? { prometheusBin: promBin } : {}),
    ...(traceSampling !== undefined ? { traceSampling } : {}),
    ...(typeof collector === 'string' ? { traceCollector: collector } : {}),
    ...(typeof promUrl === 'string' ? { dashboardPrometheus: promUrl } : {}),
  });
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      // A second Ctrl-C: stop at once, but never leave children behind.
      process.stdout.write(`\nweft up: ${sig} again: killing everything now\n`);
      up.killAll();
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\nweft up: ${sig}: draining sidecars, stopping apps, then the control plane…\n`);
    void up.stop().then(() => {
      process.stdout.write('weft up: stopped\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    const st = await up.start();
    const lines = [
      '',
      headline(st),
      ...st.health.filter((h) => !h.running).map((h) => `  NOT RUNNING ${h.name}: ${h.reason ?? ''}`),
      ...st.notes.map((n) => `  note: ${n}`),
      `  dashboard       ${st.dashboard?.url ?? '-'}   (${st.dashboard?.prometheus ? `metrics from ${st.dashboard.prometheus}, the embedded store when it fails` : 'metrics from its embedded store, scraping every sidecar'}; weft dashboard ${dir} --open)`,
      `  control plane   xDS 127.0.0.1:${st.xdsPort}   status http://127.0.0.1:${st.debugPort}/debug/proxies`,
      st.ca
        ? `  mTLS            on: CA (${st.ca.source}, ${st.ca.dir}) on 127.0.0.1:${st.ca.port}, trust domain ${st.ca.trustDomain}; each sidecar has its own SPIFFE certificate (--no-mtls turns it off)`
        : '  mTLS            off (--no-mtls): sidecars talk plaintext',
      st.traces?.receiver
        ? `  traces          ${st.traces.url}/api/v2/traces (Zipkin API, ${st.traces.sampling}% of requests; --trace-collector URL exports elsewhere)`
        : `  traces          exported to ${st.traces?.url ?? '-'} (${st.traces?.sampling ?? 0}% of requests)`,
      ...st.workloads.map((w) => `  ${w.name.padEnd(16)} app :${Object.values(w.appPorts).join(',')}   sidecar admin http://127.0.0.1:${w.ports.admin}/  outbound :${w.ports.outbound}  inbound :${Object.values(w.ports.inbound).join(',')}  metrics :${w.scrape['prometheus.io/port']}`),
      ...st.exposed.map((e) => `  ${`${e.service}:${e.port}`.padEnd(16)} ${e.url}`),
      st.prometheus
        ? `  prometheus      ${st.prometheus.url}/graph   scrapes ${st.workloads.length} sidecars' merged /stats/prometheus, ${st.exposed.length} edge proxies and the control plane's /metrics every ${st.prometheus.scrapeIntervalS}s (config ${st.prometheus.config})`
        : `  prometheus      not started${parsed.options.has('no-prometheus') ? ' (--no-prometheus)' : ' (see the note above)'}; scrape hints for your own are in ${path.join(dir, '.weft', 'state.json')}`,
      ...(st.demoIssuer ? [`  demo JWT        issuer ${st.demoIssuer.issuer}, keys ${st.demoIssuer.jwksUri}; tokens ${path.relative(process.cwd(), st.demoIssuer.tokens.token) || st.demoIssuer.tokens.token} (+ -group, -expired)`] : []),
      `  config          ${path.resolve(dir, file.config)} (edit or copy YAML in to change routing live)`,
      '  weft status shows each proxy\'s sync state and each workload\'s identity; Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } catch (err) {
    process.stderr.write(`weft up: ${(err as Error).message}\n`);
    await up.stop();
    return 1;
  }
  return new Promise<number>(() => undefined);
}

/** "mesh running" only when every app accepts connections on its port. */
function headline(st: UpState): string {
  const down = st.health.filter((h) => !h.running).length;
  if (down === 0) return `weft up: mesh running (${st.workloads.length} workloads)`;
  return `weft up: mesh NOT running: ${down} of ${st.workloads.length} workloads are not running (their lines above say why)`;
}
