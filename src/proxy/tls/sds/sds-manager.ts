// The proxy's SDS client side: fetches a secret when the first TLS context
// subscribes to it (MemorySecretStore.onFirstSubscribe), from the source its
// SdsSecretConfig names, and puts each accepted value into the store:
//   ads  - the Secret type on the proxy's ADS stream (the xDS client, on demand by name);
//   api  - its own SecretDiscoveryService stream to a static cluster (sds-api-stream.ts),
//          unless an in-process provider claimed that cluster (claimApiCluster);
//   path - a file holding a DiscoveryResponse of Secrets, watched like LDS/CDS files.
// Every update is decoded and validated with the TLS decoders (a Secret holds
// the same TlsCertificate / CertificateValidationContext a TLS context does);
// a bad one is rejected with every error, counted (sds.<name>.update_rejected),
// logged, NACKed, and the last good value stays. Static secrets (bootstrap
// static_resources.secrets) are set once at start and only described here.
import type { Clock, TimerHandle } from '../../../common/clock.js';
import { ConfigErrors } from '../../../common/errors.js';
import type { Logger } from '../../../common/log.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { AnyMessage, envoy_config_core_v3_Node } from '../../../xds/gen/types.js';
import type { PathSourceConfig } from '../../config/dynamic-resources.js';
import { SDS } from '../../xds-client/resource-types.js';
import { secretKey, type MemorySecretStore, type SecretValue } from '../secret-store.js';
import type { SdsRef } from '../tls-config.js';
import type { AdsSecretChannel, AdsSecretTarget, RunningSource, Secret, SecretUpdateSink, SecretWarming } from './secret-sources.js';
import { sdsStats, type SdsStats } from './sds-stats.js';
import { secretFilenames, watchSecretFiles, type SecretFileWatch } from './secret-file-watch.js';
import { Claim, type ClaimedSdsCluster } from './claimed-sds-cluster.js';

export type { ClaimedSdsCluster };

export type { Secret };

/** Decodes one Secret into TLS material (the TLS decoders), collecting every error with its path. */
export type SecretDecoder = (secret: Secret, path: string, errs: ConfigErrors) => SecretValue | undefined;

/** Envoy's default initial_fetch_timeout (15 s): how long a TLS context waits for its first secret. */
export const SDS_INITIAL_FETCH_TIMEOUT_MS = 15_000;

export interface SdsManagerDeps {
  readonly store: MemorySecretStore;
  readonly stats: StatsStore;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
  readonly decode: SecretDecoder;
  /** The node sent in SDS requests. */
  readonly node: envoy_config_core_v3_Node;
  /** A gRPC target for one host of a cluster now (`unix:/path`, `ip:port`), or undefined. */
  readonly clusterTarget: (clusterName: string) => string | undefined;
  /** Whether the cluster asks for TLS (weft's SDS streams are plaintext, so such a cluster is refused). */
  readonly clusterWantsTls?: (clusterName: string) => boolean;
  readonly initialFetchTimeoutMs?: number;
}

/** What the SDS manager knows of one secret, for config_dump and /certs. */
export interface SecretStatus {
  readonly ref: SdsRef;
  /** warming: not arrived yet; active: has a value; timed_out: initial_fetch_timeout passed without one. */
  readonly state: 'warming' | 'active' | 'timed_out';
  readonly versionInfo: string;
  /** ISO time of the last accepted update (or of the subscription while warming). */
  readonly lastUpdated: string;
  /** The Secret as received (private keys not yet redacted), undefined while warming. */
  readonly secret?: Secret;
  /** The last rejection or failure, for debugging. */
  readonly lastError?: string;
}

interface Entry {
  readonly ref: SdsRef;
  readonly stats: SdsStats;
  state: 'warming' | 'active' | 'timed_out';
  versionInfo: string;
  lastUpdated: string;
  secret?: Secret;
  lastError?: string;
  initTimer?: TimerHandle;
  source?: RunningSource;
  /** Watch on the files the current Secret names. */
  files?: SecretFileWatch;
}

