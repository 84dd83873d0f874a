// A cluster's transport sockets: `transport_socket` (the default) and
// `transport_socket_matches`, which choose another socket per endpoint from
// the endpoint's (then the locality's) filter_metadata
// ["envoy.transport_socket_match"]. Istio's auto mTLS relies on it: endpoints
// labelled `tlsMode: istio` get mutual TLS, the rest plaintext.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_cluster_v3_Cluster, envoy_config_core_v3_Metadata } from '../../xds/gen/types.js';
import { checkSupported } from '../config/support.js';
import { decodeTransportSocket } from '../extensions/transport-sockets.js';
import { RAW_BUFFER } from '../transport-socket/raw-buffer.js';
import type { TransportSocketConfig } from '../tls/tls-config.js';

/** The filter_metadata namespace transport_socket_matches reads (Envoy's ENVOY_TRANSPORT_SOCKET_MATCH). */
export const TRANSPORT_SOCKET_MATCH_NAMESPACE = 'envoy.transport_socket_match';

/** One transport_socket_matches entry, decoded. */
export interface TransportSocketMatchConfig {
  readonly name: string;
  /** Every key must be present in the metadata with an equal value; `{}` matches every endpoint. */
  readonly match: Readonly<Record<string, unknown>>;
  readonly transportSocket: TransportSocketConfig;
}

/** The match labels an endpoint carries (filter_metadata["envoy.transport_socket_match"]), of the endpoint and of its locality. */
export interface SocketMatchMetadata {
  readonly endpoint?: Readonly<Record<string, unknown>>;
  readonly locality?: Readonly<Record<string, unknown>>;
}

/** The transport_socket_match labels of a Metadata message, or undefined. */
export function socketMatchLabels(md: envoy_config_core_v3_Metadata | undefined): Readonly<Record<string, unknown>> | undefined {
  const v = md?.filter_metadata?.[TRANSPORT_SOCKET_MATCH_NAMESPACE];
  return v && typeof v === 'object' ? v : undefined;
}

/** Decodes transport_socket and transport_socket_matches of a cluster. */
export function decodeClusterTransportSockets(
  c: envoy_config_cluster_v3_Cluster,
  path: string,
  errs: ConfigErrors,
): { transportSocket: TransportSocketConfig; transportSocketMatches: TransportSocketMatchConfig[] } {
  const transportSocket = (c.transport_socket && decodeTransportSocket(c.transport_socket, joinPath(path, 'transport_socket'), errs, 'cluster')) || RAW_BUFFER;
  const transportSocketMatches: TransportSocketMatchConfig[] = [];
  const names = new Set<string>();
  (c.transport_socket_matches ?? []).forEach((m, i) => {
    const p = joinPath(joinPath(path, 'transport_socket_matches'), i);
    checkSupported(m, p, errs, ['name', 'match', 'transport_socket']);
    const name = m.name ?? '';
    if (!name) errs.required(joinPath(p, 'name'));
    else if (names.has(name)) errs.error(joinPath(p, 'name'), `duplicate transport socket match name "${name}"`);
    names.add(name);
    if (!m.transport_socket) {
      errs.required(joinPath(p, 'transport_socket'));
      return;
    }
    const ts = decodeTransportSocket(m.transport_socket, joinPath(p, 'transport_socket'), errs, 'cluster');
    if (ts) transportSocketMatches.push({ name, match: m.match ?? {}, transportSocket: ts });
  });
  return { transportSocket, transportSocketMatches };
}

/**
 * Envoy's metadataLabelMatch: every label is present with an equal value.
 * Absent labels (no metadata, or no envoy.transport_socket_match namespace)
 * match only an empty label set.
 */
function labelsMatch(match: Readonly<Record<string, unknown>>, labels: Readonly<Record<string, unknown>> | undefined): boolean {
  const keys = Object.keys(match);
  if (!labels) return keys.length === 0;
  for (const k of keys) {
    if (!(k in labels) || !valueEquals(match[k], labels[k])) return false;
  }
  return true;
}

/** google.protobuf.Value equality on the JSON form. */
function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => valueEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * The index of the first match for an endpoint, or -1 for the cluster's
 * transport_socket. The endpoint's labels are tried against every match
 * before the locality's, as Envoy does.
 */
export function resolveTransportSocketMatch(matches: readonly TransportSocketMatchConfig[], md: SocketMatchMetadata | undefined): number {
  for (let i = 0; i < matches.length; i++) if (labelsMatch(matches[i]!.match, md?.endpoint)) return i;
  for (let i = 0; i < matches.length; i++) if (labelsMatch(matches[i]!.match, md?.locality)) return i;
  return -1;
}
