// The order stats are listed in on /stats and within a Prometheus family:
// segment by segment, as Envoy's symbol-table comparison orders them, so
// `a.x` sorts before `a-b.x` (segment `a` < `a-b`), unlike a plain string sort.

/** Compares two stat names segment by segment ('.' sorts before every other character). */
export function compareStatNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca === 46) return -1;
    if (cb === 46) return 1;
    return ca - cb;
  }
  return a.length - b.length;
}
