// ratings v1: star ratings as JSON. Calls nothing. It can be made slow or
// flaky on purpose, to show what retries and per-try timeouts fix:
//   RATINGS_FLAKY_PERCENT  share of requests (0–100) answered 503 at random
//   RATINGS_DELAY_MS       delay before answering (default 0)
//   RATINGS_DELAY_PERCENT  share of requests (0–100) that get the delay (default 100)
//   GET /ratings/<id> → 200 {id, ratings: {reviewer: stars}}, or 503 when flaky.
import { RATINGS } from './catalog.js';
import { readIntEnv, type AppEnv } from './lib/app-env.js';
import { idAfter, notFound, sendJson } from './lib/http-util.js';
import { isMainModule, runMain, startService, type RunningService } from './lib/run-service.js';

export interface RatingsBehaviour {
  /** 0–100: share of requests answered 503. */
  flakyPercent: number;
  /** Delay before answering a delayed request. */
  delayMs: number;
  /** 0–100: share of requests that get the delay. */
  delayPercent: number;
  /** Uniform in [0, 1); injectable so tests can pin the dice. */
  random: () => number;
}

/** Defaults: a well-behaved service; a delay, once set, applies to every request. */
export const RATINGS_DEFAULTS = { flakyPercent: 0, delayMs: 0, delayPercent: 100 } as const;

export function readRatingsBehaviour(env: NodeJS.ProcessEnv = process.env): RatingsBehaviour {
  return {
    flakyPercent: readIntEnv(env, 'RATINGS_FLAKY_PERCENT', RATINGS_DEFAULTS.flakyPercent, 100),
    delayMs: readIntEnv(env, 'RATINGS_DELAY_MS', RATINGS_DEFAULTS.delayMs, 600_000),
    delayPercent: readIntEnv(env, 'RATINGS_DELAY_PERCENT', RATINGS_DEFAULTS.delayPercent, 100),
    random: Math.random,
  };
}

export function startRatings(env: AppEnv, behaviour: RatingsBehaviour, log?: (line: string) => void): Promise<RunningService> {
  const b = behaviour;
  return startService({
    env,
    log,
    handler: (req, res, path) => {
      const id = idAfter(path, '/ratings/');
      const ratings = id === undefined ? undefined : RATINGS.get(id);
      if (id === undefined || !ratings) return notFound(res);
      const answer = (): void => {
        if (b.flakyPercent > 0 && b.random() * 100 < b.flakyPercent) {
          sendJson(res, 503, { error: `ratings fails on purpose (RATINGS_FLAKY_PERCENT=${b.flakyPercent})` });
          return;
        }
        sendJson(res, 200, { id, ratings, served_by: env.workload });
      };
      if (b.delayMs > 0 && b.random() * 100 < b.delayPercent) {
        const t = setTimeout(answer, b.delayMs);
        req.socket.once('close', () => clearTimeout(t));
        return;
      }
      answer();
    },
  });
}

if (isMainModule(import.meta.url)) {
  runMain('ratings', (env) => {
    const b = readRatingsBehaviour();
    if (b.flakyPercent > 0 || b.delayMs > 0) console.log(`${env.workload}: flaky ${b.flakyPercent}%, delay ${b.delayMs} ms for ${b.delayPercent}% of requests`);
    return startRatings(env, b);
  });
}
