// Serves the dashboard's built UI (the Vite build in dist/dashboard/) under
// /dashboard/: index.html for the root and for client-side routes (paths
// without a dot), files by their extension's content type, hashed assets
// cached for a year and index.html revalidated every time. Paths are
// resolved inside the root only: `..`, encoded slashes, NUL and symlinks out
// of the root are refused. Without a build, a 503 page says why.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The URL prefix the UI is served under. */
export const DASHBOARD_PREFIX = '/dashboard/';

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

export class StaticFiles {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Why there is no UI to serve, or undefined when index.html exists. */
  missingReason(): string | undefined {
    const index = path.join(this.root, 'index.html');
    try {
      if (fs.statSync(index).isFile()) return undefined;
      return `${index} is not a file`;
    } catch {
      return `${index} does not exist: the UI has not been built (run npm run build)`;
    }
  }

  /** Serves GET/HEAD `pathname` (which starts with /dashboard/ or is /dashboard). */
  serve(pathname: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const head = req.method === 'HEAD';
    const missing = this.missingReason();
    if (missing) {
      const body = `<!doctype html><html><head><meta charset="utf-8"><title>weft dashboard not built</title></head><body><h1>weft dashboard not built</h1><p>${escapeHtml(missing)}.</p><p>The dashboard's HTTP API works without it: <a href="/api/dashboard/status">/api/dashboard/status</a>.</p></body></html>\n`;
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS });
      res.end(head ? undefined : body);
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname.slice(DASHBOARD_PREFIX.length - 1));
    } catch {
      return this.error(res, 400, 'malformed path');
    }
    const segments = rel.split('/').filter((s) => s !== '');
    if (rel.includes('\0') || rel.includes('\\') || segments.some((s) => s === '..' || s === '.')) return this.error(res, 400, 'path not allowed');
    const last = segments[segments.length - 1] ?? '';
    // Client-side routes (no extension) get the app; everything else is a file.
    const file = last === '' || !last.includes('.') ? path.join(this.root, 'index.html') : path.join(this.root, ...segments);
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      return this.error(res, 404, 'not found');
    }
    const rootReal = fs.realpathSync(this.root);
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) return this.error(res, 404, 'not found');
    let st: fs.Stats;
    try {
      st = fs.statSync(real);
    } catch {
      return this.error(res, 404, 'not found');
    }
    if (!st.isFile()) return this.error(res, 404, 'not found');
    const ext = path.extname(real).toLowerCase();
    const isIndex = path.basename(real) === 'index.html';
    // Vite's hashed assets never change under their name; index.html must be revalidated to pick up a new build.
    const hashed = segments[0] === 'assets' && /[-.][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(last);
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'cache-control': isIndex ? 'no-cache' : hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      etag,
      ...SECURITY_HEADERS,
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['content-length'] = String(st.size);
    res.writeHead(200, headers);
    if (head) {
      res.end();
      return;
    }
    const stream = fs.createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  private error(res: http.ServerResponse, status: number, message: string): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS });
    res.end(`${message}\n`);
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
