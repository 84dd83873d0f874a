// reviews v1/v2/v3 (version from SERVICE_VERSION): the book's reviews as JSON.
//   v1: no stars, calls nothing.
//   v2: calls ratings, black stars.   v3: calls ratings, red stars.
// When ratings fails, each review carries `rating.error` ("Ratings service
// unavailable") instead of stars; reviews itself still answers 200.
//   GET /reviews/<id> → 200 ReviewsAnswer
import { REVIEWS } from './catalog.js';
import { readIntEnv, type AppEnv } from './lib/app-env.js';
import { idAfter, notFound, sendJson } from './lib/http-util.js';
import { MeshClient } from './lib/mesh-client.js';
import { pickPropagated } from './lib/propagation.js';
import { isMainModule, runMain, startService, type RunningService } from './lib/run-service.js';

export type StarColor = 'black' | 'red';

/** What makes the versions differ: v1 shows no stars, v2 black ones, v3 red ones. */
export const STAR_COLOR_BY_VERSION: Readonly<Record<string, StarColor | null>> = { v1: null, v2: 'black', v3: 'red' };

export const RATINGS_UNAVAILABLE = 'Ratings service unavailable';

export interface ReviewsAnswer {
  id: number;
  version: string;
  workload: string;
  reviews: Array<{ reviewer: string; text: string; rating?: { stars: number; color: StarColor } | { error: string } }>;
  /** `not-called` (v1), `ok`, or `unavailable` with the reason in ratings_error. */
  ratings: 'not-called' | 'ok' | 'unavailable';
  ratings_error?: string;
}

export interface ReviewsOptions {
  /**
   * Total time reviews waits for ratings. 10 s, longer than productpage's 3 s
   * wait for reviews: so a 7 s ratings delay (scenario 4) surfaces as
   * productpage's timeout, not as missing stars. Env RATINGS_TIMEOUT_MS.
   */
  ratingsTimeoutMs: number;
}

export const REVIEWS_DEFAULTS: ReviewsOptions = { ratingsTimeoutMs: 10_000 };

/** Port every Bookinfo service is addressed on, inside the mesh. */
const SERVICE_PORT = 9080;

export function readReviewsOptions(env: NodeJS.ProcessEnv = process.env): ReviewsOptions {
  return { ratingsTimeoutMs: readIntEnv(env, 'RATINGS_TIMEOUT_MS', REVIEWS_DEFAULTS.ratingsTimeoutMs) };
}

export function startReviews(env: AppEnv, opts: ReviewsOptions = REVIEWS_DEFAULTS, log?: (line: string) => void): Promise<RunningService> {
  if (!(env.serviceVersion in STAR_COLOR_BY_VERSION)) {
    return Promise.reject(new Error(`SERVICE_VERSION: reviews has versions v1, v2 and v3, got ${JSON.stringify(env.serviceVersion)}`));
  }
  const color = STAR_COLOR_BY_VERSION[env.serviceVersion]!;
  const client = new MeshClient(env);
  return startService({
    env,
    log,
    onClose: () => client.close(),
    handler: async (req, res, path) => {
      const id = idAfter(path, '/reviews/');
      const texts = id === undefined ? undefined : REVIEWS.get(id);
      if (id === undefined || !texts) return notFound(res);
      const answer: ReviewsAnswer = {
        id,
        version: env.serviceVersion,
        workload: env.workload,
        reviews: texts.map((t) => ({ reviewer: t.reviewer, text: t.text })),
        ratings: 'not-called',
      };
      if (color !== null) {
        const r = await client.getJson('ratings', SERVICE_PORT, `/ratings/${id}`, { headers: pickPropagated(req.headers), timeoutMs: opts.ratingsTimeoutMs });
        const stars = r.ok ? starsOf(r.body) : undefined;
        if (stars) {
          answer.ratings = 'ok';
          for (const rv of answer.reviews) {
            const n = stars[rv.reviewer];
            if (n !== undefined) rv.rating = { stars: n, color };
          }
        } else {
          answer.ratings = 'unavailable';
          answer.ratings_error = r.ok ? 'ratings answered without a ratings object' : r.detail;
          for (const rv of answer.reviews) rv.rating = { error: RATINGS_UNAVAILABLE };
        }
      }
      sendJson(res, 200, answer, { 'x-bookinfo-version': env.serviceVersion });
    },
  });
}

function starsOf(body: unknown): Record<string, number> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const r = (body as { ratings?: unknown }).ratings;
  if (typeof r !== 'object' || r === null) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) if (typeof v === 'number' && v >= 0 && v <= 5) out[k] = Math.round(v);
  return out;
}

if (isMainModule(import.meta.url)) runMain('reviews', (env) => startReviews(env, readReviewsOptions()));
