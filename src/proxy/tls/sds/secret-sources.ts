// The seams between the SDS manager and the places secrets come from. Each
// source delivers raw Secret resources (state of the world, as read from a
// stream or a file) and the manager decodes, validates, counts and stores
// them; a source never touches the store itself.
import type { AnyMessage, envoy_extensions_transport_sockets_tls_v3_Secret } from '../../../xds/gen/types.js';
import type { SdsRef } from '../tls-config.js';

/** envoy.extensions.transport_sockets.tls.v3.Secret, as every source delivers it. */
export type Secret = envoy_extensions_transport_sockets_tls_v3_Secret;

/** What a running source (an SDS stream, a watched file) reports to. Called by the source only. */
export interface SecretUpdateSink {
  /**
   * One response (or file read) for the secret: `resources` as received.
   * Returns undefined when accepted, or every error formatted (the NACK's
   * error_detail); a rejected update leaves the last good value in place.
   * `preErrors` are errors already found reading it (parse, wrong type_url).
   */
  update(version: string, resources: readonly AnyMessage[], preErrors?: string): string | undefined;
  /** The source could not be read or reached (counted as update_failure, logged once per reason). */
  failure(reason: string): void;
}

/** A started source; stop() ends it (stream cancelled, watch closed). */
export interface RunningSource {
  stop(): void;
}

/**
 * The ADS stream's side of SDS over ADS: the xDS client implements it and
 * the manager asks it for names on demand (Envoy subscribes Secret by name,
 * never by wildcard).
 */
export interface AdsSecretChannel {
  /** Adds `name` to the Secret subscription (sent at once when the stream is up, else on connect). */
  subscribeSecret(name: string): void;
}

/** The SDS manager's side of SDS over ADS, as the xDS client sees it. */
export interface AdsSecretTarget {
  /**
   * A Secret response (state of the world, or delta with `removed`). Returns
   * the NACK text, or undefined when accepted.
   */
  adsUpdate(version: string, resources: readonly AnyMessage[], removed?: readonly string[]): string | undefined;
}

/**
 * Envoy's warming of listeners and clusters on their secrets, as the xDS
 * client asks it: a listener or cluster from LDS/CDS is not put in service
 * until each secret it names has arrived or its initial_fetch_timeout passed.
 */
export interface SecretWarming {
  /**
   * Starts fetching `ref` if nothing has yet (as a TLS context's subscription
   * would), with the reference's own initial_fetch_timeout when it sets one;
   * true once it arrived or timed out.
   */
  warmed(ref: SdsRef, initialFetchTimeoutMs?: number): boolean;
  /** Calls `fn` whenever a secret stops warming. Returns an unsubscribe. */
  onSettled(fn: (ref: SdsRef) => void): () => void;
}
