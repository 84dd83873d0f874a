// The string consistent-hashing policies hash for a host.
import type { LbHost } from './types.js';

/**
 * Envoy hashes a host by its address string (`ip:port`, `[ip6]:port`) unless
 * the host carries its own key; matching that string keeps a key's host the
 * same between Envoy and weft for the same endpoints.
 */
export function hostHashKey(h: LbHost): string {
  if (h.hashKey) return h.hashKey;
  return h.address.includes(':') ? `[${h.address}]:${h.port}` : `${h.address}:${h.port}`;
}

/** `(hi * 2^32 + lo) mod m` for a 64-bit value in halves, exact for m < 2^26. */
export function mod64(hi: number, lo: number, m: number): number {
  return ((hi % m) * (4294967296 % m) + (lo % m)) % m;
}