export class SdsManager implements AdsSecretTarget, SecretWarming {
  private readonly entries = new Map<string, Entry>();
  private readonly claims = new Map<string, Claim>();
  private ads: AdsSecretChannel | undefined;
  /** ads refs asked for before the xDS client attached. */
  private readonly adsPending = new Set<string>();
  private stopped = false;
  /** initial_fetch_timeout per secret, where its SdsSecretConfig set one (else Envoy's default). */
  private readonly fetchTimeouts = new Map<string, number>();
  private readonly settledListeners = new Set<(ref: SdsRef) => void>();

  constructor(private readonly deps: SdsManagerDeps) {}

  /** Starts serving the store's first subscriptions. */
  attach(): void {
    this.deps.store.onFirstSubscribe = (ref) => this.fetch(ref);
  }

  /** The xDS client's Secret channel: refs with `ads` sources subscribe through it. */
  attachAds(ads: AdsSecretChannel): void {
    this.ads = ads;
    for (const name of this.adsPending) ads.subscribeSecret(name);
    this.adsPending.clear();
  }

  /**
   * Claims an `api` cluster for an in-process provider: no SDS stream is
   * opened to it; the provider sets its secrets through the returned handle.
   * Claim before listeners and clusters start (streams already open to the
   * cluster are stopped).
   */
  claimApiCluster(clusterName: string): ClaimedSdsCluster {
    let claim = this.claims.get(clusterName);
    if (claim) return claim;
    claim = new Claim(clusterName, (name, value, version) => this.claimedSet(clusterName, name, value, version));
    this.claims.set(clusterName, claim);
    for (const e of this.entries.values()) {
      if (e.ref.source.kind === 'api' && e.ref.source.clusterName === clusterName) {
        e.source?.stop();
        delete e.source;
        claim.request(e.ref.name);
      }
    }
    return claim;
  }

  /** Static secrets from the bootstrap: set in the store and described as Envoy's static_secrets. */
  setStatic(secrets: readonly { name: string; value: SecretValue; secret: Secret }[]): void {
    const now = new Date(this.deps.clock.wallNow()).toISOString();
    for (const s of secrets) {
      const ref: SdsRef = { name: s.name, source: { kind: 'static' } };
      this.entries.set(secretKey(ref), { ref, stats: sdsStats(this.deps.stats, s.name), state: 'active', versionInfo: '', lastUpdated: now, secret: s.secret });
      this.deps.store.set(ref, s.value);
    }
  }

  /** Every secret known, static and dynamic. */
  statuses(): SecretStatus[] {
    return [...this.entries.values()].map((e) => ({
      ref: e.ref,
      state: e.state,
      versionInfo: e.versionInfo,
      lastUpdated: e.lastUpdated,
      ...(e.secret ? { secret: e.secret } : {}),
      ...(e.lastError ? { lastError: e.lastError } : {}),
    }));
  }

  /** Whether the secret has arrived or its initial_fetch_timeout passed (Envoy's warming is over for it). */
  settled(ref: SdsRef): boolean {
    const e = this.entries.get(secretKey(ref));
    return e !== undefined && e.state !== 'warming';
  }

  /** SecretWarming: starts fetching `ref` when nothing has (the fetch a subscription would start), then reports settled(). */
  warmed(ref: SdsRef, initialFetchTimeoutMs?: number): boolean {
    if (initialFetchTimeoutMs !== undefined) this.noteInitialFetchTimeout(ref, initialFetchTimeoutMs);
    this.fetch(ref);
    return this.settled(ref);
  }

  /**
   * Records a reference's sds_config.initial_fetch_timeout (the bootstrap's
   * listeners and clusters, before they subscribe); it applies when the fetch
   * starts. 0 waits without a limit.
   */
  noteInitialFetchTimeout(ref: SdsRef, ms: number): void {
    const k = secretKey(ref);
    if (!this.entries.has(k)) this.fetchTimeouts.set(k, ms);
  }

