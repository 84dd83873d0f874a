// What an RBAC policy looks at: the connection (addresses, SNI, the peer's
// certificate) and, for the HTTP filter, the request head. One RbacInput is
// made per evaluation; the IP addresses are parsed on first use only, so a
// policy on headers alone never parses an address.
import { ipBytes } from '../config/cidr.js';
import type { RequestView } from '../route/route-request.js';
import type { CertificateFacts } from '../tls/peer-certificate.js';

/** The connection facts RBAC reads (ConnectionInfo and the listener's facts both provide them). */
export interface RbacConnection {
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** SNI the client asked for; undefined when none. */
  readonly serverName?: string;
  /** Set on TLS connections: `authenticated` matches only these. */
  readonly tls?: { readonly peerCertificate: CertificateFacts | undefined };
}

export class RbacInput {
  private remote: Uint8Array | null | undefined;
  private local: Uint8Array | null | undefined;

  /**
   * `request` is undefined for the network filter: header and url_path
   * matchers are refused there at decode time, so they never see it.
   * `metadata` is the stream's dynamic metadata (StreamInfo.dynamicMetadata).
   */
  constructor(
    readonly conn: RbacConnection,
    readonly request: RequestView | undefined,
    readonly metadata: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined,
  ) {}

  /**
   * The downstream's address as bytes (null: unparseable). weft's remote
   * address is the connection's peer (a non-zero xff_num_trusted_hops is
   * refused), so source_ip, remote_ip and direct_remote_ip all read it.
   */
  get remoteIp(): Uint8Array | null {
    if (this.remote === undefined) this.remote = ipBytes(this.conn.remoteAddress) ?? null;
    return this.remote;
  }

  /** The local (destination) address as bytes. */
  get localIp(): Uint8Array | null {
    if (this.local === undefined) this.local = ipBytes(this.conn.localAddress) ?? null;
    return this.local;
  }
}
