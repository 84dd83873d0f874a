// Where a redirected connection was going: SO_ORIGINAL_DST, read through
// weft's native addon (native/original_dst.cc, built by native/build.mjs).
// Node has no API for it. The addon is loaded on first use, once; when it is
// missing (no compiler at install, not Linux) every read reports why, and
// the listener carries on with the socket's own local address.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';

/** The addon's file name under native/build/. */
export const ADDON_FILE = 'weft_original_dst.node';
/** Environment variable naming the addon's path explicitly. */
export const ADDON_ENV = 'WEFT_ORIGINAL_DST_ADDON';

export type OriginalDstResult = { ok: true; ip: string; port: number } | { ok: false; code: string; reason: string };

interface Addon {
  originalDst(fd: number): string | number;
}

let loaded: { addon: Addon } | { error: string } | undefined;

/** Finds native/build/<ADDON_FILE> above this module (src/… or dist/src/…), or the env override. */
function addonPath(): string | undefined {
  const env = process.env[ADDON_ENV];
  if (env) return env;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = path.join(dir, 'native', 'build', ADDON_FILE);
    if (fs.existsSync(p)) return p;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Loads the addon once; the error says what to do when it cannot. */
export function originalDstAddon(): { addon: Addon } | { error: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { error: `original destination recovery needs Linux (SO_ORIGINAL_DST); this is ${process.platform}` });
  const env = process.env[ADDON_ENV];
  if (env && !fs.existsSync(env)) return (loaded = { error: `${ADDON_ENV}=${env}: no such file (build it with \`node native/build.mjs\`)` });
  const p = addonPath();
  if (!p) return (loaded = { error: `native addon ${ADDON_FILE} not built: run \`node native/build.mjs\` (needs g++ and Node's headers), or set ${ADDON_ENV}` });
  try {
    const addon = createRequire(import.meta.url)(p) as Addon;
    if (typeof addon.originalDst !== 'function') return (loaded = { error: `${p} is not weft's original destination addon` });
    return (loaded = { addon });
  } catch (err) {
    return (loaded = { error: `cannot load ${p}: ${(err as Error).message}` });
  }
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([k, v]) => [v, k]));

const REASONS: Record<string, string> = {
  ENOENT: 'the connection was not redirected (no NAT entry in conntrack)',
  ENOPROTOOPT: 'conntrack is not available for this socket',
  ENOTSOCK: 'not a socket',
  EBADF: 'no file descriptor',
};

/**
 * The original destination of an accepted TCP socket. `{ok:false}` with a
 * stable code (ADDON_MISSING, NO_FD, or the errno name) when it cannot be read.
 */
export function readOriginalDst(socket: net.Socket): OriginalDstResult {
  const a = originalDstAddon();
  if ('error' in a) return { ok: false, code: 'ADDON_MISSING', reason: a.error };
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return { ok: false, code: 'NO_FD', reason: 'the socket has no file descriptor (not a TCP socket of this process)' };
  const r = a.addon.originalDst(fd);
  if (typeof r === 'number') {
    const code = ERRNO_NAMES.get(r) ?? `ERRNO_${r}`;
    return { ok: false, code, reason: REASONS[code] ?? `getsockopt(SO_ORIGINAL_DST) failed: ${code}` };
  }
  const i = r.lastIndexOf(':');
  const host = r.slice(0, i);
  return { ok: true, ip: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(r.slice(i + 1)) };
}
