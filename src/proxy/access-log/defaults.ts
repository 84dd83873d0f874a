// Access log defaults, each with the reason for its value.

/**
 * How long a line may wait in memory before it is handed to the sink.
 * Short enough that someone tailing the log sees a request as it happens;
 * long enough that under load one write carries hundreds of lines instead of
 * one syscall per request. (Envoy's own file flush interval is 1 s by default;
 * weft is also used interactively, on one machine, so it flushes sooner.)
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 100;

/**
 * Buffered size that triggers a write without waiting for the interval.
 * Envoy's access log manager uses the same 64 KiB threshold.
 */
export const DEFAULT_FLUSH_BYTES = 64 * 1024;

/**
 * Most characters one sink may hold (buffered plus handed to the OS and not yet
 * written) before new lines are dropped and counted. 4 MiB is ~13k typical
 * lines, seconds of peak traffic, and a small share of the proxy's 64 MiB
 * budget; a sink that is further behind than that is not going to catch up,
 * and the proxy must not grow without bound or stall requests waiting for it.
 */
export const DEFAULT_MAX_BUFFERED_CHARS = 4 * 1024 * 1024;
