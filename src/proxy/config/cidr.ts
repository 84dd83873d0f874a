// CIDR ranges (core.v3.CidrRange) and matching of IP addresses against them.
import net from 'node:net';
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_core_v3_CidrRange } from '../../xds/gen/types.js';

export interface Cidr {
  address: string;
  prefixLen: number;
  /** Parsed network bits for matching. */
  readonly bytes: Uint8Array;
  readonly v6: boolean;
}

export function decodeCidr(c: envoy_config_core_v3_CidrRange, path: string, errs: ConfigErrors): Cidr | undefined {
  const address = c.address_prefix ?? '';
  const v = net.isIP(address);
  if (!v) {
    errs.error(joinPath(path, 'address_prefix'), `"${address}" is not an IP address`);
    return undefined;
  }
  const max = v === 4 ? 32 : 128;
  const prefixLen = c.prefix_len?.value ?? max;
  if (prefixLen > max) errs.error(joinPath(path, 'prefix_len'), `must be at most ${max}`);
  return { address, prefixLen, bytes: ipBytes(address)!, v6: v === 6 };
}

/** IP literal to bytes (IPv4-mapped IPv6 becomes IPv4); undefined if not an IP. */
export function ipBytes(ip: string): Uint8Array | undefined {
  if (ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7))) ip = ip.slice(7);
  if (net.isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!net.isIPv6(ip)) return undefined;
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(':') : []);
  const h = parse(head);
  const t = parse(tail ?? '');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  if (ip.length !== c.bytes.length) return false;
  let bits = c.prefixLen;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (c.bytes[i]! & mask)) return false;
  }
  return true;
}
