// The client side of envoy.transport_sockets.tls (UpstreamTlsContext): one
// provider per cluster transport socket (the cluster's, or a
// transport_socket_matches entry's). The secure context comes from a
// SecureContextSource, so a rotated client certificate is used from the next
// connection on; sessions are kept for resumption up to max_session_keys;
// the server is checked after the handshake with peer-verify (Envoy's
// default certificate validator), or, with auto_san_validation, against the
// SNI that auto_sni sent.
import type { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import type { ClientTlsOptions, ClientTlsProvider } from './client-tls.js';
import { verifyPeerCertificate, tlsVerifyFailureReason } from './peer-verify.js';
import type { SecretStore } from './secret-store.js';
import { SecureContextSource } from './secure-context.js';
import type { SanMatcher, UpstreamTlsConfig, ValidationMaterial } from './tls-config.js';

export interface ClientTlsProviderOptions {
  readonly secrets: SecretStore;
  /** `cluster.<name>.ssl.` */
  readonly statPrefix: string;
  /** upstream_http_protocol_options.auto_san_validation: the SNI from auto_sni is the only SAN accepted. */
  readonly autoSanValidation: boolean;
}

export function createClientTlsProvider(cfg: UpstreamTlsConfig, opts: ClientTlsProviderOptions): ClientTlsProvider {
  return new UpstreamTlsProvider(cfg, opts);
}

class UpstreamTlsProvider implements ClientTlsProvider {
  readonly statPrefix: string;
  private readonly source: SecureContextSource;
  /** Recent sessions per server name, newest last; dropped when the context is rebuilt. */
  private readonly sessions = new Map<string, Buffer[]>();
  private sessionsGeneration = 0;

  constructor(private readonly cfg: UpstreamTlsConfig, private readonly opts: ClientTlsProviderOptions) {
    this.statPrefix = opts.statPrefix;
    this.source = new SecureContextSource(cfg.common, opts.secrets, 'client');
  }

  connectOptions(
    host: { readonly address: string; readonly hostname: string },
    overrides?: { readonly serverName?: string; readonly alpnFallback?: readonly string[] },
  ): ClientTlsOptions {
    const ctx = this.source.current();
    if (!ctx.ok) return { ok: false, reason: ctx.reason };
    if (ctx.generation !== this.sessionsGeneration) {
      // A session of the old context may stand for a certificate no longer presented.
      this.sessions.clear();
      this.sessionsGeneration = ctx.generation;
    }
    const c = this.cfg.common;
    const servername = overrides?.serverName || this.cfg.sni;
    const alpn = c.alpnProtocols.length ? c.alpnProtocols : overrides?.alpnFallback ?? [];
    const sessionKey = servername || host.address;
    const session = this.cfg.maxSessionKeys > 0 ? this.sessions.get(sessionKey)?.at(-1) : undefined;
    const validation = this.opts.autoSanValidation && overrides?.serverName ? withSniAsSan(ctx.validation, overrides.serverName) : ctx.validation;
    const options: tls.ConnectionOptions = {
      secureContext: ctx.context,
      // Envoy sends SNI only when configured (sni or auto_sni); node would send a host name otherwise.
      servername: servername || '',
      // peer-verify decides (below), with Envoy's rules and stats; node's own check would refuse first.
      rejectUnauthorized: false,
      // Envoy never matches the host name against the certificate (only SAN matchers do);
      // node's check would mark the chain unauthorized with ERR_TLS_CERT_ALTNAME_INVALID.
      checkServerIdentity: () => undefined,
      minVersion: c.minVersion,
      maxVersion: c.maxVersion,
      ...(alpn.length ? { ALPNProtocols: [...alpn] } : {}),
      ...(session ? { session } : {}),
    };
    const generation = ctx.generation;
    return {
      ok: true,
      options,
      verify: (socket) => {
        const error = socket.authorizationError as unknown as { code?: string } | undefined;
        const chain = { authorized: socket.authorized, ...(error ? { error: String(error.code ?? error) } : {}) };
        // A resumed session carries no certificate on node's client side: the
        // one this session was verified with stands for it (checked again here).
        const cert = serverCertificate(socket) ?? (session && socket.isSessionReused() ? resumedServerCertificate(socket, session) : undefined);
        const f = verifyPeerCertificate(cert, chain, validation, true);
        if (f) return { reason: tlsVerifyFailureReason(f), stat: f.stat };
        if (this.cfg.maxSessionKeys > 0) {
          const keep = (s: Buffer): void => {
            if (cert) sessionCertificates.set(s, cert);
            this.keepSession(generation, sessionKey, s);
          };
          // TLS 1.2 sessions exist once the handshake is done; TLS 1.3 tickets come after it.
          const now = socket.getProtocol() === 'TLSv1.2' ? socket.getSession() : undefined;
          if (now && !socket.isSessionReused()) keep(now);
          socket.on('session', keep);
        }
        return undefined;
      },
    };
  }

  private keepSession(generation: number, key: string, s: Buffer): void {
    if (generation !== this.sessionsGeneration) return;
    let list = this.sessions.get(key);
    if (!list) this.sessions.set(key, (list = []));
    list.push(s);
    while (list.length > this.cfg.maxSessionKeys) list.shift();
  }

  close(): void {
    this.source.close();
    this.sessions.clear();
  }
}

const serverCertificates = new WeakMap<tls.TLSSocket, X509Certificate | undefined>();
/** The server certificate each kept session was verified with. */
const sessionCertificates = new WeakMap<Buffer, X509Certificate>();

function resumedServerCertificate(socket: tls.TLSSocket, session: Buffer): X509Certificate | undefined {
  const cert = sessionCertificates.get(session);
  if (cert) serverCertificates.set(socket, cert);
  return cert;
}

/**
 * The server's certificate of a client socket, read once. On the client side
 * a second getPeerX509Certificate() (or getPeerCertificate()) returns nothing
 * (seen on node 20: the first call takes the leaf off the peer chain), so
 * everything that needs it (verify, the access log) asks here.
 */
export function serverCertificate(socket: tls.TLSSocket): X509Certificate | undefined {
  if (serverCertificates.has(socket)) return serverCertificates.get(socket);
  const cert = socket.getPeerX509Certificate();
  serverCertificates.set(socket, cert);
  return cert;
}

/**
 * auto_san_validation: Envoy replaces the configured SAN matchers with the
 * SNI (a DNS SAN, wildcards allowed); chain trust and pins still apply.
 */
function withSniAsSan(v: ValidationMaterial | undefined, sni: string): ValidationMaterial {
  const matcher: SanMatcher = { type: 'DNS', match: (san) => dnsNameMatch(sni, san), text: sni };
  return {
    ...(v ?? { spkiPins: [], hashPins: [], allowExpiredCertificate: false, acceptUntrusted: false, origin: 'auto_san_validation' }),
    sanMatchers: [matcher],
  };
}

/** A name against a DNS SAN, `*.example.com` matching one label (Envoy's dnsNameMatch). */
export function dnsNameMatch(name: string, san: string): boolean {
  const n = name.toLowerCase();
  const p = san.toLowerCase();
  if (n === p) return true;
  if (!p.startsWith('*.')) return false;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot) === p.slice(1);
}
