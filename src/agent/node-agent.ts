// The node agent (istio-agent's job inside the sidecar): the workload's own
// ECDSA P-256 key, made in this process and never sent anywhere; a CSR for
// its SPIFFE identity; the CA's chain; rotation at half the lifetime with
// jitter; retries with back-off while the CA is down. The certificate and
// the trust bundle are handed to the proxy's secret store under Istio's SDS
// names (`default`, `ROOTCA`, from the `sds-grpc` cluster), so TLS contexts
// built from Istio's config find them.
//
// The certificate in place stays until its replacement is in place: a CA
// outage costs nothing until the certificate actually expires. Expiry with
// no replacement is a state of its own (logged, counted, `weft_agent_cert_valid`
// 0, the expired certificate kept): peers refuse it, traffic never falls
// back to plaintext.
import { createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { setLongTimer, systemClock, type Clock, type TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import { decodeCertificate } from '../control/ca/certificate-info.js';
import { buildCsr } from '../control/ca/csr-builder.js';
import { pemDecodeAll, splitPemCertificates } from '../control/ca/pem.js';
import { spiffeId, type WorkloadIdentity } from '../control/ca/workload-identity.js';
import { ISTIO_TLS } from '../control/translate/istio-tls.js';
import type { SecretValue } from '../proxy/tls/secret-store.js';
import type { SdsRef } from '../proxy/tls/tls-config.js';
import type { StatsStore } from '../stats/index.js';
import { AGENT_DEFAULTS } from './agent-defaults.js';
import { AgentStats } from './agent-stats.js';
import { CaCallError, CaClient } from './ca-client.js';

/** Where the agent puts its secrets: the proxy claims Istio's sds-grpc cluster for it (ProxyServer.startNodeAgent). */
export interface SecretSink {
  set(ref: SdsRef, value: SecretValue | undefined): void;
}

export interface NodeAgentOptions {
  identity: WorkloadIdentity;
  trustDomain: string;
  /** CA host:port (CA_ADDR). */
  caAddress: string;
  /** Name on the CA server's certificate (default istiod.istio-system.svc). */
  caServerName?: string;
  /** PEM file with the mesh roots: verifies the CA server, and is served as ROOTCA. Re-read on every CSR. */
  rootCertFile: string;
  /** File holding the bearer token for the CA. */
  tokenFile: string;
  certTtlMs?: number;
  gracePeriodRatio?: number;
  gracePeriodJitterRatio?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  callTimeoutMs?: number;
  secrets: SecretSink;
  stats: StatsStore;
  log: Logger;
  clock?: Clock;
  random?: () => number;
}

/** What went wrong last, with a stable code. */
export type AgentErrorCode = CaCallError['code'] | 'ROOT_UNREADABLE' | 'INTERNAL';

export type AgentEvent =
  | { readonly kind: 'issued'; readonly serial: string; readonly rotation: boolean }
  | { readonly kind: 'failed'; readonly code: AgentErrorCode; readonly message: string }
  | { readonly kind: 'expired'; readonly serial: string };

/** The agent's state, for the sidecar's admin (/weft/agent) and `weft status`. */
export interface AgentStatus {
  identity: string;
  /** PENDING (no certificate yet), VALID, EXPIRED (expired with no replacement). */
  state: 'PENDING' | 'VALID' | 'EXPIRED';
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  nextRotation?: string;
  /** Roots served as ROOTCA. */
  roots: number;
  /** Failed calls since the last success. */
  consecutiveFailures: number;
  lastError?: { code: AgentErrorCode; message: string; at: string };
  caAddress: string;
}

interface Current {
  serial: string;
  notBefore: number;
  notAfter: number;
  rotateAt: number;
  expired: boolean;
}

/** The SdsRef of one of the agent's secrets. */
export function agentSecretRef(name: string): SdsRef {
  return { name, source: { kind: 'api', clusterName: ISTIO_TLS.sdsCluster } };
}

export class NodeAgent {
  readonly stats: AgentStats;
  readonly spiffeId: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly client: CaClient;
  private current: Current | undefined;
  private roots: string[] = [];
  /** The root file's text when ROOTCA was last built, and the root the chain ended at. */
  private rootsText = '';
  private chainRoot = '';
  private failures = 0;
  private lastError: AgentStatus['lastError'];
  private inFlight = false;
  private stopped = false;
  private rotateTimer: TimerHandle | undefined;
  private expiryTimer: TimerHandle | undefined;
  private gaugeTimer: TimerHandle | undefined;
  private readonly listeners = new Set<(e: AgentEvent) => void>();

  constructor(private readonly o: NodeAgentOptions) {
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? Math.random;
    this.stats = new AgentStats(o.stats);
    this.spiffeId = spiffeId(o.trustDomain, o.identity);
    this.client = new CaClient({
      address: o.caAddress,
      serverName: o.caServerName ?? AGENT_DEFAULTS.caServerName,
      tokenFile: o.tokenFile,
      callTimeoutMs: o.callTimeoutMs ?? AGENT_DEFAULTS.callTimeoutMs,
    });
  }

  /** Asks for the first certificate now; rotation and retries follow by themselves. */
  start(): void {
    this.o.log.info(`node agent: requesting a certificate for ${this.spiffeId} from ${this.o.caAddress}`);
    this.refreshGauge();
    void this.request();
  }

  /** Stops timers; a call in flight finishes but its answer is dropped. Secrets stay as they are. */
  stop(): void {
    this.stopped = true;
    this.rotateTimer?.cancel();
    this.expiryTimer?.cancel();
    this.gaugeTimer?.cancel();
  }

  /** Calls `listener` after every issuance, failure and expiry; returns the unsubscribe function. */
  onEvent(listener: (e: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): AgentStatus {
    const c = this.current;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      identity: this.spiffeId,
      state: !c ? 'PENDING' : c.expired ? 'EXPIRED' : 'VALID',
      ...(c ? { serial: c.serial, notBefore: iso(c.notBefore), notAfter: iso(c.notAfter), nextRotation: iso(c.rotateAt) } : {}),
      roots: this.roots.length,
      consecutiveFailures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      caAddress: this.o.caAddress,
    };
  }

  /** One CSR round: new key, CSR, call, checks, then the secrets. Failures schedule a retry. */
  private async request(): Promise<void> {
    if (this.inFlight || this.stopped) return;
    this.inFlight = true;
    const s = this.stats;
    s.csrRequests.inc();
    if (this.failures > 0) s.csrRetries.inc();
    try {
      let rootsText: string;
      try {
        rootsText = fs.readFileSync(this.o.rootCertFile, 'utf8');
        if (pemDecodeAll(rootsText, 'CERTIFICATE').length === 0) throw new Error('no PEM certificate in it');
      } catch (e) {
        throw new AgentFailure('ROOT_UNREADABLE', `root certificate file ${this.o.rootCertFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      // A new key per certificate, as istio-agent does: a rotated certificate never reuses a key.
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const csr = buildCsr(privateKey, { uris: [this.spiffeId] });
      const ttlMs = this.o.certTtlMs ?? AGENT_DEFAULTS.certTtlMs;
      const chain = await this.client.createCertificate(csr, Math.round(ttlMs / 1000), rootsText);
      if (this.stopped) return;
      this.install(chain, privateKey, rootsText);
    } catch (e) {
      if (this.stopped) return;
      const code: AgentErrorCode = e instanceof CaCallError || e instanceof AgentFailure ? e.code : 'INTERNAL';
      const message = (e as Error).message;
      this.failures++;
      s.csrFailures.inc();
      this.lastError = { code, message, at: new Date(this.clock.wallNow()).toISOString() };
      const delay = this.retryDelay();
      const keeps = this.current && !this.current.expired ? `; the certificate in place (serial ${this.current.serial}) keeps serving until ${new Date(this.current.notAfter).toISOString()}` : '';
      this.o.log.warn(`node agent: certificate request failed (${code}: ${message}); retry ${this.failures} in ${Math.round(delay)} ms${keeps}`);
      this.rotateTimer?.cancel();
      this.rotateTimer = this.clock.setTimer(delay, () => void this.request());
      this.emit({ kind: 'failed', code, message });
    } finally {
      this.inFlight = false;
    }
  }

  /** Checks the chain is for this key and identity, then replaces the secrets and schedules the next rotation. */
  private install(chain: string[], key: KeyObject, rootsText: string): void {
    const leafPem = chain[0]!;
    let leaf: ReturnType<typeof decodeCertificate>;
    try {
      leaf = decodeCertificate(pemDecodeAll(leafPem, 'CERTIFICATE')[0]!);
      const x = new X509Certificate(leafPem);
      const mine = createPublicKey(key).export({ type: 'spki', format: 'der' });
      if (!leaf.spki.equals(mine)) throw new Error('the leaf is not for this key');
      if (leaf.uriSans.length !== 1 || leaf.uriSans[0] !== this.spiffeId) throw new Error(`the leaf names ${leaf.uriSans.join(', ') || 'no URI'}, not ${this.spiffeId}`);
      if (!x.verify(new X509Certificate(chain[1]!).publicKey)) throw new Error('the leaf is not signed by the next certificate of the chain');
    } catch (e) {
      throw new CaCallError('CHAIN_INVALID', (e as Error).message);
    }
    // ROOTCA: every root of the file (old and new during a root rotation), plus the root the chain ends at.
    this.chainRoot = chain[chain.length - 1]!;
    const rotation = this.current !== undefined;
    const now = this.clock.wallNow();
    const lifetime = Math.max(0, leaf.notAfter - now);
    const ratio = this.o.gracePeriodRatio ?? AGENT_DEFAULTS.gracePeriodRatio;
    const jitterRatio = this.o.gracePeriodJitterRatio ?? AGENT_DEFAULTS.gracePeriodJitterRatio;
    const jitter = (this.random() * 2 - 1) * jitterRatio;
    const grace = lifetime * Math.min(1, Math.max(0, ratio + jitter));
    const rotateAt = leaf.notAfter - grace;
    this.current = { serial: leaf.serialHex, notBefore: leaf.notBefore, notAfter: leaf.notAfter, rotateAt, expired: false };
    this.failures = 0;
    this.lastError = undefined;
    const privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
    this.publishRoots(rootsText);
    this.o.secrets.set(agentSecretRef(ISTIO_TLS.workloadCertSecret), {
      kind: 'tls_certificate',
      certificate: { certChainPem: chain.join(''), privateKeyPem, origin: `sds:${ISTIO_TLS.workloadCertSecret}` },
    });
    const s = this.stats;
    s.issued.inc();
    if (rotation) s.rotations.inc();
    s.expiryTimestamp.set(Math.floor(leaf.notAfter / 1000));
    s.valid.set(1);
    this.refreshGauge();
    this.o.log.info(`node agent: ${rotation ? 'rotated to' : 'got'} certificate serial ${leaf.serialHex} for ${this.spiffeId}, valid until ${new Date(leaf.notAfter).toISOString()}; next rotation at ${new Date(rotateAt).toISOString()}`);
    this.rotateTimer?.cancel();
    // Long lifetimes (up to 90 days) exceed a Node timer's range: step through it.
    this.rotateTimer = setLongTimer(this.clock, rotateAt - now, () => void this.request());
    this.expiryTimer?.cancel();
    this.expiryTimer = setLongTimer(this.clock, leaf.notAfter - now, () => this.onExpiry(leaf.serialHex));
    this.emit({ kind: 'issued', serial: leaf.serialHex, rotation });
  }

  private onExpiry(serial: string): void {
    const c = this.current;
    if (!c || c.serial !== serial || this.stopped) return;
    c.expired = true;
    this.stats.expired.inc();
    this.stats.valid.set(0);
    this.refreshGauge();
    this.o.log.error(`node agent: certificate serial ${serial} for ${this.spiffeId} EXPIRED with no replacement (${this.lastError ? `last error ${this.lastError.code}: ${this.lastError.message}` : 'no answer yet'}); mTLS peers refuse it until the CA answers`);
    this.emit({ kind: 'expired', serial });
  }

  /**
   * Exponential back-off with ±10 % jitter, capped; and, while a valid
   * certificate is in place, never more than half of its remaining lifetime
   * (but not under the first delay): a back-off that ran past notAfter would
   * let the certificate expire although the CA came back in time, which
   * short lifetimes (`weft up --cert-ttl 10s`) would hit at the second retry.
   */
  private retryDelay(): number {
    const initial = this.o.retryInitialMs ?? AGENT_DEFAULTS.retryInitialMs;
    const max = this.o.retryMaxMs ?? AGENT_DEFAULTS.retryMaxMs;
    let base = Math.min(max, initial * 2 ** Math.min(30, this.failures - 1));
    const c = this.current;
    if (c && !c.expired) base = Math.min(base, Math.max(initial, (c.notAfter - this.clock.wallNow()) / 2));
    return base * (0.9 + 0.2 * this.random());
  }

  /**
   * ROOTCA: every root of the file (old and new during a root rotation) plus
   * the root the chain ends at, deduplicated.
   */
  private publishRoots(rootsText: string): void {
    this.rootsText = rootsText;
    this.roots = [...new Set([...splitPemCertificates(rootsText), ...splitPemCertificates(this.chainRoot)])];
    this.o.secrets.set(agentSecretRef(ISTIO_TLS.rootCaSecret), {
      kind: 'validation_context',
      validation: { trustedCaPem: this.roots.join(''), sanMatchers: [], spkiPins: [], hashPins: [], allowExpiredCertificate: false, acceptUntrusted: false, origin: `sds:${ISTIO_TLS.rootCaSecret}` },
    });
  }

  /**
   * A root added to the file (the CA's root rotation: a new root is trusted
   * before it signs) reaches ROOTCA within one refresh period, not only at
   * the next certificate. An unreadable or empty file changes nothing.
   */
  private checkRootFile(): void {
    if (!this.current) return;
    let text: string;
    try {
      text = fs.readFileSync(this.o.rootCertFile, 'utf8');
      if (text === this.rootsText || pemDecodeAll(text, 'CERTIFICATE').length === 0) return;
    } catch {
      return;
    }
    this.publishRoots(text);
    this.o.log.info(`node agent: trust bundle changed in ${this.o.rootCertFile}; ROOTCA now holds ${this.roots.length} roots`);
  }

  /**
   * Every refresh period: istio_agent_cert_expiry_seconds (Istio derives it
   * at scrape time) and the root file.
   */
  private refreshGauge(): void {
    const c = this.current;
    if (c) this.stats.expirySeconds.set(Math.floor((c.notAfter - this.clock.wallNow()) / 1000));
    this.checkRootFile();
    this.gaugeTimer?.cancel();
    if (!this.stopped) this.gaugeTimer = this.clock.setTimer(AGENT_DEFAULTS.expiryGaugeRefreshMs, () => this.refreshGauge());
  }

  private emit(e: AgentEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

class AgentFailure extends Error {
  constructor(readonly code: AgentErrorCode, message: string) {
    super(message);
  }
}
