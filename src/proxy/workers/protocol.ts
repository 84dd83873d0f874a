// Messages between the primary process of `weft proxy --concurrency N` and
// its workers (node:cluster IPC with the "advanced" serialization, so Buffers
// and typed arrays cross without JSON). Every message is one of these.
import type { ListenerStatus } from '../runtime.js';
import type { StatsSnapshot } from './stats-snapshot.js';

/** Worker → primary. */
export type WorkerMessage =
  /** The worker's proxy started: its private admin port and bound listeners. */
  | { t: 'ready'; adminPort: number | undefined; listeners: ListenerStatus[] }
  /** The worker's proxy could not start (bind error, …); it exits next. */
  | { t: 'failed'; message: string }
  /** The worker's xDS client wants the ADS stream (method and where its xDS cluster points now). */
  | { t: 'ads-start'; method: string; authority: string; target: string | undefined }
  /** A request for the control plane (only the leader's are sent on). */
  | { t: 'ads-send'; bytes: Uint8Array }
  /** Answer to a primary's request. */
  | { t: 'reply'; id: number; stats?: StatsSnapshot };

/** Primary → worker. */
export type PrimaryMessage =
  | { t: 'ads-opened' }
  | { t: 'ads-msg'; bytes: Uint8Array }
  | { t: 'ads-closed'; reason: string }
  | { t: 'stats'; id: number }
  /** Drain and exit 0 (SIGTERM, /quitquitquit on the primary). */
  | { t: 'shutdown' };

/** Environment variable carrying the worker's slot (0..N-1) into the forked process. */
export const WORKER_SLOT_ENV = 'WEFT_WORKER_SLOT';

/** A worker as the primary's admin shows it. */
export interface WorkerView {
  slot: number;
  pid: number | undefined;
  ready: boolean;
  adminPort: number | undefined;
  restarts: number;
}
