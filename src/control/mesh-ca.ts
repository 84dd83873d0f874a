// The CA as the control plane runs it (istiod's Citadel): the certificate
// authority from a folder (a self-signed root generated at first start and
// kept there, or Istio's plugged-in `cacerts` layout when that is what the
// folder holds), the token registry that authenticates workloads, and the
// certificate API over TLS on Istio's port 15012. Restarts read the same
// folder, so workloads keep trusting the same root.
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import { StatsStore } from '../stats/index.js';
import { CaServer, CertificateAuthority, PLUGGED_FILES, TokenRegistry, type CaSource, type TokenAuthenticator } from './ca/index.js';

export interface MeshCaOptions {
  /** The CA's folder: Istio's cacerts files (plugged) or where the self-signed root is kept. */
  dir: string;
  /** host:port the certificate API binds (port 0 picks one). */
  address: string;
  trustDomain?: string;
  /** Default and maximum workload certificate lifetimes (Istio's DEFAULT_WORKLOAD_CERT_TTL, MAX_WORKLOAD_CERT_TTL). */
  defaultCertTtlMs?: number;
  maxCertTtlMs?: number;
  /**
   * Operator-provisioned tokens: each file `<dir>/<namespace>/<service-account>`
   * holds a token for that identity, read at start.
   */
  tokenDir?: string;
  /** Asked for tokens not in the registry: Kubernetes mode's TokenReview authenticator. */
  reviewer?: TokenAuthenticator;
  stats: StatsStore;
  log: Logger;
  clock?: Clock;
}

/** Istio's layout decides: a folder with root-cert.pem and cert-chain.pem is a plugged-in CA. */
export function caSourceFor(dir: string): CaSource {
  const plugged = fs.existsSync(path.join(dir, PLUGGED_FILES.rootCert)) && fs.existsSync(path.join(dir, PLUGGED_FILES.certChain));
  return { kind: plugged ? 'plugged' : 'self-signed', dir };
}

export class MeshCa {
  readonly ca: CertificateAuthority;
  readonly tokens = new TokenRegistry();
  readonly source: CaSource;
  port = 0;
  private current: CaServer;
  /** False while the certificate API is stopped (stopServing) and not yet back. */
  serving = false;
  private readonly unsubscribes: (() => void)[] = [];

  /** Opens the CA (throws CaError with every problem of the folder) and reads provisioned tokens. */
  constructor(private readonly o: MeshCaOptions) {
    this.source = caSourceFor(o.dir);
    this.ca = CertificateAuthority.open(this.source, {
      ...(o.trustDomain ? { trustDomain: o.trustDomain } : {}),
      ...(o.defaultCertTtlMs ? { defaultCertTtlMs: o.defaultCertTtlMs } : {}),
      ...(o.maxCertTtlMs ? { maxCertTtlMs: o.maxCertTtlMs } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    });
    if (o.tokenDir) this.loadTokens(o.tokenDir);
    this.current = this.newServer();
  }

  /** The certificate API server in use (a new one after each resumeServing). */
  get server(): CaServer {
    return this.current;
  }

  async start(): Promise<number> {
    this.port = await this.current.listen(this.o.address);
    this.serving = true;
    this.o.log.info(`CA (${this.source.kind}, ${this.o.dir}) serving istio.v1.auth.IstioCertificateService on port ${this.port}`);
    return this.port;
  }

  /**
   * Stops the certificate API (its port closes; the CA, its roots and the
   * tokens stay): what a workload sees when istiod restarts. A fault to
   * inject from the control plane's debug server (POST /debug/ca/stop),
   * so `weft up` can show that sidecars ride out a CA outage.
   */
  async stopServing(): Promise<void> {
    if (!this.serving) return;
    this.serving = false;
    await this.current.close(1_000);
    this.o.log.warn(`CA: certificate API on port ${this.port} stopped; workloads keep their certificates and retry`);
  }

  /** Serves the certificate API again on the same port (agents were given that address). */
  async resumeServing(): Promise<void> {
    if (this.serving) return;
    const host = this.o.address.slice(0, this.o.address.lastIndexOf(':')) || '127.0.0.1';
    const next = this.newServer();
    await next.listen(`${host}:${this.port}`);
    this.current = next;
    this.serving = true;
    this.o.log.info(`CA: certificate API serving again on port ${this.port}`);
  }

  private newServer(): CaServer {
    const o = this.o;
    return new CaServer({ ca: this.ca, tokens: this.tokens, ...(o.reviewer ? { reviewer: o.reviewer } : {}), stats: o.stats, log: o.log, ...(o.clock ? { clock: o.clock } : {}) });
  }

  /** The trust bundle as one PEM text (every root during a root rotation). */
  rootsPem(): string {
    return this.ca.trustBundle.current.roots.join('');
  }

  /**
   * Writes the trust bundle to `file` now and again on every change (written
   * to a temporary name and renamed, so a reader never sees half a file):
   * what sidecars are given as their root certificate file.
   */
  publishRoots(file: string): void {
    const write = () => {
      const tmp = `${file}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, this.rootsPem(), { mode: 0o644 });
      fs.renameSync(tmp, file);
    };
    write();
    this.unsubscribes.push(this.ca.trustBundle.onChange(write));
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribes.splice(0)) u();
    const wasServing = this.serving;
    this.serving = false;
    if (wasServing) await this.current.close(1_000);
  }

  private loadTokens(dir: string): void {
    let n = 0;
    for (const ns of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!ns.isDirectory()) continue;
      for (const sa of fs.readdirSync(path.join(dir, ns.name), { withFileTypes: true })) {
        if (!sa.isFile()) continue;
        const token = fs.readFileSync(path.join(dir, ns.name, sa.name), 'utf8').trim();
        this.tokens.register(token, { namespace: ns.name, serviceAccount: sa.name });
        n++;
      }
    }
    this.o.log.info(`CA: ${n} workload token${n === 1 ? '' : 's'} from ${dir}`);
  }
}
