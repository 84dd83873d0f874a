// details v1: the book's facts as JSON. Calls nothing.
//   GET /details/<id> → 200 BookDetails (+ served_by), 404 for an unknown id.
import { BOOKS } from './catalog.js';
import type { AppEnv } from './lib/app-env.js';
import { idAfter, notFound, sendJson } from './lib/http-util.js';
import { isMainModule, runMain, startService, type RunningService } from './lib/run-service.js';

export function startDetails(env: AppEnv, log?: (line: string) => void): Promise<RunningService> {
  return startService({
    env,
    log,
    handler: (_req, res, path) => {
      const id = idAfter(path, '/details/');
      const book = id === undefined ? undefined : BOOKS.get(id);
      if (!book) return notFound(res);
      sendJson(res, 200, { ...book, served_by: env.workload });
    },
  });
}

if (isMainModule(import.meta.url)) runMain('details', (env) => startDetails(env));
