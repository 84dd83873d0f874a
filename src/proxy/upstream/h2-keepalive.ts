// HTTP/2 connection keepalive on upstream connections
// (Http2ProtocolOptions.connection_keepalive, Istio's DestinationRule
// connectionPool.http.http2KeepAlive): a PING every `interval` (plus a random
// jitter of up to interval_jitter percent of it); a connection whose PING is
// not acknowledged within `timeout` is closed, counted in
// cluster.<name>.http2.keepalive_timeout, so requests stop going to a peer
// that silently went away. Envoy also extends the timeout when any other
// frame arrives; node:http2 does not surface frames, so weft waits for the
// PING's acknowledgement alone.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { Clock, TimerHandle } from '../../common/clock.js';
import type { envoy_config_core_v3_KeepaliveSettings } from '../../xds/gen/types.js';
import { checkSupported, durationMs } from '../config/support.js';

export interface H2KeepaliveConfig {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** interval_jitter as a fraction of the interval. */
  readonly jitter: number;
}

/** Envoy's default interval_jitter: 15 %. */
export const H2_KEEPALIVE_DEFAULT_JITTER_PERCENT = 15;

/** Decodes connection_keepalive; undefined when no PINGs are to be sent (no interval). */
export function decodeH2Keepalive(k: envoy_config_core_v3_KeepaliveSettings, path: string, errs: ConfigErrors): H2KeepaliveConfig | undefined {
  checkSupported(k, path, errs, ['interval', 'timeout', 'interval_jitter']);
  const timeoutMs = durationMs(k.timeout, 0);
  // Envoy: timeout is required and at least 1 ms.
  if (timeoutMs < 1) errs.error(joinPath(path, 'timeout'), 'is required and must be at least 1ms');
  const intervalMs = durationMs(k.interval, 0);
  if (k.interval && intervalMs < 1) errs.error(joinPath(path, 'interval'), 'must be at least 1ms');
  const pct = k.interval_jitter ? k.interval_jitter.value ?? 0 : H2_KEEPALIVE_DEFAULT_JITTER_PERCENT;
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) errs.error(joinPath(path, 'interval_jitter.value'), 'must be between 0 and 100');
  if (intervalMs < 1) return undefined;
  return { intervalMs, timeoutMs, jitter: Math.min(100, Math.max(0, pct)) / 100 };
}

/** The part of an HTTP/2 client session keepalive needs (node:http2's ClientHttp2Session has it). */
export interface PingableSession {
  readonly closed: boolean;
  readonly destroyed: boolean;
  ping(callback: (err: Error | null, duration: number, payload: Buffer) => void): boolean;
  destroy(): void;
}

/**
 * Starts PINGing `session`; returns a stop function (call it when the
 * session closes). `onTimeout` runs once when a PING went unanswered.
 */
export function startH2Keepalive(session: PingableSession, cfg: H2KeepaliveConfig, clock: Clock, random: () => number, onTimeout: () => void): () => void {
  let sendTimer: TimerHandle | undefined;
  let timeoutTimer: TimerHandle | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    sendTimer?.cancel();
    timeoutTimer?.cancel();
  };
  const schedule = () => {
    if (stopped) return;
    sendTimer = clock.setTimer(cfg.intervalMs + Math.floor(random() * cfg.intervalMs * cfg.jitter), send);
  };
  const send = () => {
    if (stopped || session.closed || session.destroyed) return stop();
    let sent: boolean;
    try {
      sent = session.ping((err) => {
        if (stopped || err) return; // cancelled with the session
        timeoutTimer?.cancel();
        timeoutTimer = undefined;
        schedule();
      });
    } catch {
      sent = false;
    }
    if (!sent) return stop();
    timeoutTimer = clock.setTimer(cfg.timeoutMs, () => {
      if (stopped) return;
      stop();
      onTimeout();
      session.destroy();
    });
  };
  schedule();
  return stop;
}
