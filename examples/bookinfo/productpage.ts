// productpage v1: the page people look at. It calls details and reviews
// (in parallel), forwarding the tracing headers and the signed-in user as
// `end-user`, and renders whatever came back within its timeouts.
//
//   GET  /                  index with links
//   GET  /productpage       the page; ?user=NAME signs in (sets cookie user=NAME), ?user= signs out
//   GET  /login, POST /login (form field username), GET /logout
//   GET  /api/v1/products, /api/v1/products/<id>  the same data as JSON
//
// The user comes from ?user=, else the `user` cookie, else an incoming
// `end-user` header (handy for curl and the load command).
//
// Response headers for counting (the load command's --count-header):
//   x-bookinfo-reviews  v1 | v2 | v3 | unavailable
//   x-bookinfo-ratings  none (v1) | black | red | unavailable | unknown (no reviews)
//   x-bookinfo-details  ok | unavailable
import type { IncomingMessage } from 'node:http';
import { BOOKS, type BookDetails } from './catalog.js';
import { readIntEnv, type AppEnv } from './lib/app-env.js';
import { idAfter, notFound, parseCookies, readBody, redirect, sendHtml, sendJson } from './lib/http-util.js';
import { MeshClient, type CallResult } from './lib/mesh-client.js';
import { pickPropagated } from './lib/propagation.js';
import { isMainModule, runMain, startService, type RunningService } from './lib/run-service.js';
import { renderIndex, renderLogin, renderProductPage, type Fetched, type ProductView } from './productpage-html.js';
import type { ReviewsAnswer } from './reviews.js';

export interface ProductPageOptions {
  /**
   * Total wait for reviews. 3 s, as Bookinfo's productpage: a slower
   * reviews (scenario 4's 7 s ratings delay) shows "reviews unavailable"
   * instead of a page that hangs. Env REVIEWS_TIMEOUT_MS.
   */
  reviewsTimeoutMs: number;
  /** Total wait for details; same reasoning. Env DETAILS_TIMEOUT_MS. */
  detailsTimeoutMs: number;
}

export const PRODUCTPAGE_DEFAULTS: ProductPageOptions = { reviewsTimeoutMs: 3000, detailsTimeoutMs: 3000 };

/** Port every Bookinfo service is addressed on, inside the mesh. */
const SERVICE_PORT = 9080;
const USER_COOKIE = 'user';
/** A user name goes into a header and a cookie: keep it short and plain. */
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export function readProductPageOptions(env: NodeJS.ProcessEnv = process.env): ProductPageOptions {
  return {
    reviewsTimeoutMs: readIntEnv(env, 'REVIEWS_TIMEOUT_MS', PRODUCTPAGE_DEFAULTS.reviewsTimeoutMs),
    detailsTimeoutMs: readIntEnv(env, 'DETAILS_TIMEOUT_MS', PRODUCTPAGE_DEFAULTS.detailsTimeoutMs),
  };
}

