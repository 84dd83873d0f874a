// The first graph request starts while the graph page's module (Cytoscape,
// the biggest chunk) is still loading; the page takes the pending promise.
import { api, type Graph } from './api.js';
import { currentWindow } from './window-sel.js';

let pending: { window: string; graph: Promise<Graph> } | undefined;

export function prefetchGraph(q: URLSearchParams): void {
  const window = currentWindow(q);
  const graph = api.graph(window);
  graph.catch(() => {}); // the page reports the error when it takes the promise
  pending = { window, graph };
}

/** The prefetched graph for this window (once), else a fresh request. */
export function takeGraph(window: string): Promise<Graph> {
  const p = pending?.window === window ? pending.graph : undefined;
  pending = undefined;
  return p ?? api.graph(window);
}
