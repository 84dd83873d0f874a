// Envoy's filter chain selection: criteria are applied in a fixed order
// (destination port, destination IP, server name, transport protocol,
// application protocols, direct source IP, source type, source IP, source
// port); at each step the most specific candidates win, and a chain that
// leaves a criterion empty only matches when no chain names it specifically.
import { cidrContains, ipBytes, type Cidr } from '../config/cidr.js';
import type { FilterChainMatch } from '../config/listener.js';

export interface ConnectionFacts {
  destinationPort: number;
  destinationIp: string;
  sourceIp: string;
  sourcePort: number;
  /** SNI from the TLS ClientHello, lower-cased, or ''. */
  serverName: string;
  /** 'tls' or 'raw_buffer'. */
  transportProtocol: string;
  /** ALPN offered by the client, or the HTTP version detected by http_inspector. */
  applicationProtocols: string[];
  /**
   * Set when envoy.filters.listener.original_dst restored the destination
   * (SO_ORIGINAL_DST): the address the socket really arrived on, while
   * destinationIp/destinationPort are the restored ones (as in Envoy, where
   * the restored address becomes the connection's local address).
   */
  arrivedOn?: { ip: string; port: number };
}

type Scorer<T> = (m: FilterChainMatch, f: ConnectionFacts) => number; // -1 no match, 0 wildcard, >0 specificity

function narrow<T extends { match: FilterChainMatch }>(cands: T[], f: ConnectionFacts, score: Scorer<T>): T[] {
  let best = -1;
  let out: T[] = [];
  for (const c of cands) {
    const s = score(c.match, f);
    if (s < 0) continue;
    if (s > best) {
      best = s;
      out = [c];
    } else if (s === best) out.push(c);
  }
  return out;
}

function longestPrefix(ranges: Cidr[], ip: string): number {
  if (ranges.length === 0) return 0;
  const b = ipBytes(ip);
  if (!b) return -1;
  let best = -1;
  for (const r of ranges) if (cidrContains(r, b) && r.prefixLen + 1 > best) best = r.prefixLen + 1;
  return best;
}

function serverNameScore(m: FilterChainMatch, f: ConnectionFacts): number {
  if (m.serverNames.length === 0) return 0;
  const sni = f.serverName;
  if (!sni) return -1;
  let best = -1;
  for (const n of m.serverNames) {
    if (n === sni) return 1_000_000;
    if (n.startsWith('*.') && sni.endsWith(n.slice(1)) && n.length > best) best = n.length;
  }
  return best;
}

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

/** Picks the filter chain for a connection, or undefined (then the default chain, if any). */
export function selectFilterChain<T extends { match: FilterChainMatch }>(chains: T[], f: ConnectionFacts): T | undefined {
  let c = chains;
  c = narrow(c, f, (m) => (m.destinationPort === undefined ? 0 : m.destinationPort === f.destinationPort ? 1 : -1));
  c = narrow(c, f, (m) => longestPrefix(m.prefixRanges, f.destinationIp));
  c = narrow(c, f, serverNameScore);
  c = narrow(c, f, (m) => (m.transportProtocol === '' ? 0 : m.transportProtocol === f.transportProtocol ? 1 : -1));
  c = narrow(c, f, (m) => (m.applicationProtocols.length === 0 ? 0 : m.applicationProtocols.some((p) => f.applicationProtocols.includes(p)) ? 1 : -1));
  c = narrow(c, f, (m) => longestPrefix(m.directSourcePrefixRanges, f.sourceIp));
  c = narrow(c, f, (m) => {
    if (m.sourceType === 'ANY') return 0;
    const local = isLoopback(f.sourceIp) || f.sourceIp === f.destinationIp;
    return (m.sourceType === 'SAME_IP_OR_LOOPBACK') === local ? 1 : -1;
  });
  c = narrow(c, f, (m) => longestPrefix(m.sourcePrefixRanges, f.sourceIp));
  c = narrow(c, f, (m) => (m.sourcePorts.length === 0 ? 0 : m.sourcePorts.includes(f.sourcePort) ? 1 : -1));
  return c[0];
}