export function startProductPage(env: AppEnv, opts: ProductPageOptions = PRODUCTPAGE_DEFAULTS, log?: (line: string) => void): Promise<RunningService> {
  const client = new MeshClient(env);

  const fetchProduct = async (req: IncomingMessage, id: number, user: string | undefined) => {
    const headers = pickPropagated(req.headers);
    if (user) headers['end-user'] = user;
    else delete headers['end-user'];
    const [d, r] = await Promise.all([
      client.getJson('details', SERVICE_PORT, `/details/${id}`, { headers, timeoutMs: opts.detailsTimeoutMs }),
      client.getJson('reviews', SERVICE_PORT, `/reviews/${id}`, { headers, timeoutMs: opts.reviewsTimeoutMs }),
    ]);
    return { details: asDetails(d), reviews: asReviews(r) };
  };

  return startService({
    env,
    log,
    onClose: () => client.close(),
    handler: async (req, res, path, query) => {
      const cookies = parseCookies(req.headers.cookie);
      const setCookie: string[] = [];
      let user = cookies.get(USER_COOKIE) ?? headerUser(req);
      if (query.has('user')) {
        const u = query.get('user') ?? '';
        user = USER_NAME.test(u) ? u : undefined;
        setCookie.push(user ? `${USER_COOKIE}=${user}; Path=/; SameSite=Lax` : `${USER_COOKIE}=; Path=/; Max-Age=0`);
      }
      if (user !== undefined && !USER_NAME.test(user)) user = undefined;

      if (path === '/' && req.method === 'GET') return sendHtml(res, 200, renderIndex(user), cookieHeader(setCookie));
      if (path === '/login') {
        if (req.method === 'POST') {
          const name = new URLSearchParams(await readBody(req)).get('username') ?? '';
          if (!USER_NAME.test(name)) return sendHtml(res, 400, renderLogin(undefined));
          return redirect(res, '/productpage', { 'set-cookie': `${USER_COOKIE}=${name}; Path=/; SameSite=Lax` });
        }
        return sendHtml(res, 200, renderLogin(user));
      }
      if (path === '/logout') return redirect(res, '/productpage', { 'set-cookie': `${USER_COOKIE}=; Path=/; Max-Age=0` });
      if (path === '/productpage') {
        const id = query.has('id') ? Number(query.get('id')) : 0;
        if (!Number.isInteger(id) || id < 0) return notFound(res);
        const got = await fetchProduct(req, id, user);
        const view: ProductView = { productId: id, workload: env.workload, ...got };
        if (user) view.user = user;
        return sendHtml(res, 200, renderProductPage(view), { ...cookieHeader(setCookie), ...countingHeaders(got) });
      }
      if (path === '/api/v1/products') return sendJson(res, 200, [...BOOKS.values()].map((b) => ({ id: b.id, title: b.title })));
      const apiId = idAfter(path, '/api/v1/products/');
      if (apiId !== undefined) {
        const got = await fetchProduct(req, apiId, user);
        return sendJson(
          res,
          200,
          {
            id: apiId,
            user: user ?? null,
            details: got.details.ok ? got.details.value : { error: got.details.detail },
            reviews: got.reviews.ok ? got.reviews.value : { error: got.reviews.detail },
          },
          countingHeaders(got),
        );
      }
      notFound(res);
    },
  });
}

function headerUser(req: IncomingMessage): string | undefined {
  const v = req.headers['end-user'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function cookieHeader(setCookie: string[]): Record<string, string> {
  return setCookie.length > 0 ? { 'set-cookie': setCookie[0]! } : {};
}

function countingHeaders(got: { details: Fetched<BookDetails>; reviews: Fetched<ReviewsAnswer> }): Record<string, string> {
  const r = got.reviews;
  let ratings = 'unknown';
  if (r.ok) {
    const first = r.value.reviews.find((x) => x.rating !== undefined)?.rating;
    if (r.value.ratings === 'not-called') ratings = 'none';
    else if (r.value.ratings === 'unavailable') ratings = 'unavailable';
    else ratings = first && 'color' in first ? first.color : 'none';
  }
  return {
    'x-bookinfo-details': got.details.ok ? 'ok' : 'unavailable',
    'x-bookinfo-reviews': r.ok ? r.value.version : 'unavailable',
    'x-bookinfo-ratings': ratings,
  };
}

function asDetails(r: CallResult): Fetched<BookDetails> {
  if (!r.ok) return { ok: false, detail: r.detail, ms: r.ms };
  const b = r.body as Partial<BookDetails> | null;
  if (!b || typeof b.title !== 'string') return { ok: false, detail: 'details answered an unexpected body', ms: r.ms };
  return { ok: true, value: b as BookDetails, ms: r.ms };
}

function asReviews(r: CallResult): Fetched<ReviewsAnswer> {
  if (!r.ok) return { ok: false, detail: r.detail, ms: r.ms };
  const a = r.body as Partial<ReviewsAnswer> | null;
  if (!a || !Array.isArray(a.reviews) || typeof a.version !== 'string') return { ok: false, detail: 'reviews answered an unexpected body', ms: r.ms };
  return { ok: true, value: a as ReviewsAnswer, ms: r.ms };
}

if (isMainModule(import.meta.url)) runMain('productpage', (env) => startProductPage(env, readProductPageOptions()));
