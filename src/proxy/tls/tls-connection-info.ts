// What the access log (and later RBAC) knows about one TLS connection:
// negotiated version and cipher, and both certificates' facts. Certificate
// facts are worked out on first use only, so connections nobody logs about
// never parse a certificate twice.
import type { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import { certificateFacts, sessionIdHex, type CertificateFacts } from './peer-certificate.js';

export class TlsConnectionInfo {
  /** "TLSv1.2", "TLSv1.3". */
  readonly version: string;
  /** OpenSSL's name of the cipher, e.g. "TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256". */
  readonly cipher: string;
  private peer: CertificateFacts | null | undefined;
  private local: CertificateFacts | null | undefined;
  private session: string | undefined;
  private peerPem: string | undefined;

  constructor(private readonly socket: tls.TLSSocket) {
    this.version = socket.getProtocol() ?? '';
    this.cipher = socket.getCipher()?.name ?? '';
  }

  /** The peer's certificate facts; undefined when it sent none. */
  get peerCertificate(): CertificateFacts | undefined {
    if (this.peer === undefined) this.peer = facts(this.socket.getPeerX509Certificate());
    return this.peer ?? undefined;
  }

  /** The peer's certificate in PEM, URL-encoded as Envoy's ext_authz sends it (include_peer_certificate); '' when it sent none. */
  get peerCertificateUrlEncodedPem(): string {
    if (this.peerPem === undefined) {
      const pem = this.socket.getPeerX509Certificate()?.toString() ?? '';
      this.peerPem = pem ? encodeURIComponent(pem) : '';
    }
    return this.peerPem;
  }

  /** The certificate this side presented. */
  get localCertificate(): CertificateFacts | undefined {
    if (this.local === undefined) this.local = facts(this.socket.getX509Certificate());
    return this.local ?? undefined;
  }

  /** The TLS session id, lower-case hex ('' when there is none). */
  get sessionId(): string {
    return (this.session ??= sessionIdHex(this.socket.getSession()));
  }
}

function facts(c: X509Certificate | undefined): CertificateFacts | null {
  return c ? certificateFacts(c) : null;
}
