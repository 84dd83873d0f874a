// DiscoveryResponse and DeltaDiscoveryResponse wire bytes for one stream:
// the small per-stream fields, then the shared pre-encoded resources. One
// allocation and one copy of the resource bytes per response.
import type { CachedResource } from './cached-resource.js';
import { ldFieldSize, utf8, writeLdField } from './wire-bytes.js';

// DiscoveryResponse: version_info=1, resources=2, type_url=4, nonce=5.
// DeltaDiscoveryResponse: system_version_info=1, resources=2, type_url=4, nonce=5, removed_resources=6.
const VERSION = 1;
const TYPE_URL = 4;
const NONCE = 5;
const REMOVED = 6;

/**
 * A DiscoveryResponse whose `resources` fields are `body` (from
 * TypeResources.sotwBody*). With `headroom`, the returned message is a view
 * that many bytes into its own allocation, so a transport can write a frame
 * prefix in front without copying the message.
 */
export function sotwResponseBytes(versionInfo: string, typeUrl: string, nonce: string, body: Uint8Array, headroom = 0): Buffer {
  const v = utf8(versionInfo);
  const t = utf8(typeUrl);
  const n = utf8(nonce);
  const head = (v.length ? ldFieldSize(v.length) : 0) + ldFieldSize(t.length) + ldFieldSize(n.length);
  const out = Buffer.allocUnsafe(headroom + head + body.length).subarray(headroom);
  let pos = 0;
  if (v.length) pos = writeLdField(out, pos, VERSION, v);
  pos = writeLdField(out, pos, TYPE_URL, t);
  pos = writeLdField(out, pos, NONCE, n);
  out.set(body, pos);
  return out;
}

/** A DeltaDiscoveryResponse carrying `resources` (each with its content version) and `removed` names. */
export function deltaResponseBytes(
  systemVersion: string, typeUrl: string, nonce: string, resources: readonly CachedResource[], removed: readonly string[],
): Buffer {
  const v = utf8(systemVersion);
  const t = utf8(typeUrl);
  const n = utf8(nonce);
  const rem = removed.map(utf8);
  let len = (v.length ? ldFieldSize(v.length) : 0) + ldFieldSize(t.length) + ldFieldSize(n.length);
  for (const r of resources) len += r.deltaField().length;
  for (const r of rem) len += ldFieldSize(r.length);
  const out = Buffer.allocUnsafe(len);
  let pos = 0;
  if (v.length) pos = writeLdField(out, pos, VERSION, v);
  for (const r of resources) {
    const f = r.deltaField();
    out.set(f, pos);
    pos += f.length;
  }
  pos = writeLdField(out, pos, TYPE_URL, t);
  pos = writeLdField(out, pos, NONCE, n);
  for (const r of rem) pos = writeLdField(out, pos, REMOVED, r);
  return out;
}
