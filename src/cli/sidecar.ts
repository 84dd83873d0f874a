// weft sidecar: what the injected istio-proxy container runs (Istio's
// `pilot-agent proxy sidecar`): writes the proxy's bootstrap from the pod's
// environment, serves Istio's health port (15021 /healthz/ready) and status
// port (15020: merged metrics and the rewritten app probes), and runs the
// proxy with its node agent. weft wait: Istio's `pilot-agent wait`, the
// postStart hook that holds the app until the sidecar is ready.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { ConfigErrors, formatIssue } from '../common/errors.js';
import { LOG_LEVELS, LogRegistry, type LogLevel } from '../common/log.js';
import { decodeAgentConfig } from '../agent/agent-config.js';
import { INJECT_DEFAULTS } from '../kube/inject/defaults.js';
import { appHealthHandler, healthServer } from '../kube/sidecar/app-probes.js';
import { SIDECAR_RUNTIME_DEFAULTS, podSidecarBootstrap } from '../kube/sidecar/pod-bootstrap.js';
import { decodePodEnvironment } from '../kube/sidecar/pod-environment.js';
import { loadBootstrapText } from '../proxy/config/bootstrap.js';
import { MergedMetricsServer } from '../proxy/merged-metrics/merged-metrics-server.js';
import { ProxyServer } from '../proxy/server.js';
import { parseArgs, usage, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'domain', value: true, help: 'the pod\'s DNS domain ($(POD_NAMESPACE).svc.cluster.local; accepted as Istio\'s injector passes it)' },
  { name: 'bootstrap-file', value: true, help: `where the bootstrap is written (default ${SIDECAR_RUNTIME_DEFAULTS.bootstrapFile})` },
  { name: 'labels-file', value: true, help: `the downward API labels file (default ${SIDECAR_RUNTIME_DEFAULTS.labelsFile})` },
  { name: 'admin-port', value: true, help: `the proxy's admin port on 127.0.0.1 (default ${SIDECAR_RUNTIME_DEFAULTS.adminPort})` },
  { name: 'health-address', value: true, help: `GET /healthz/ready (default 0.0.0.0:${INJECT_DEFAULTS.healthPort})` },
  { name: 'status-address', value: true, help: `merged metrics /stats/prometheus and the app probes /app-health/... (default 0.0.0.0:${INJECT_DEFAULTS.statusPort})` },
  { name: 'probe-host', value: true, help: 'address the app probes are sent to (default $INSTANCE_IP, the pod\'s IP)' },
  { name: 'drain-time-s', value: true, help: 'seconds to drain on SIGTERM (default 5)' },
  { name: 'log-level', short: 'l', value: true, help: `log level: ${LOG_LEVELS.join(', ')} (default info)` },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

