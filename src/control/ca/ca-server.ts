// The CA's gRPC server over TLS (Istio serves it on 15012). Its own serving
// certificate is issued by the CA at start and renewed at half its lifetime
// through a grpc-js certificate provider, so long runs never serve an expired
// certificate and clients verify it against the trust bundle.
import * as grpc from '@grpc/grpc-js';
import { systemClock, type Clock, type TimerHandle } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { CertificateService, certificateServiceDefinition } from './certificate-service.js';
import { CitadelStats } from './citadel-stats.js';
import { CA_DEFAULTS } from './defaults.js';
import type { TokenAuthenticator } from './authenticator.js';
import type { TokenRegistry } from './token-registry.js';

type IdentityUpdate = { certificate: Buffer; privateKey: Buffer };
type IdentityListener = (update: IdentityUpdate | null) => void;

/** grpc-js CertificateProvider that hands out the CA-issued serving certificate and pushes renewals. */
class ServingCertificateProvider {
  private latest: IdentityUpdate | null = null;
  private readonly listeners = new Set<IdentityListener>();

  set(update: IdentityUpdate): void {
    this.latest = update;
    for (const l of this.listeners) l(update);
  }

  addIdentityCertificateListener(l: IdentityListener): void {
    this.listeners.add(l);
    // later, not now: grpc-js registers its own watcher only after this call returns
    const latest = this.latest;
    if (latest) queueMicrotask(() => { if (this.listeners.has(l)) l(latest); });
  }

  removeIdentityCertificateListener(l: IdentityListener): void {
    this.listeners.delete(l);
  }

  addCaCertificateListener(): void {}
  removeCaCertificateListener(): void {}
}

export interface CaServerOptions {
  ca: CertificateAuthority;
  tokens: TokenRegistry;
  /** Asked for tokens `tokens` does not know (Kubernetes mode: TokenReview). */
  reviewer?: TokenAuthenticator;
  /** Where the citadel_server_* counters go; a private store when unset. */
  stats?: StatsStore;
  /** Names on the serving certificate. */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  /** Lifetime of the serving certificate; renewed at half of it. */
  servingCertTtlMs?: number;
  clock?: Clock;
  log?: Logger;
}

export class CaServer {
  readonly grpc: grpc.Server;
  readonly stats: CitadelStats;
  private readonly provider = new ServingCertificateProvider();
  private readonly clock: Clock;
  private renewal: TimerHandle | undefined;
  private closed = false;
  /** notAfter of the serving certificate in use (wall-clock ms). */
  servingCertNotAfter = 0;

  constructor(private readonly options: CaServerOptions) {
    this.clock = options.clock ?? systemClock;
    this.stats = new CitadelStats(options.stats ?? new StatsStore());
    this.grpc = new grpc.Server();
    const service = new CertificateService({ ca: options.ca, tokens: options.tokens, ...(options.reviewer ? { reviewer: options.reviewer } : {}), stats: this.stats, log: options.log });
    this.grpc.addService(certificateServiceDefinition(), service.handlers());
    this.refreshRootCertExpiry();
  }

  /** Sets citadel_server_root_cert_expiry_timestamp from the signing root (it changes on a root rotation; the owner calls this before a scrape). */
  refreshRootCertExpiry(): void {
    const signing = this.options.ca.rootStatus().find((r) => r.signing);
    if (signing) this.stats.rootCertExpiry.set(Math.floor(signing.notAfter / 1000));
  }

  /** Issues (again) the serving certificate and schedules the next renewal at half its lifetime. */
  renewServingCertificate(): void {
    const ttl = this.options.servingCertTtlMs ?? CA_DEFAULTS.serverCertTtlMs;
    const issued = this.options.ca.issueServingCertificate({
      dnsNames: this.options.dnsNames ?? CA_DEFAULTS.serverDnsNames,
      ipAddresses: this.options.ipAddresses ?? CA_DEFAULTS.serverIpAddresses,
    }, ttl);
    this.servingCertNotAfter = issued.notAfter;
    this.provider.set({ certificate: Buffer.from(issued.certChainPem), privateKey: Buffer.from(issued.keyPem) });
    this.renewal?.cancel();
    if (!this.closed) {
      const halfLife = Math.max(1000, (issued.notAfter - this.clock.wallNow()) / 2);
      this.renewal = this.clock.setTimer(halfLife, () => this.renewServingCertificate());
    }
  }

  /** Binds `address` (default loopback, a free port) with TLS; returns the port. */
  listen(address = '127.0.0.1:0'): Promise<number> {
    this.renewServingCertificate();
    const creds = grpc.experimental.createCertificateProviderServerCredentials(
      this.provider as unknown as grpc.experimental.CertificateProvider, null, false);
    return new Promise((resolve, reject) => {
      this.grpc.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  /** Stops accepting calls; calls in flight get `graceMs` to finish before connections are cut. */
  close(graceMs = 5_000): Promise<void> {
    this.closed = true;
    this.renewal?.cancel();
    return new Promise((resolve) => {
      // a real timer on purpose: a manual test clock must not keep a server open
      const force = setTimeout(() => this.grpc.forceShutdown(), graceMs);
      force.unref();
      this.grpc.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
