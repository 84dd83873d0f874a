// The client side of envoy.transport_sockets.tls (UpstreamTlsContext): one
// provider per cluster transport socket (the cluster's, or a
// transport_socket_matches entry's). It holds the secret subscriptions,
// builds the secure context from the current material when it changes (so a
// rotated client certificate is used from the next connection on), keeps up
// to max_session_keys sessions for resumption, and checks the server after
// the handshake as Envoy's default certificate validator does.
import crypto from 'node:crypto';
import tls from 'node:tls';
import type { ClientTlsOptions, ClientTlsProvider, ClientVerifyFailure } from './client-tls.js';
import type { SecretStore } from './secret-store.js';
import type { SanMatcher, SdsRef, TlsCertificateMaterial, UpstreamTlsConfig, ValidationMaterial } from './tls-config.js';

export interface ClientTlsProviderOptions {
  readonly secrets: SecretStore;
  /** `cluster.<name>.ssl.` */
  readonly statPrefix: string;
  /** upstream_http_protocol_options.auto_san_validation: the SNI from auto_sni is the only SAN accepted. */
  readonly autoSanValidation: boolean;
}

/** BoringSSL's CERTIFICATE_VERIFY_FAILED, as Envoy prints it in transport failure reasons. */
const VERIFY_FAILED = 'TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED';

function verifyFailure(stat: string, detail: string): ClientVerifyFailure {
  return { stat, reason: `${VERIFY_FAILED}:verify cert failed: ${detail}:TLS_error_end` };
}

/** What the context is built from; compared by identity to know when to rebuild. */
interface Material {
  readonly certificate: TlsCertificateMaterial | undefined;
  readonly validation: ValidationMaterial | undefined;
}

export function createClientTlsProvider(cfg: UpstreamTlsConfig, opts: ClientTlsProviderOptions): ClientTlsProvider {
  return new UpstreamTlsProvider(cfg, opts);
}

class UpstreamTlsProvider implements ClientTlsProvider {
  readonly statPrefix: string;
  private readonly unsubscribe: (() => void)[] = [];
  private built: { material: Material; context: tls.SecureContext } | undefined;
  private buildError: { material: Material; reason: string } | undefined;
  /** Recent sessions per server name, newest last (max_session_keys). */
  private readonly sessions = new Map<string, Buffer[]>();

  constructor(private readonly cfg: UpstreamTlsConfig, private readonly opts: ClientTlsProviderOptions) {
    this.statPrefix = opts.statPrefix;
    // Subscribing starts SDS fetches; a change needs no action here, as the
    // material is read (and compared) for every new connection.
    for (const ref of this.sdsRefs()) this.unsubscribe.push(opts.secrets.subscribe(ref, () => undefined));
  }

  private sdsRefs(): SdsRef[] {
    const c = this.cfg.common;
    const refs: SdsRef[] = [];
    for (const s of c.certificates) if (s.kind === 'sds') refs.push(s.ref);
    if (c.validation?.kind === 'sds') refs.push(c.validation.ref);
    return refs;
  }

  /** The current material, or why it is not there. */
  private material(): Material | string {
    const c = this.cfg.common;
    let certificate: TlsCertificateMaterial | undefined;
    // A client presents one certificate: the first configured.
    const src = c.certificates[0];
    if (src?.kind === 'static') certificate = src.material;
    else if (src?.kind === 'sds') {
      const v = this.opts.secrets.current(src.ref);
      if (!v) return `secret "${src.ref.name}" is not ready`;
      if (v.kind !== 'tls_certificate') return `secret "${src.ref.name}" is not a tls_certificate`;
      certificate = v.certificate;
    }
    let validation: ValidationMaterial | undefined;
    const vs = c.validation;
    if (vs?.kind === 'static') validation = vs.material;
    else if (vs?.kind === 'sds') {
      const v = this.opts.secrets.current(vs.ref);
      if (!v) return `secret "${vs.ref.name}" is not ready`;
      if (v.kind !== 'validation_context') return `secret "${vs.ref.name}" is not a validation_context`;
      validation = vs.defaults ? combineValidation(vs.defaults, v.validation) : v.validation;
    }
    const prev = this.built?.material;
    // Same objects as last time: keep the identity so the context is reused.
    if (prev && prev.certificate === certificate && sameValidation(prev.validation, validation)) return prev;
    return { certificate, validation };
  }

