// weft proxy: the sidecar proxy, from an Envoy v3 bootstrap file.
import { ConfigErrors, formatIssue } from '../common/errors.js';
import { LOG_LEVELS, LogRegistry, type LogLevel } from '../common/log.js';
import { loadBootstrapFile, type BootstrapConfig } from '../proxy/config/bootstrap.js';
import type { PrimaryOptions } from '../proxy/workers/primary.js';
import { ProxyServer } from '../proxy/server.js';
import { AGENT_FLAGS, decodeAgentConfig, type AgentFlagName } from '../agent/agent-config.js';
import { parseArgs, usage, type OptionSpec } from './args.js';
import { MergedMetricsServer } from '../proxy/merged-metrics/merged-metrics-server.js';
import { MERGED_METRICS_DEFAULTS } from '../proxy/merged-metrics/defaults.js';
import cluster from 'node:cluster';
import os from 'node:os';

const SPECS: OptionSpec[] = [
  { name: 'config-path', short: 'c', value: true, help: 'Envoy v3 bootstrap file (YAML or JSON)' },
  { name: 'mode', value: true, help: '"serve" (default) or "validate": check the bootstrap and exit' },
  { name: 'drain-time-s', value: true, help: 'seconds to drain listeners on SIGTERM before exiting (default 5)' },
  { name: 'concurrency', value: true, help: 'worker processes sharing the listeners (default 1; 0 = one per hardware thread, Envoy\'s default)' },
  { name: 'log-level', short: 'l', value: true, help: `process log level: ${LOG_LEVELS.join(', ')} (default info)` },
  ...AGENT_FLAGS.map((f) => ({ name: f.name, value: true, help: `${f.help} [env ${f.env}]` })),
  { name: 'merged-metrics-address', value: true, help: `serve the merged metrics (the proxy's and the app's) at GET ${MERGED_METRICS_DEFAULTS.path} on host:port (Istio's ${MERGED_METRICS_DEFAULTS.istioPort})` },
  { name: 'app-metrics-port', value: true, help: 'the application\'s Prometheus port (prometheus.io/port), merged into --merged-metrics-address' },
  { name: 'app-metrics-path', value: true, help: `the application's metrics path (prometheus.io/path; default ${MERGED_METRICS_DEFAULTS.appPath})` },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

export async function runProxy(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft proxy: ${parsed}\n\n${usage('proxy', SPECS, '-c <bootstrap.yaml> [options]')}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('proxy', SPECS, '-c <bootstrap.yaml> [options]'));
    return 0;
  }
  const file = o.get('config-path');
  if (typeof file !== 'string') {
    process.stderr.write(`weft proxy: -c <bootstrap file> is required\n`);
    return 2;
  }
  const level = (o.get('log-level') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    process.stderr.write(`weft proxy: invalid --log-level "${level}"\n`);
    return 2;
  }
  const mode = o.get('mode') ?? 'serve';
  if (mode !== 'serve' && mode !== 'validate') {
    process.stderr.write(`weft proxy: invalid --mode "${String(mode)}" (serve or validate)\n`);
    return 2;
  }
  const drainS = Number(o.get('drain-time-s') ?? 5);
  if (!Number.isFinite(drainS) || drainS < 0) {
    process.stderr.write(`weft proxy: invalid --drain-time-s\n`);
    return 2;
  }
  const concText = o.get('concurrency') ?? '1';
  const concurrencyAsked = Number(concText);
  if (typeof concText !== 'string' || !/^\d+$/.test(concText) || concurrencyAsked > 1024) {
    process.stderr.write(`weft proxy: invalid --concurrency "${String(concText)}" (a whole number; 0 = one per hardware thread)\n`);
    return 2;
  }
  const concurrency = concurrencyAsked === 0 ? os.availableParallelism() : concurrencyAsked;
  const errs = new ConfigErrors();
  const cfg = loadBootstrapFile(file, errs);
  for (const w of errs.warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
  if (!cfg) {
    const list = errs.errors;
    process.stderr.write(`weft proxy: ${file}: bootstrap rejected (${list.length} error${list.length === 1 ? '' : 's'}):\n`);
    for (const e of list) process.stderr.write(`  ${formatIssue(e)}\n`);
    return 1;
  }
  // The node agent: flags, then istio-agent's environment, then the node metadata.
  const agent = decodeAgentConfig((n: AgentFlagName) => {
    const v = o.get(n);
    return typeof v === 'string' ? v : undefined;
  }, process.env, cfg.node.metadata as Record<string, unknown> | undefined);
  if (agent.errors.length) {
    process.stderr.write(`weft proxy: node agent options rejected (${agent.errors.length} error${agent.errors.length === 1 ? '' : 's'}):\n${agent.errors.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  const merged = o.get('merged-metrics-address');
  const appPortText = o.get('app-metrics-port');
  const appPort = typeof appPortText === 'string' ? Number(appPortText) : undefined;
  if (merged !== undefined && (typeof merged !== 'string' || !/^[^\s]*:\d+$/.test(merged))) {
    process.stderr.write(`weft proxy: invalid --merged-metrics-address (host:port)\n`);
    return 2;
  }
  if (appPort !== undefined && !(Number.isInteger(appPort) && appPort > 0 && appPort < 65536)) {
    process.stderr.write(`weft proxy: invalid --app-metrics-port "${String(appPortText)}"\n`);
    return 2;
  }
  if ((appPort !== undefined || o.has('app-metrics-path')) && merged === undefined) {
    process.stderr.write(`weft proxy: --app-metrics-port and --app-metrics-path need --merged-metrics-address\n`);
    return 2;
  }
  if (mode === 'validate') {
    process.stdout.write(`configuration '${file}' OK\n`);
    return 0;
  }
  const logs = new LogRegistry(level);
  if (concurrency > 1 || cluster.isWorker) {
    // The node agent and the merged-metrics endpoint live in one process; with workers they would run N times.
    const single = [agent.config ? 'the node agent (--ca-address)' : '', merged !== undefined ? '--merged-metrics-address' : '', cfg.hds ? 'hds_config' : ''].filter((x) => x);
    if (single.length) {
      process.stderr.write(`weft proxy: --concurrency ${concurrency} cannot be combined with ${single.join(', ')} (they run once per proxy; use --concurrency 1)\n`);
      return 2;
    }
    if (cluster.isWorker) {
      const { runWorker } = await import('../proxy/workers/worker.js');
      return runWorker(cfg, { logs, drainTimeMs: drainS * 1000, configPath: file, concurrency });
    }
    return runPrimary(cfg, { concurrency, drainTimeMs: drainS * 1000, logs, configPath: file });
  }
  const proxy = new ProxyServer(cfg, { logs, drainTimeMs: drainS * 1000, configPath: file, ...(agent.config ? { agent: agent.config } : {}) });
  try {
    await proxy.start();
  } catch (err) {
    process.stderr.write(`weft proxy: failed to start: ${(err as Error).message}\n`);
    await proxy.shutdown();
    return 1;
  }
  const log = logs.logger('main');
  let mergedServer: MergedMetricsServer | undefined;
  if (typeof merged === 'string') {
    const appPath = o.get('app-metrics-path');
    mergedServer = new MergedMetricsServer({
      stats: proxy.ctx.stats, address: merged,
      ...(appPort !== undefined ? { app: { port: appPort, path: typeof appPath === 'string' && appPath !== '' ? appPath : MERGED_METRICS_DEFAULTS.appPath } } : {}),
    });
    try {
      await mergedServer.start();
    } catch (err) {
      process.stderr.write(`weft proxy: merged metrics endpoint on ${merged}: ${(err as Error).message}\n`);
      await proxy.shutdown();
      return 1;
    }
    log.info(`merged metrics on port ${mergedServer.port}${appPort !== undefined ? ` (with the application's from port ${appPort})` : ''}`);
  }
  log.info(`weft proxy LIVE: ${proxy.listenerStatuses().map((l) => `${l.name} on ${l.host}:${l.port}`).join(', ') || 'no listeners'}${proxy.adminPort !== undefined ? `; admin on port ${proxy.adminPort}` : ''}`);
  const stop = (sig: string) => {
    log.info(`${sig}: draining listeners for up to ${drainS}s`);
    void Promise.all([proxy.shutdown(), mergedServer?.stop()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('SIGUSR1', () => proxy.ctx.accessLogs.reopen());
  // Input never crashes the process; a bug is logged and the proxy keeps serving.
  process.on('uncaughtException', (err) => log.error(`uncaught exception: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
  return new Promise<number>(() => undefined);
}

/** `--concurrency N` (N > 1): this process forks the workers, relays xDS and serves the admin. */
async function runPrimary(cfg: BootstrapConfig, opts: PrimaryOptions): Promise<number> {
  const { ProxyPrimary } = await import('../proxy/workers/primary.js');
  const log = opts.logs.logger('main');
  const primary = new ProxyPrimary(cfg, opts);
  try {
    await primary.start();
  } catch (err) {
    process.stderr.write(`weft proxy: failed to start: ${(err as Error).message}\n`);
    await primary.shutdown();
    return 1;
  }
  log.info(`weft proxy LIVE: ${primary.listenerStatuses().map((l) => `${l.name} on ${l.host}:${l.port}`).join(', ') || 'no listeners'}${primary.adminPort !== undefined ? `; admin on port ${primary.adminPort}` : ''}`);
  log.info(`${opts.concurrency} workers (pids ${primary.workers().map((w) => w.pid).join(', ')})`);
  const stop = (sig: string) => {
    log.info(`${sig}: draining ${opts.concurrency} workers for up to ${opts.drainTimeMs / 1000}s`);
    void primary.shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (err) => log.error(`uncaught exception: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
  return new Promise<number>(() => undefined);
}
