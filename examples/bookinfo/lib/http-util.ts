// Small response and request helpers shared by the Bookinfo apps.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': buf.length });
  res.end(buf);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  const buf = Buffer.from(html);
  res.writeHead(status, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-length': buf.length });
  res.end(buf);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { ...headers, location, 'content-length': 0 });
  res.end();
}

export function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: 'not found' });
}

/** `a=1; user=jason` → Map. Values are URI-decoded when they can be. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!header) return m;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    let v = raw;
    try {
      v = decodeURIComponent(raw);
    } catch {
      // keep the raw value
    }
    m.set(k, v);
  }
  return m;
}

/** Reads a small request body (forms); bigger ones are cut at `limit` bytes. */
export function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Splits `/reviews/0?x=1` into the path and its query. */
export function splitUrl(url: string | undefined): { path: string; query: URLSearchParams } {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? { path: u, query: new URLSearchParams() } : { path: u.slice(0, q), query: new URLSearchParams(u.slice(q + 1)) };
}

/** The product id in `/prefix/<id>`, or undefined when the path does not match. */
export function idAfter(path: string, prefix: string): number | undefined {
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (!/^\d{1,9}$/.test(rest)) return undefined;
  return Number(rest);
}
