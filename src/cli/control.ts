// weft control: the control plane (Pilot + Galley roles) from a folder of
// Istio YAML, serving proxies over xDS.
import fs from 'node:fs';
import { LOG_LEVELS, LogRegistry, type LogLevel } from '../common/log.js';
import { CA_DEFAULTS } from '../control/ca/defaults.js';
import { validateTrustDomain } from '../control/ca/workload-identity.js';
import { ControlPlane, type ControlPlaneOptions } from '../control/control-plane.js';
import { parseDurationMs } from '../control/model/duration.js';
import { formatMeshConfigMessage, loadMeshConfigFile } from '../control/ingest/mesh-config-file.js';
import { parseArgs, usage, type OptionSpec } from './args.js';
import { INJECTION_SPECS, decodeInjectionOptions } from './kube-inject.js';
import { WEBHOOK_SPECS } from './webhook-flags.js';
import { WebhookServer, decodeWebhookFlags, watchCertificateFiles, webhookCertificate } from '../kube/webhook/index.js';
import os from 'node:os';
import type { ConfigSnapshot } from '../control/ingest/config-snapshot.js';
import type { ValidationMessage } from '../control/validation/index.js';
import type { KubeMode } from '../kube/kube-mode.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { Namespace } from '../kube/inject/index.js';
import type { RootCertPublisher } from '../kube/inject/root-cert-publisher.js';
import { checkPrometheusUrl } from '../control/dashboard/check-url.js';
import type { DashboardOptions, DashboardTarget } from '../control/dashboard/dashboard.js';
import { loadScrapeTargets } from '../control/dashboard/scrape-targets-file.js';