  private context(m: Material): tls.SecureContext | string {
    if (this.built?.material === m) return this.built.context;
    if (this.buildError?.material === m) return this.buildError.reason;
    const c = this.cfg.common;
    try {
      const context = tls.createSecureContext({
        minVersion: c.minVersion,
        maxVersion: c.maxVersion,
        ...(c.cipherSuites ? { ciphers: c.cipherSuites } : {}),
        ...(c.ecdhCurves ? { ecdhCurve: c.ecdhCurves } : {}),
        ...(m.certificate ? { cert: m.certificate.certChainPem, key: m.certificate.privateKeyPem } : {}),
        ...(m.validation?.trustedCaPem ? { ca: m.validation.trustedCaPem } : {}),
        ...(m.validation?.crlPem ? { crl: m.validation.crlPem } : {}),
      });
      this.built = { material: m, context };
      // Sessions of the old context may name a certificate no longer presented.
      this.sessions.clear();
      return context;
    } catch (e) {
      const reason = `TLS context cannot be built: ${(e as Error).message}`;
      this.buildError = { material: m, reason };
      return reason;
    }
  }

  connectOptions(
    host: { readonly address: string; readonly hostname: string },
    overrides?: { readonly serverName?: string; readonly alpnFallback?: readonly string[] },
  ): ClientTlsOptions {
    const m = this.material();
    if (typeof m === 'string') return { ok: false, reason: m };
    const context = this.context(m);
    if (typeof context === 'string') return { ok: false, reason: context };
    const c = this.cfg.common;
    const servername = overrides?.serverName || this.cfg.sni;
    const alpn = c.alpnProtocols.length ? c.alpnProtocols : overrides?.alpnFallback ?? [];
    const sessionKey = servername || host.address;
    const session = this.cfg.maxSessionKeys > 0 ? this.sessions.get(sessionKey)?.at(-1) : undefined;
    const sanOverride = this.opts.autoSanValidation && overrides?.serverName ? overrides.serverName : undefined;
    const options: tls.ConnectionOptions = {
      secureContext: context,
      // Envoy sends SNI only when configured (sni or auto_sni); node would send the host otherwise.
      servername: servername || '',
      // Envoy's validator runs below (verify), with Envoy's rules, not node's hostname check.
      rejectUnauthorized: false,
      minVersion: c.minVersion,
      maxVersion: c.maxVersion,
      ...(alpn.length ? { ALPNProtocols: [...alpn] } : {}),
      ...(session ? { session } : {}),
    };
    return {
      ok: true,
      options,
      verify: (socket) => {
        if (this.cfg.maxSessionKeys > 0) socket.once('session', (s: Buffer) => this.keepSession(sessionKey, s));
        return verifyServer(socket, m.validation, sanOverride);
      },
    };
  }

  private keepSession(key: string, s: Buffer): void {
    let list = this.sessions.get(key);
    if (!list) this.sessions.set(key, (list = []));
    list.push(s);
    while (list.length > this.cfg.maxSessionKeys) list.shift();
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.sessions.clear();
    this.built = undefined;
  }
}

function sameValidation(a: ValidationMaterial | undefined, b: ValidationMaterial | undefined): boolean {
  if (a === b) return true;
  // combined_validation_context builds a new object per read: compare what it is made of.
  return !!a && !!b && a.trustedCaPem === b.trustedCaPem && a.crlPem === b.crlPem && a.sanMatchers === b.sanMatchers && a.origin === b.origin;
}

