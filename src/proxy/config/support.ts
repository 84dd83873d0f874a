// Small helpers shared by the decoders that turn canonical protos (see
// src/xds/codec.ts) into runtime config. Every decoder lists the fields it
// supports; anything else that is set is reported as unsupported, never ignored.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { google_protobuf_Duration } from '../../xds/gen/types.js';

/** Reports every set field of `msg` that is not in `supported`. */
export function checkSupported(msg: object | undefined, path: string, errs: ConfigErrors, supported: readonly string[]): void {
  if (!msg) return;
  for (const key of Object.keys(msg)) {
    if (key === '@type') continue;
    if (!supported.includes(key)) errs.unsupported(joinPath(path, key));
  }
}

/** Duration in milliseconds, or `dflt` when unset. */
export function durationMs(d: google_protobuf_Duration | undefined, dflt: number): number;
export function durationMs(d: google_protobuf_Duration | undefined): number | undefined;
export function durationMs(d: google_protobuf_Duration | undefined, dflt?: number): number | undefined {
  if (!d) return dflt;
  return (d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6;
}

/** Value of a google.protobuf wrapper, or `dflt` when unset. */
export function wrapped<T>(w: { value?: T } | undefined, dflt: T): T {
  if (!w) return dflt;
  return w.value ?? dflt;
}

/** Envoy's FractionalPercent as a probability in [0, 1]. */
export function fractionalPercent(p: { numerator?: number; denominator?: string } | undefined, dflt: number): number {
  if (!p) return dflt;
  const denom = p.denominator === 'TEN_THOUSAND' ? 10_000 : p.denominator === 'MILLION' ? 1_000_000 : 100;
  return Math.min(1, (p.numerator ?? 0) / denom);
}

/** envoy.type.v3.Percent (0..100 as double) as a probability in [0, 1]. */
export function percent(p: { value?: number } | undefined, dflt: number): number {
  if (!p) return dflt;
  return Math.min(1, Math.max(0, (p.value ?? 0) / 100));
}
