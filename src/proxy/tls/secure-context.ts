// node tls.SecureContexts built from a CommonTlsConfig and the current
// secrets, for servers (listeners) and clients (clusters) alike. A context
// is built once and reused for every connection; when a secret it uses
// changes (rotation, arrival, removal) it is rebuilt on the next request for
// it, so new connections get the new certificate while existing connections
// keep the context they were made with.
import crypto from 'node:crypto';
import tls from 'node:tls';
import type { SecretStore } from './secret-store.js';
import { TLS_DEFAULTS } from './tls-defaults.js';
import type { CommonTlsConfig, SdsRef, TlsCertificateMaterial, ValidationMaterial } from './tls-config.js';
import type { TlsSide } from './decode-tls-context.js';
import { validationConsistencyProblems } from './decode-validation-context.js';

export type SecureContextResult =
  | {
      readonly ok: true;
      readonly context: tls.SecureContext;
      /** The validation to apply to the peer (static, SDS, or SDS merged with the combined context's default); undefined: none. */
      readonly validation: ValidationMaterial | undefined;
      /** The certificates served, for %DOWNSTREAM_LOCAL_*% and admin /certs. */
      readonly certificates: readonly TlsCertificateMaterial[];
      /** Bumped at every rebuild (tests, session caches keyed on the context). */
      readonly generation: number;
    }
  | { readonly ok: false; readonly reason: string };

export interface SecureContextOptions {
  /** Server only: session_timeout in seconds (Envoy's default when unset). */
  readonly sessionTimeoutS?: number;
  /** Server only: disable_stateless_session_resumption (no session tickets). */
  readonly disableStatelessSessionResumption?: boolean;
  /** Called after a subscribed secret changed (the next `current()` rebuilds). */
  readonly onSecretChange?: () => void;
}

/**
 * combined_validation_context: Envoy merges the SDS secret into the default
 * context as protobuf MergeFrom does: repeated fields append, set scalars of
 * the secret win.
 */
export function mergeValidation(defaults: ValidationMaterial, fromSecret: ValidationMaterial): ValidationMaterial {
  const trustedCaPem = fromSecret.trustedCaPem ?? defaults.trustedCaPem;
  const crlPem = fromSecret.crlPem ?? defaults.crlPem;
  return {
    ...(trustedCaPem !== undefined ? { trustedCaPem } : {}),
    ...(crlPem !== undefined ? { crlPem } : {}),
    sanMatchers: [...defaults.sanMatchers, ...fromSecret.sanMatchers],
    spkiPins: [...defaults.spkiPins, ...fromSecret.spkiPins],
    hashPins: [...defaults.hashPins, ...fromSecret.hashPins],
    allowExpiredCertificate: fromSecret.allowExpiredCertificate || defaults.allowExpiredCertificate,
    acceptUntrusted: fromSecret.acceptUntrusted || defaults.acceptUntrusted,
    origin: fromSecret.origin,
  };
}

/** 32 hex characters (OpenSSL's maximum is 32 bytes) naming what a session was verified under. */
function sessionIdContext(certificates: readonly TlsCertificateMaterial[], validation: ValidationMaterial | undefined): string {
  const h = crypto.createHash('sha256');
  for (const c of certificates) h.update(c.certChainPem).update('\0');
  if (validation) {
    h.update(validation.trustedCaPem ?? '').update('\0').update(validation.crlPem ?? '').update('\0');
    h.update(JSON.stringify([validation.sanMatchers, validation.spkiPins, validation.hashPins, validation.allowExpiredCertificate, validation.acceptUntrusted]));
  }
  return h.digest('hex').slice(0, 32);
}

/** node's cipher list: the configured (or Envoy's default) TLS 1.2 suites, plus the fixed TLS 1.3 suites. */
export function nodeCipherList(cipherSuites: string | undefined): string {
  return [cipherSuites ?? TLS_DEFAULTS.cipherSuites.join(':'), ...TLS_DEFAULTS.tls13CipherSuites].join(':');
}

function describe(ref: SdsRef): string {
  return `secret "${ref.name}" (${ref.source.kind === 'api' ? `SDS cluster ${ref.source.clusterName}` : ref.source.kind === 'path' ? `file ${ref.source.path}` : ref.source.kind})`;
}