function splitAddress(a: string): { host: string; port: number } | undefined {
  const i = a.lastIndexOf(':');
  const port = Number(a.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host: a.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

export async function runSidecar(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft sidecar: ${parsed}\n\n${usage('sidecar', SPECS, '[options]')}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('sidecar', SPECS, '[options]'));
    return 0;
  }
  const str = (k: string, d: string): string => (typeof o.get(k) === 'string' ? (o.get(k) as string) : d);
  const errors: string[] = [];
  const level = str('log-level', 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) errors.push(`--log-level: "${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  const adminPort = Number(str('admin-port', String(SIDECAR_RUNTIME_DEFAULTS.adminPort)));
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) errors.push('--admin-port: not a port');
  const health = splitAddress(str('health-address', `0.0.0.0:${INJECT_DEFAULTS.healthPort}`));
  if (!health) errors.push('--health-address: not host:port');
  const statusAddress = str('status-address', `0.0.0.0:${INJECT_DEFAULTS.statusPort}`);
  if (!splitAddress(statusAddress)) errors.push('--status-address: not host:port');
  const drainS = Number(str('drain-time-s', '5'));
  if (!(drainS >= 0)) errors.push('--drain-time-s: not a number of seconds');
  const pod = decodePodEnvironment(process.env, str('labels-file', SIDECAR_RUNTIME_DEFAULTS.labelsFile));
  errors.push(...pod.errors);
  const agent = decodeAgentConfig(() => undefined, process.env, undefined);
  errors.push(...agent.errors);
  if (errors.length || !pod.pod) {
    process.stderr.write(`weft sidecar: cannot start:\n${errors.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  const env = pod.pod;
  const bootstrap = podSidecarBootstrap(env, { adminPort, ...(agent.config ? { sdsSocket: SIDECAR_RUNTIME_DEFAULTS.sdsSocket } : {}) });
  const file = str('bootstrap-file', SIDECAR_RUNTIME_DEFAULTS.bootstrapFile);
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(JSON.stringify(bootstrap), errs);
  if (!cfg) {
    process.stderr.write(`weft sidecar: the bootstrap built from the pod's environment is refused:\n${errs.errors.map((e) => `  ${formatIssue(e)}\n`).join('')}`);
    return 1;
  }
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(bootstrap, null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`weft sidecar: cannot write the bootstrap to ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  const logs = new LogRegistry(level);
  const log = logs.logger('sidecar');
  const proxy = new ProxyServer(cfg, { logs, drainTimeMs: drainS * 1000, configPath: file, ...(agent.config ? { agent: agent.config } : {}) });
  // The health port answers 503 from the start, so the kubelet sees "not ready" rather than "refused".
  const healthSrv = healthServer(() => proxy.state === 'LIVE');
  const appPrometheus = (() => {
    try {
      return JSON.parse(process.env.ISTIO_PROMETHEUS_ANNOTATIONS ?? '{}') as Record<string, string>;
    } catch {
      return {};
    }
  })();
  const appPort = appPrometheus['prometheus.io/port'] !== undefined ? Number(appPrometheus['prometheus.io/port']) : undefined;
  const status = new MergedMetricsServer({
    stats: proxy.ctx.stats,
    address: statusAddress,
    otherPaths: appHealthHandler(env.probers, str('probe-host', env.instanceIp)),
    ...(appPort && Number.isInteger(appPort) ? { app: { port: appPort, path: appPrometheus['prometheus.io/path'] ?? '/metrics' } } : {}),
  });
  const servers: http.Server[] = [healthSrv];
  try {
    await new Promise<void>((resolve, reject) => {
      healthSrv.once('error', reject);
      healthSrv.listen(health!.port, health!.host, () => resolve());
    });
    const statusPort = await status.start();
    log.info(`health on port ${(healthSrv.address() as AddressInfo).port} (/healthz/ready); status on port ${statusPort} (/stats/prometheus, ${Object.keys(env.probers).length} app probes); bootstrap ${file}; xDS ${env.discoveryAddress}`);
    await proxy.start();
  } catch (err) {
    process.stderr.write(`weft sidecar: failed to start: ${(err as Error).message}\n`);
    await Promise.all([proxy.shutdown(), status.stop(), ...servers.map((s) => new Promise((r) => s.close(r)))]);
    return 1;
  }
  log.info(`weft sidecar LIVE: ${env.podName}.${env.namespace} as ${env.serviceAccount}${agent.config ? ` (certificates from ${agent.config.caAddress})` : ' (no CA_ADDR: no node agent)'}`);
  const stop = (sig: string): void => {
    log.info(`${sig}: draining for up to ${drainS}s`);
    void Promise.all([proxy.shutdown(), status.stop()]).then(() => {
      healthSrv.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (err) => log.error(`uncaught exception: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
  return new Promise<number>(() => undefined);
}

const WAIT_SPECS: OptionSpec[] = [
  { name: 'url', value: true, help: `what to wait for (default http://localhost:${INJECT_DEFAULTS.healthPort}/healthz/ready)` },
  { name: 'timeout-seconds', value: true, help: 'give up after this long (default 60)' },
  { name: 'period-millis', value: true, help: 'time between attempts (default 500)' },
  { name: 'request-timeout-millis', value: true, help: 'timeout of one attempt (default 500)' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

/** Polls the URL until it answers 200 (exit 0) or the timeout passes (exit 1). */
export async function runWait(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, WAIT_SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft wait: ${parsed}\n\n${usage('wait', WAIT_SPECS, '[options]')}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('wait', WAIT_SPECS, '[options]'));
    return 0;
  }
  const num = (k: string, d: number): number => (typeof o.get(k) === 'string' ? Number(o.get(k)) : d);
  const url = typeof o.get('url') === 'string' ? String(o.get('url')) : `http://localhost:${INJECT_DEFAULTS.healthPort}/healthz/ready`;
  const timeoutMs = num('timeout-seconds', 60) * 1000;
  const periodMs = num('period-millis', 500);
  const requestMs = num('request-timeout-millis', 500);
  if (!(timeoutMs > 0 && periodMs > 0 && requestMs > 0)) {
    process.stderr.write('weft wait: --timeout-seconds, --period-millis and --request-timeout-millis must be positive numbers\n');
    return 2;
  }
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(requestMs) });
      if (r.status === 200) {
        process.stderr.write(`weft wait: ${url} is ready\n`);
        return 0;
      }
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() + periodMs > deadline) break;
    await new Promise((r) => setTimeout(r, periodMs));
  }
  process.stderr.write(`weft wait: ${url} not ready after ${timeoutMs / 1000}s (last: ${last})\n`);
  return 1;
}