const SPECS: OptionSpec[] = [
  { name: 'config', value: true, help: 'folder of Istio YAML/JSON (VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, Sidecar, Gateway); watched for changes' },
  { name: 'kubeconfig', value: true, help: 'Kubernetes mode: services from Services/EndpointSlices/Pods/Nodes and Istio config from the API server of this kubeconfig\'s current context (see docs/kubernetes.md); --config becomes optional' },
  { name: 'in-cluster', value: false, help: 'Kubernetes mode with the pod\'s service account (in a cluster)' },
  { name: 'identity', value: true, help: 'Kubernetes mode: this replica\'s name in leader election (default $POD_NAME, else hostname-pid)' },
  { name: 'lease-namespace', value: true, help: 'Kubernetes mode: namespace of the leader election Lease (default $POD_NAMESPACE, else istio-system)' },
  { name: 'credentials-namespace', value: true, help: 'Kubernetes mode: read Gateway credentialName secrets from the Secrets of this namespace (default istio-system, where the ingress gateway runs) instead of a secrets folder; --secrets-dir keeps the folder' },
  { name: 'xds-address', value: true, help: 'xDS (ADS, gRPC) listen address (default 127.0.0.1:15010, Istio\'s plaintext xDS port)' },
  { name: 'debug-address', value: true, help: 'debug/status HTTP address: /debug/syncz, /debug/proxies, /debug/config (default 127.0.0.1:15014)' },
  { name: 'debounce-ms', value: true, help: 'wait this long after a config change before pushing (default 100)' },
  { name: 'secrets-dir', value: true, help: 'credentialName secrets, one subfolder per secret with tls.crt/tls.key[/ca.crt] (default <config>/secrets); watched' },
  { name: 'max-config-file-bytes', value: true, help: 'refuse config files larger than this, unread (default 8388608 = 8 MiB)' },
  { name: 'ca-dir', value: true, help: 'run the CA (Citadel) from this folder: Istio\'s cacerts files (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem) plug in an existing CA; otherwise a self-signed root is generated at first start and kept there' },
  { name: 'ca-address', value: true, help: `certificate API (TLS, gRPC) listen address (default 127.0.0.1:${CA_DEFAULTS.port}, Istio's port)` },
  { name: 'trust-domain', value: true, help: `SPIFFE trust domain of workload identities (default ${CA_DEFAULTS.trustDomain})` },
  { name: 'workload-cert-ttl', value: true, help: 'lifetime of workload certificates when the request names none (Istio\'s DEFAULT_WORKLOAD_CERT_TTL, default 24h)' },
  { name: 'max-workload-cert-ttl', value: true, help: 'longest lifetime a workload may ask for (Istio\'s MAX_WORKLOAD_CERT_TTL, default 2160h)' },
  { name: 'ca-token-dir', value: true, help: 'workload tokens the CA accepts: each file DIR/<namespace>/<service-account> holds one (at least 32 characters)' },
  { name: 'ca-token-audiences', value: true, help: 'Kubernetes mode: audiences (comma-separated) a service-account token must carry for the CA, checked with TokenReview (Istio\'s TOKEN_AUDIENCES, default istio-ca)' },
  { name: 'mesh-config', value: true, help: 'Istio MeshConfig YAML/JSON (a bare MeshConfig, or the istio ConfigMap with data.mesh): trustDomain, rootNamespace, outboundTrafficPolicy, enableAutoMtls, accessLog*, enableTracing, defaultConfig.tracing, defaultProviders, extensionProviders; watched, a bad version keeps the last good one' },
  { name: 'trace-receiver', value: false, help: 'run the embedded trace receiver on the debug address: Zipkin v2 JSON (POST /api/v2/spans) and OTLP/HTTP (POST /v1/traces) in, Zipkin\'s query API (GET /api/v2/...) out' },
  { name: 'no-dashboard', value: false, help: 'do not serve the dashboard (default: served on the debug address when that is a loopback address)' },
  { name: 'dashboard-listen-any', value: false, help: 'serve the dashboard even when --debug-address is not a loopback address (it is read-only, but shows the mesh to whoever reaches it)' },
  { name: 'scrape-targets', value: true, help: 'JSON file: the Prometheus endpoints the dashboard\'s embedded store scrapes, [{"url", "namespace", "workload", "app"?, "version"?, "service"?, "kind"?: "sidecar"|"ingress"|"control-plane"}]' },
  { name: 'prometheus', value: true, help: 'the dashboard queries this Prometheus (http://HOST:PORT) instead of its embedded store; when it fails or takes over 2 s the embedded store answers, with a warning' },
  { name: 'log-level', short: 'l', value: true, help: `log level: ${LOG_LEVELS.join(', ')} (default info)` },
  ...WEBHOOK_SPECS,
  ...INJECTION_SPECS.map((s) => ({ ...s, help: `sidecar injector: ${s.help}` })),
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

export async function runControl(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  const synopsis = '--config DIR | --kubeconfig PATH | --in-cluster [options]';
  if (typeof parsed === 'string') {
    process.stderr.write(`weft control: ${parsed}\n\n${usage('control', SPECS, synopsis)}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('control', SPECS, synopsis));
    return 0;
  }
  const dir = typeof o.get('config') === 'string' ? String(o.get('config')) : undefined;
  const kubeconfig = typeof o.get('kubeconfig') === 'string' ? String(o.get('kubeconfig')) : undefined;
  const inCluster = o.has('in-cluster');
  if (kubeconfig !== undefined && inCluster) {
    process.stderr.write('weft control: --kubeconfig and --in-cluster are two ways to reach the API server: give one\n');
    return 2;
  }
  const kubeMode = kubeconfig !== undefined || inCluster;
  if (dir === undefined && !kubeMode) {
    process.stderr.write('weft control: --config DIR is required (or --kubeconfig PATH / --in-cluster for Kubernetes mode)\n');
    return 2;
  }
  if (o.has('credentials-namespace') && o.has('secrets-dir')) {
    process.stderr.write('weft control: --credentials-namespace and --secrets-dir are two sources of credentialName secrets: give one\n');
    return 2;
  }
  for (const k of ['identity', 'lease-namespace', 'credentials-namespace', 'ca-token-audiences']) {
    if (o.has(k) && !kubeMode) {
      process.stderr.write(`weft control: --${k} needs Kubernetes mode (--kubeconfig or --in-cluster)\n`);
      return 2;
    }
  }
  const level = (o.get('log-level') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    process.stderr.write(`weft control: invalid --log-level "${level}"\n`);
    return 2;
  }
  const debounce = o.has('debounce-ms') ? Number(o.get('debounce-ms')) : undefined;
  if (debounce !== undefined && !(debounce >= 0)) {
    process.stderr.write('weft control: invalid --debounce-ms\n');
    return 2;
  }
  const maxFile = o.has('max-config-file-bytes') ? Number(o.get('max-config-file-bytes')) : undefined;
  if (maxFile !== undefined && !(Number.isInteger(maxFile) && maxFile > 0)) {
    process.stderr.write('weft control: invalid --max-config-file-bytes (a positive number of bytes)\n');
    return 2;
  }
  const ca = decodeCaOptions(o);
  if (typeof ca === 'object' && 'errors' in ca) {
    process.stderr.write(`weft control: CA options rejected:\n${ca.errors.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  const meshFile = typeof o.get('mesh-config') === 'string' ? String(o.get('mesh-config')) : undefined;
  let meshTrustDomain: string | undefined;
  if (meshFile !== undefined) {
    const m = loadMeshConfigFile(meshFile);
    if (!m.mesh) {
      process.stderr.write(`weft control: --mesh-config ${meshFile} rejected:\n${m.messages.map((x) => `  ${formatMeshConfigMessage(x)}\n`).join('')}`);
      return 2;
    }
    meshTrustDomain = m.mesh.trustDomain;
  }
  // The CA signs for the mesh's trust domain unless --trust-domain says otherwise.
  if (ca && meshTrustDomain && !o.has('trust-domain')) ca.trustDomain = meshTrustDomain;
  const webhookFlags = decodeWebhookFlags(o, ca !== undefined);
  const injection = decodeInjectionOptions(o, ca?.trustDomain ?? meshTrustDomain);
  const webhookErrors = [...(webhookFlags && 'errors' in webhookFlags ? webhookFlags.errors : []), ...('errors' in injection ? injection.errors : [])];
  if (webhookErrors.length) {
    process.stderr.write(`weft control: webhook options rejected:\n${webhookErrors.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  const debugAddress = String(o.get('debug-address') ?? '127.0.0.1:15014');
  const dashboard = decodeDashboardOptions(o, debugAddress);
  if ('errors' in dashboard) {
    process.stderr.write(`weft control: dashboard options rejected:\n${dashboard.errors.map((e) => `  ${e}\n`).join('')}`);
    return 2;
  }
  const logs = new LogRegistry(level);
  let kube: KubeMode | undefined;
  let kubeClient: KubeClient | undefined;
  if (kubeMode) {
    try {
      // Loaded only in Kubernetes mode: the Kubernetes client is large and folder mode never needs it.
      const { createKubeClient, loadKubeConfig } = await import('../kube/kube-client.js');
      const { KubeMode } = await import('../kube/kube-mode.js');
      const kc = loadKubeConfig(kubeconfig !== undefined ? { kubeconfig } : { inCluster: true });
      kubeClient = createKubeClient(kc);
      if (ca) {
        // The CA authenticates sidecars' projected service-account tokens with TokenReview, as istiod does.
        const { TokenReviewAuthenticator, TOKEN_REVIEW_DEFAULTS } = await import('../kube/token-review.js');
        const aud = o.get('ca-token-audiences');
        ca.reviewer = new TokenReviewAuthenticator({
          client: kubeClient,
          audiences: typeof aud === 'string' ? aud.split(',').map((a) => a.trim()) : TOKEN_REVIEW_DEFAULTS.audiences,
          log: logs.logger('ca'),
        });
      }
      kube = new KubeMode({
        client: kubeClient,
        identity: String(o.get('identity') ?? process.env.POD_NAME ?? `${os.hostname()}-${process.pid}`),
        leaseNamespace: String(o.get('lease-namespace') ?? process.env.POD_NAMESPACE ?? 'istio-system'),
        // MeshConfig from Istio's `istio` ConfigMap in the control plane's namespace, unless a file is given.
        ...(meshFile === undefined ? { meshConfigMap: { namespace: String(o.get('lease-namespace') ?? process.env.POD_NAMESPACE ?? 'istio-system'), name: 'istio' } } : {}),
        // Secrets, unless a secrets folder is given.
        ...(o.has('secrets-dir') ? {} : { credentialsNamespace: String(o.get('credentials-namespace') ?? 'istio-system') }),
        log: logs.logger('kube'),
      });
    } catch (err) {
      process.stderr.write(`weft control: cannot use ${kubeconfig ?? 'the in-cluster service account'}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const cp = new ControlPlane({
    ...(dir !== undefined ? { configDir: dir } : {}),
    ...(kube
      ? {
          configSources: [kube.configSource],
          registries: [kube.registry],
          onAnalysis: (s: ConfigSnapshot, a: readonly ValidationMessage[]) => kube!.onAnalysis(s, a),
          kubernetesStatus: () => kube!.statusReport(),
          ...(kube.credentials ? { credentialSource: kube.credentials } : {}),
          ...(kube.meshConfig ? { meshConfigSource: kube.meshConfig } : {}),
        }
      : {}),
    xdsAddress: String(o.get('xds-address') ?? '127.0.0.1:15010'),
    debugAddress,
    ...(dashboard.options ? { dashboard: dashboard.options } : {}),
    ...(debounce !== undefined ? { debounceMs: debounce } : {}),
    ...(maxFile !== undefined ? { maxConfigFileBytes: maxFile } : {}),
    ...(ca ? { ca } : {}),
    ...(typeof o.get('secrets-dir') === 'string' ? { secretsDir: String(o.get('secrets-dir')) } : {}),
    ...(meshFile !== undefined ? { meshConfigFile: meshFile } : {}),
    ...(o.has('trace-receiver') ? { traceReceiver: true } : {}),
    logs,
  });
  // Until the servers listen, only unref'd retry timers run (an API server that is down at start): keep the process up.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    if (kube) {
      logs.logger('kube').info(`Kubernetes mode: reading services and Istio config from ${kube.statusReport().server}; xDS is served once every kind has been listed`);
      kube.start();
    }
    await cp.start();
  } catch (err) {
    process.stderr.write(`weft control: failed to start: ${(err as Error).message}\n`);
    await cp.stop().catch(() => undefined);
    await kube?.stop();
    return 1;
  } finally {
    clearInterval(keepAlive);
  }
  let webhooks: WebhookServer | undefined;
  if (webhookFlags && !('errors' in webhookFlags) && !('errors' in injection)) {
    try {
      webhooks = new WebhookServer({
        ...webhookCertificate(webhookFlags, cp.meshCa?.ca),
        stats: cp.stats,
        validation: webhookFlags.validate,
        // In Kubernetes mode the injector also reads the pod's namespace labels itself.
        ...(webhookFlags.inject ? { injection: { config: injection, ...(kube ? { namespaces: (name: string) => kube!.namespaces.get(undefined, name) as unknown as Namespace | undefined } : {}) } } : {}),
      });
      const port = await webhooks.listen(webhookFlags.address);
      const server = webhooks;
      watchCertificateFiles(webhookFlags, (cert, key) => {
        server.setCertificate(cert, key);
        logs.logger('webhook').info(`webhook certificate reloaded from ${webhookFlags.certFile}`);
      }, (m) => logs.logger('webhook').error(m));
      logs.logger('webhook').info(`admission webhooks (HTTPS) on port ${port}: ${[webhookFlags.inject ? 'POST /inject' : '', webhookFlags.validate ? 'POST /validate' : ''].filter(Boolean).join(', ')}`);
    } catch (err) {
      process.stderr.write(`weft control: webhooks failed to start: ${(err as Error).message}\n`);
      await cp.stop().catch(() => undefined);
      await kube?.stop();
      return 1;
    }
  }
  // istiod's namespace controller: the CA's roots as ConfigMap istio-ca-root-cert in every namespace (injected sidecars mount it).
  let rootCerts: RootCertPublisher | undefined;
  if (kube && kubeClient && cp.meshCa) {
    const { RootCertPublisher } = await import('../kube/inject/root-cert-publisher.js');
    const bundle = cp.meshCa.ca.trustBundle;
    const publisher = new RootCertPublisher({ client: kubeClient, rootPem: bundle.current.roots.join(''), log: logs.logger('root-cert') });
    bundle.onChange((b) => publisher.setRoot(b.roots.join('')));
    publisher.start();
    rootCerts = publisher;
  }
  if (cp.dashboard) logs.logger('control').info(`dashboard http://${urlHost(debugAddress)}:${cp.debugPort}/dashboard/ (${dashboard.options?.prometheusUrl ? `metrics from ${dashboard.options.prometheusUrl}` : `embedded store, ${dashboard.options?.targets?.length ?? 0} scrape targets`})`);
  else logs.logger('control').info(`dashboard off${dashboard.why ? `: ${dashboard.why}` : ''}`);
  logs.logger('control').info(`weft control serving xDS on port ${cp.xdsPort}; debug on port ${cp.debugPort}${cp.traces ? ' (trace receiver: /api/v2/spans, /v1/traces, Zipkin query API /api/v2/)' : ''}; ${cp.meshCa ? `CA on port ${cp.caPort}` : 'no CA (--ca-dir runs one)'}; config from ${[dir, kube ? `the Kubernetes API at ${kube.statusReport().server}` : undefined].filter(Boolean).join(' and ')}`);
  const stop = () => void Promise.all([cp.stop(), webhooks?.close(), rootCerts?.stop()]).then(() => kube?.stop()).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise<number>(() => undefined);
}

/**
 * The dashboard's options: none with --no-dashboard, or when the debug
 * address is not loopback and --dashboard-listen-any is not given (binding
 * the dashboard elsewhere is always explicit); every problem at once.
 */
function decodeDashboardOptions(o: Map<string, string | true>, debugAddress: string): { options?: DashboardOptions; why?: string } | { errors: string[] } {
  const errors: string[] = [];
  const prom = typeof o.get('prometheus') === 'string' ? String(o.get('prometheus')) : undefined;
  if (prom !== undefined) {
    const e = checkPrometheusUrl(prom);
    if (e) errors.push(`--prometheus: ${e}`);
  }
  const file = typeof o.get('scrape-targets') === 'string' ? String(o.get('scrape-targets')) : undefined;
  let targets: DashboardTarget[] | undefined;
  if (file !== undefined) {
    const t = loadScrapeTargets(file);
    if ('errors' in t) errors.push(...t.errors.map((e) => `--scrape-targets ${file}: ${e}`));
    else targets = t.targets;
  }
  if (o.has('no-dashboard')) {
    for (const k of ['prometheus', 'scrape-targets', 'dashboard-listen-any']) if (o.has(k)) errors.push(`--${k}: has no effect with --no-dashboard`);
    return errors.length ? { errors } : { why: '--no-dashboard' };
  }
  if (errors.length) return { errors };
  const host = debugAddress.slice(0, debugAddress.lastIndexOf(':')).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (!loopback && !o.has('dashboard-listen-any')) return { why: `--debug-address ${debugAddress} is not a loopback address (--dashboard-listen-any serves it there)` };
  return { options: { ...(prom ? { prometheusUrl: prom } : {}), ...(targets ? { targets } : {}) } };
}

function urlHost(address: string): string {
  const host = address.slice(0, address.lastIndexOf(':')) || '127.0.0.1';
  return host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
}

/** The CA options (undefined without --ca-dir), or every problem with them. */
function decodeCaOptions(o: Map<string, string | true>): ControlPlaneOptions['ca'] | { errors: string[] } {
  const str = (k: string): string | undefined => (typeof o.get(k) === 'string' ? (o.get(k) as string) : undefined);
  const dir = str('ca-dir');
  const errors: string[] = [];
  if (dir === undefined) {
    for (const k of ['ca-address', 'trust-domain', 'workload-cert-ttl', 'max-workload-cert-ttl', 'ca-token-dir', 'ca-token-audiences']) if (o.has(k)) errors.push(`--${k}: needs --ca-dir (no CA runs without one)`);
    return errors.length ? { errors } : undefined;
  }
  const trustDomain = str('trust-domain') ?? CA_DEFAULTS.trustDomain;
  const td = validateTrustDomain(trustDomain);
  if (td) errors.push(`--trust-domain: ${td}`);
  const ttl = (k: string): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const ms = parseDurationMs(v);
    if (ms === undefined || !(ms >= 1000)) errors.push(`--${k}: "${v}" is not a duration of at least 1s (e.g. 24h, 90m)`);
    return ms;
  };
  const defaultCertTtlMs = ttl('workload-cert-ttl');
  const maxCertTtlMs = ttl('max-workload-cert-ttl');
  const tokenDir = str('ca-token-dir');
  if (tokenDir !== undefined && !fs.existsSync(tokenDir)) errors.push(`--ca-token-dir: folder ${tokenDir} does not exist`);
  const audiences = str('ca-token-audiences');
  if (audiences !== undefined && !audiences.split(',').every((a) => a.trim() !== '')) errors.push(`--ca-token-audiences: "${audiences}" is not a comma-separated list of audiences`);
  if (errors.length) return { errors };
  return {
    dir, address: str('ca-address') ?? `127.0.0.1:${CA_DEFAULTS.port}`, trustDomain,
    ...(defaultCertTtlMs ? { defaultCertTtlMs } : {}),
    ...(maxCertTtlMs ? { maxCertTtlMs } : {}),
    ...(tokenDir ? { tokenDir } : {}),
  };
}