/** The secure context of one TLS config (a filter chain's or a cluster's), kept current with its secrets. */
export class SecureContextSource {
  private cached: SecureContextResult | undefined;
  private lastGood: Extract<SecureContextResult, { ok: true }> | undefined;
  private generation = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    readonly config: CommonTlsConfig,
    private readonly store: SecretStore,
    readonly side: TlsSide,
    private readonly opts: SecureContextOptions = {},
  ) {
    const refs: SdsRef[] = [];
    for (const c of config.certificates) if (c.kind === 'sds') refs.push(c.ref);
    if (config.validation?.kind === 'sds') refs.push(config.validation.ref);
    for (const ref of refs) {
      this.unsubscribe.push(store.subscribe(ref, () => {
        this.cached = undefined;
        this.opts.onSecretChange?.();
      }));
    }
  }

  /** The context for a new connection; a failure names the missing or unusable secret. */
  current(): SecureContextResult {
    if (this.cached) return this.cached;
    const r = this.build();
    if (r.ok) this.lastGood = r;
    // A context that cannot be rebuilt from new material (node refuses it)
    // keeps serving the last good one; a secret that is gone or not yet here
    // is a failure, never a context without it.
    this.cached = !r.ok && this.lastGood && r.reason.startsWith('cannot build') ? this.lastGood : r;
    return this.cached;
  }

  /** Stops listening to secret changes (the listener or cluster went away). */
  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private build(): SecureContextResult {
    const certificates: TlsCertificateMaterial[] = [];
    for (const c of this.config.certificates) {
      if (c.kind === 'static') {
        certificates.push(c.material);
        continue;
      }
      const v = this.store.current(c.ref);
      if (!v) return { ok: false, reason: `${describe(c.ref)} is not ready` };
      if (v.kind !== 'tls_certificate') return { ok: false, reason: `${describe(c.ref)} is a validation context, not a TLS certificate` };
      certificates.push(v.certificate);
    }
    let validation: ValidationMaterial | undefined;
    const vs = this.config.validation;
    if (vs?.kind === 'static') validation = vs.material;
    else if (vs?.kind === 'sds') {
      const v = this.store.current(vs.ref);
      if (!v) return { ok: false, reason: `${describe(vs.ref)} is not ready` };
      if (v.kind !== 'validation_context') return { ok: false, reason: `${describe(vs.ref)} is a TLS certificate, not a validation context` };
      validation = vs.defaults ? mergeValidation(vs.defaults, v.validation) : v.validation;
      const problems = validationConsistencyProblems(validation);
      if (problems.length) return { ok: false, reason: `${describe(vs.ref)}: ${problems.join('; ')}` };
    }
    const c = this.config;
    const options: tls.SecureContextOptions = {
      minVersion: c.minVersion,
      maxVersion: c.maxVersion,
      ciphers: nodeCipherList(c.cipherSuites),
      ecdhCurve: c.ecdhCurves ?? TLS_DEFAULTS.ecdhCurves,
      ...(certificates.length ? { cert: certificates.map((m) => m.certChainPem), key: certificates.map((m) => m.privateKeyPem) } : {}),
      ...(validation?.trustedCaPem !== undefined ? { ca: validation.trustedCaPem } : {}),
      ...(validation?.crlPem !== undefined ? { crl: validation.crlPem } : {}),
    };
    if (this.side === 'server') {
      options.sessionTimeout = this.opts.sessionTimeoutS ?? TLS_DEFAULTS.sessionTimeoutS;
      // Envoy's server contexts prefer their own cipher order (SSL_OP_CIPHER_SERVER_PREFERENCE).
      options.honorCipherOrder = true;
      if (this.opts.disableStatelessSessionResumption) options.secureOptions = crypto.constants.SSL_OP_NO_TICKET;
      // Sessions resume only under the same certificates and validation, as
      // Envoy's per-context session ID context. Without one, OpenSSL refuses a
      // resumed session with internal_error when client certificates are asked for.
      options.sessionIdContext = sessionIdContext(certificates, validation);
    }
    try {
      const context = tls.createSecureContext(options);
      return { ok: true, context, validation, certificates, generation: ++this.generation };
    } catch (e) {
      return { ok: false, reason: `cannot build the TLS context: ${(e as Error).message}` };
    }
  }
}