  /** Calls `fn` each time a secret stops warming (arrival or timeout). Returns an unsubscribe. */
  onSettled(fn: (ref: SdsRef) => void): () => void {
    this.settledListeners.add(fn);
    return () => this.settledListeners.delete(fn);
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) {
      e.initTimer?.cancel();
      e.source?.stop();
      delete e.source;
      e.files?.close();
      delete e.files;
    }
  }

  // ---- fetching ----

  private fetch(ref: SdsRef): void {
    const key = secretKey(ref);
    // A claimed cluster's provider hears of every name asked for, even one it set ahead.
    if (ref.source.kind === 'api') this.claims.get(ref.source.clusterName)?.request(ref.name);
    if (this.entries.has(key) || this.stopped) return;
    const e: Entry = { ref, stats: sdsStats(this.deps.stats, ref.name), state: 'warming', versionInfo: 'uninitialized', lastUpdated: new Date(this.deps.clock.wallNow()).toISOString() };
    this.entries.set(key, e);
    if (ref.source.kind === 'static') {
      // Present from the start, or refused as a config error: nothing to fetch.
      e.state = 'timed_out';
      e.lastError = 'no static secret of this name';
      return;
    }
    const timeout = this.fetchTimeouts.get(key) ?? this.deps.initialFetchTimeoutMs ?? SDS_INITIAL_FETCH_TIMEOUT_MS;
    // 0 means wait without a limit, as Envoy's initial_fetch_timeout.
    if (timeout > 0) e.initTimer = this.deps.clock.setTimer(timeout, () => this.initTimeout(e, timeout));
    const src = ref.source;
    if (src.kind === 'ads') {
      if (this.ads) this.ads.subscribeSecret(ref.name);
      else this.adsPending.add(ref.name);
    } else if (src.kind === 'api') {
      const claim = this.claims.get(src.clusterName);
      if (claim) claim.request(ref.name);
      else void this.startStream(e, src.clusterName);
    } else void this.startFile(e, src.path);
  }

  private initTimeout(e: Entry, ms: number): void {
    delete e.initTimer;
    if (e.state !== 'warming') return;
    e.state = 'timed_out';
    e.stats.initFetchTimeout.inc();
    this.deps.log.warn(`secret "${e.ref.name}" (${describe(e.ref)}) did not arrive within initial_fetch_timeout (${ms} ms): TLS that needs it fails until it does`);
    this.settle(e);
  }

  private settle(e: Entry): void {
    for (const fn of this.settledListeners) fn(e.ref);
  }

  private async startStream(e: Entry, clusterName: string): Promise<void> {
    // Lazily loaded: grpc-js costs memory a proxy without SDS streams does not need.
    if (this.deps.clusterWantsTls?.(clusterName)) {
      this.failure(e, `SDS cluster "${clusterName}" has a TLS transport_socket: TLS on SDS streams is not supported by weft (use a pipe or plaintext); not fetched`);
      return;
    }
    const { startSdsStream } = await import('./sds-api-stream.js');
    if (this.stopped || this.claims.has(clusterName)) return;
    e.source = startSdsStream({
      secretName: e.ref.name,
      clusterName,
      target: () => this.deps.clusterTarget(clusterName),
      node: this.deps.node,
      sink: this.sinkFor(e),
      clock: this.deps.clock,
      random: this.deps.random,
      log: this.deps.log,
    });
  }

  private async startFile(e: Entry, file: string): Promise<void> {
    const { startSdsFile } = await import('./sds-file-source.js');
    if (this.stopped) return;
    const source: PathSourceConfig = { path: file, fieldPath: 'sds_config.path_config_source.path' };
    try {
      e.source = startSdsFile(e.ref.name, source, this.sinkFor(e), this.deps.stats, this.deps.log);
    } catch (err) {
      this.sinkFor(e).failure(`file source ${file}: ${(err as Error).message}`);
    }
  }

  private sinkFor(e: Entry): SecretUpdateSink {
    return {
      update: (version, resources, preErrors) => this.applyUpdate(e, version, resources, preErrors),
      failure: (reason) => this.failure(e, reason),
    };
  }

  private failure(e: Entry, reason: string): void {
    e.stats.updateFailure.inc();
    if (e.lastError !== reason) this.deps.log.warn(`secret "${e.ref.name}" (${describe(e.ref)}): ${reason}`);
    e.lastError = reason;
  }

  /**
   * One state-of-the-world update for one secret (its own stream or file):
   * exactly one Secret, named as asked (Envoy's SdsApi rules).
   */
  private applyUpdate(e: Entry, version: string, resources: readonly AnyMessage[], preErrors?: string): string | undefined {
    e.stats.updateAttempt.inc();
    const errs = new ConfigErrors();
    if (preErrors) errs.error('', preErrors);
    if (resources.length === 0) errs.error('resources', `missing SDS resources for "${e.ref.name}"`);
    else if (resources.length > 1) errs.error('resources', `unexpected SDS secrets length: ${resources.length} (one secret per subscription)`);
    const decoded = resources.length === 1 ? this.decodeOne(resources[0]!, e.ref.name, `Secret[${e.ref.name}]`, errs) : undefined;
    if (errs.hasErrors || !decoded) return this.reject(e, version, errs);
    this.accept(e, version, decoded.secret, decoded.value);
    return undefined;
  }

  /** Checks type and name, then decodes; errors go to `errs`. */
  private decodeOne(res: AnyMessage, expectedName: string, path: string, errs: ConfigErrors): { secret: Secret; value: SecretValue } | undefined {
    const secret = SDS.decode(res, path, errs);
    if (!secret) return undefined;
    if ((secret.name ?? '') !== expectedName) {
      errs.error(`${path}.name`, `unexpected SDS secret (expecting "${expectedName}"): "${secret.name ?? ''}"`);
      return undefined;
    }
    const value = this.deps.decode(secret, path, errs);
    return value && !errs.hasErrors ? { secret, value } : undefined;
  }

  private reject(e: Entry, version: string, errs: ConfigErrors): string {
    const text = errs.format();
    e.stats.updateRejected.inc();
    e.lastError = `version ${version}: ${text}`;
    this.deps.log.warn(`rejected secret "${e.ref.name}" (${describe(e.ref)}) version "${version}" (keeping ${e.state === 'active' ? `version "${e.versionInfo}"` : 'nothing'}):\n${text}`);
    return text;
  }

  private accept(e: Entry, version: string, secret: Secret | undefined, value: SecretValue | undefined): void {
    e.stats.updateSuccess.inc();
    e.stats.updateTime.set(this.deps.clock.wallNow());
    e.versionInfo = version;
    e.lastUpdated = new Date(this.deps.clock.wallNow()).toISOString();
    delete e.lastError;
    const wasWarming = e.state === 'warming';
    if (value) {
      e.secret = secret;
      e.state = 'active';
    } else {
      delete e.secret;
      e.state = 'timed_out';
    }
    e.initTimer?.cancel();
    delete e.initTimer;
    this.watchFiles(e);
    this.deps.store.set(e.ref, value);
    if (wasWarming) this.settle(e);
  }

  /** Re-reads the files the current Secret names when they change (Envoy's SdsApi file watch). */
  private watchFiles(e: Entry): void {
    e.files?.close();
    delete e.files;
    const files = e.secret && !this.stopped ? secretFilenames(e.secret) : [];
    if (files.length === 0) return;
    e.files = watchSecretFiles(files, () => this.reloadFiles(e), (m) => this.deps.log.warn(`secret "${e.ref.name}": ${m}`));
  }

  private reloadFiles(e: Entry): void {
    if (!e.secret || this.stopped) return;
    const errs = new ConfigErrors();
    const value = this.deps.decode(e.secret, `Secret[${e.ref.name}]`, errs);
    if (!value || errs.hasErrors) {
      e.stats.keyRotationFailed.inc();
      this.deps.log.warn(`secret "${e.ref.name}" (${describe(e.ref)}): its files changed and cannot be loaded (keeping the current material):\n${errs.format()}`);
      return;
    }
    if (JSON.stringify(value) === JSON.stringify(this.deps.store.current(e.ref))) return;
    e.lastUpdated = new Date(this.deps.clock.wallNow()).toISOString();
    this.deps.log.info(`secret "${e.ref.name}" (${describe(e.ref)}): reloaded from its files`);
    this.deps.store.set(e.ref, value);
  }

  // ---- ADS ----

  /**
   * A Secret response on the ADS stream (state of the world: the secrets it
   * carries; subscribed ones it does not carry are unchanged). All or
   * nothing: one bad secret rejects the response. Returns the NACK text, or
   * undefined when accepted. Called by the xDS client only.
   */
  adsUpdate(version: string, resources: readonly AnyMessage[], removed: readonly string[] = []): string | undefined {
    const errs = new ConfigErrors();
    const decoded: { e: Entry; secret: Secret; value: SecretValue }[] = [];
    const seen = new Set<string>();
    const touched: Entry[] = [];
    resources.forEach((res, i) => {
      const name = SDS.nameOf(res);
      const path = `Secret[${name || i}]`;
      if (seen.has(name)) {
        errs.error(path, `duplicate secret "${name}" in one response`);
        return;
      }
      seen.add(name);
      const e = this.entries.get(secretKey({ name, source: { kind: 'ads' } }));
      if (!e) return; // not asked for (any longer): ignored, as Envoy's mux does
      touched.push(e);
      e.stats.updateAttempt.inc();
      const d = this.decodeOne(res, name, path, errs);
      if (d) decoded.push({ e, ...d });
    });
    if (errs.hasErrors) {
      for (const e of touched) this.reject(e, version, errs);
      return errs.format();
    }
    for (const d of decoded) this.accept(d.e, version, d.secret, d.value);
    for (const name of removed) {
      const e = this.entries.get(secretKey({ name, source: { kind: 'ads' } }));
      if (e && e.state === 'active') {
        this.deps.log.warn(`secret "${name}" (ADS) removed by the server: TLS that needs it fails until it returns`);
        this.accept(e, version, undefined, undefined);
      }
    }
    return undefined;
  }

  /** Names of ads secrets asked for (the xDS client resubscribes them on reconnect). */
  adsNames(): string[] {
    return [...this.entries.values()].filter((e) => e.ref.source.kind === 'ads').map((e) => e.ref.name);
  }

  // ---- claims ----

  /** A claim's provider set a value. */
  private claimedSet(clusterName: string, name: string, value: SecretValue | undefined, version: string): void {
    const ref: SdsRef = { name, source: { kind: 'api', clusterName } };
    const key = secretKey(ref);
    let e = this.entries.get(key);
    if (!e) {
      // Set before anything asked for it: kept, so the first subscriber finds it.
      e = { ref, stats: sdsStats(this.deps.stats, name), state: 'warming', versionInfo: 'uninitialized', lastUpdated: new Date(this.deps.clock.wallNow()).toISOString() };
      this.entries.set(key, e);
    }
    e.stats.updateAttempt.inc();
    this.accept(e, version, value ? secretFromValue(name, value) : undefined, value);
  }
}

function describe(ref: SdsRef): string {
  const s = ref.source;
  return s.kind === 'api' ? `SDS cluster ${s.clusterName}` : s.kind === 'path' ? `file ${s.path}` : s.kind === 'ads' ? 'ADS' : 'static';
}

/** A Secret message for material set in process (config_dump shows it like any other). */
function secretFromValue(name: string, v: SecretValue): Secret {
  if (v.kind === 'tls_certificate') {
    return { name, tls_certificate: { certificate_chain: { inline_string: v.certificate.certChainPem }, private_key: { inline_string: v.certificate.privateKeyPem } } };
  }
  return { name, validation_context: { ...(v.validation.trustedCaPem ? { trusted_ca: { inline_string: v.validation.trustedCaPem } } : {}) } };
}