/** combined_validation_context: Envoy merges the SDS context into the default one (repeated fields append, set fields win). */
const combinedCache = new WeakMap<ValidationMaterial, WeakMap<ValidationMaterial, ValidationMaterial>>();
function combineValidation(defaults: ValidationMaterial, dynamic: ValidationMaterial): ValidationMaterial {
  let inner = combinedCache.get(defaults);
  if (!inner) combinedCache.set(defaults, (inner = new WeakMap()));
  let out = inner.get(dynamic);
  if (!out) {
    const trustedCaPem = dynamic.trustedCaPem ?? defaults.trustedCaPem;
    const crlPem = dynamic.crlPem ?? defaults.crlPem;
    out = {
      ...(trustedCaPem !== undefined ? { trustedCaPem } : {}),
      ...(crlPem !== undefined ? { crlPem } : {}),
      sanMatchers: [...defaults.sanMatchers, ...dynamic.sanMatchers],
      spkiPins: [...defaults.spkiPins, ...dynamic.spkiPins],
      hashPins: [...defaults.hashPins, ...dynamic.hashPins],
      allowExpiredCertificate: dynamic.allowExpiredCertificate || defaults.allowExpiredCertificate,
      acceptUntrusted: dynamic.acceptUntrusted || defaults.acceptUntrusted,
      origin: dynamic.origin,
    };
    inner.set(dynamic, out);
  }
  return out;
}

/** Node's subjectaltname string ("DNS:a, URI:spiffe://…, IP Address:1.2.3.4") as typed entries. */
export function parseSubjectAltNames(san: string | undefined): { type: SanMatcher['type']; value: string }[] {
  if (!san) return [];
  const out: { type: SanMatcher['type']; value: string }[] = [];
  for (const part of san.split(', ')) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const kind = part.slice(0, i);
    const value = part.slice(i + 1);
    const type = kind === 'DNS' ? 'DNS' : kind === 'URI' ? 'URI' : kind === 'IP Address' ? 'IP_ADDRESS' : kind === 'email' ? 'EMAIL' : undefined;
    if (type) out.push({ type, value });
  }
  return out;
}

/** RFC 6125 wildcard match of a DNS SAN (`*.example.com`) against a name, as Envoy's dnsNameMatch. */
function dnsNameMatch(name: string, pattern: string): boolean {
  const n = name.toLowerCase();
  const p = pattern.toLowerCase();
  if (n === p) return true;
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(1);
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot) === rest;
}

/**
 * Envoy's default certificate validator on the client side: the chain when
 * trusted_ca is set (unless ACCEPT_UNTRUSTED), then SAN matchers (or, with
 * auto_san_validation, the SNI), then SPKI / certificate hash pins.
 */
function verifyServer(socket: tls.TLSSocket, v: ValidationMaterial | undefined, sanOverride: string | undefined): ClientVerifyFailure | undefined {
  const needsCert = !!v && (v.trustedCaPem !== undefined || v.sanMatchers.length > 0 || v.spkiPins.length > 0 || v.hashPins.length > 0);
  const cert = socket.getPeerX509Certificate();
  if (!cert) return needsCert || sanOverride ? verifyFailure('fail_verify_no_cert', 'no peer certificate') : undefined;
  if (v?.trustedCaPem !== undefined && !socket.authorized && !v.acceptUntrusted) {
    const err = String(socket.authorizationError ?? 'UNKNOWN');
    const expiredOnly = err === 'CERT_HAS_EXPIRED' && v.allowExpiredCertificate;
    if (!expiredOnly) return verifyFailure('fail_verify_error', `X509_verify_cert: ${err}`);
  }
  const sans = parseSubjectAltNames(cert.subjectAltName);
  if (sanOverride) {
    if (!sans.some((s) => s.type === 'DNS' && dnsNameMatch(sanOverride, s.value))) return verifyFailure('fail_verify_san', 'SAN matcher');
  } else if (v && v.sanMatchers.length > 0) {
    const ok = v.sanMatchers.some((m) => sans.some((s) => (m.type === 'ANY' || m.type === s.type) && m.match(s.value)));
    if (!ok) return verifyFailure('fail_verify_san', 'SAN matcher');
  }
  if (v && (v.spkiPins.length > 0 || v.hashPins.length > 0)) {
    const hash = crypto.createHash('sha256').update(cert.raw).digest('hex');
    const spki = crypto.createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    // Envoy: either list matching is enough when both are set.
    if (!v.hashPins.includes(hash) && !v.spkiPins.includes(spki)) return verifyFailure('fail_verify_cert_hash', 'certificate hash or SPKI pin');
  }
  return undefined;
}
