// The Date response header, formatted at most once per second (as Envoy's
// cached date provider does) instead of once per response.
let cachedSecond = -1;
let cachedValue = '';

export function dateHeader(nowMs: number = Date.now()): string {
  const s = Math.floor(nowMs / 1000);
  if (s !== cachedSecond) {
    cachedSecond = s;
    cachedValue = new Date(s * 1000).toUTCString();
  }
  return cachedValue;
}
