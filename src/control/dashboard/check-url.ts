// Checks a --prometheus URL (weft control, weft up, weft dashboard) once, at
// the command line, so a typo is an error at start rather than a warning on
// every query.

/** An http(s) base URL with no query or fragment; returns an error text, or undefined when fine. */
export function checkPrometheusUrl(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `"${v}" is not a URL (e.g. http://127.0.0.1:9090)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${u.protocol} is not supported (http or https)`;
  if (u.search || u.hash) return `"${v}": a base URL without a query or fragment (e.g. http://127.0.0.1:9090)`;
  return undefined;
}
