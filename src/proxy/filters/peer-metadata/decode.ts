// io.istio.http.peer_metadata.Config, as Istio's control plane sends it: in an
// xds.type.v3.TypedStruct (Istio ships no proto for it on a registry weft can
// use). Only the `istio_headers` method exists in weft; `baggage` and
// `workload_discovery` are refused by name.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type { AnyMessage } from '../../../xds/gen/types.js';
import { TYPED_STRUCT_TYPE_URLS } from '../../extensions/registration.js';
import { PEER_METADATA_TYPE_URL } from './defaults.js';

export interface PeerMetadataConfig {
  /** Read the client's headers from the request (server sidecar). */
  readonly downstreamDiscovery: boolean;
  /** Read the server's headers from the response (client sidecar). */
  readonly upstreamDiscovery: boolean;
  /** Answer a mesh client with this node's headers on the response (server sidecar). */
  readonly downstreamPropagation: boolean;
  /** Send this node's headers on the request (client sidecar). */
  readonly upstreamPropagation: boolean;
}

const LISTS = ['downstream_discovery', 'upstream_discovery', 'downstream_propagation', 'upstream_propagation'] as const;

/**
 * The Struct inside a TypedStruct whose type_url is `typeUrl`, or undefined
 * (reported) when `cfg` is not one: weft has no descriptor for Istio's own
 * messages, so they are accepted only in the TypedStruct form.
 */
export function typedStructValue(cfg: AnyMessage, typeUrl: string, path: string, errs: ConfigErrors): Record<string, unknown> | undefined {
  if (!TYPED_STRUCT_TYPE_URLS.includes(cfg['@type'])) {
    errs.error(path, `"${typeUrl}" is accepted inside an xds.type.v3.TypedStruct (type_url "${typeUrl}"), as Istio's control plane sends it; weft has no descriptor for the message itself`, CFG.UNSUPPORTED_VALUE);
    return undefined;
  }
  const v = (cfg as { value?: unknown }).value;
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    errs.error(joinPath(path, 'value'), 'must be an object', CFG.WRONG_TYPE);
    return undefined;
  }
  return v as Record<string, unknown>;
}

export function decodePeerMetadataConfig(cfg: AnyMessage, path: string, errs: ConfigErrors): PeerMetadataConfig | undefined {
  const before = errs.errors.length;
  const v = typedStructValue(cfg, PEER_METADATA_TYPE_URL, path, errs);
  if (!v) return undefined;
  const vp = joinPath(path, 'value');
  const found: Record<(typeof LISTS)[number], boolean> = { downstream_discovery: false, upstream_discovery: false, downstream_propagation: false, upstream_propagation: false };
  for (const key of Object.keys(v)) {
    const kp = joinPath(vp, key);
    if (key === 'shared_with_upstream') {
      if (v[key] !== false) errs.unsupported(kp);
      continue;
    }
    if (!(LISTS as readonly string[]).includes(key)) {
      errs.error(kp, `unknown field "${key}" (expected ${LISTS.join(', ')})`, CFG.UNKNOWN_FIELD);
      continue;
    }
    const list = v[key];
    if (!Array.isArray(list)) {
      errs.error(kp, 'must be a list', CFG.WRONG_TYPE);
      continue;
    }
    list.forEach((m, i) => {
      const mp = joinPath(kp, i);
      if (m === null || typeof m !== 'object' || Array.isArray(m)) {
        errs.error(mp, 'must be an object with one discovery or propagation method', CFG.WRONG_TYPE);
        return;
      }
      const methods = Object.keys(m as object);
      if (methods.length !== 1) {
        errs.error(mp, `exactly one method is required (istio_headers), got ${methods.length}`, CFG.CONFLICT);
        return;
      }
      const method = methods[0]!;
      if (method === 'istio_headers') {
        const opts = (m as Record<string, unknown>)[method];
        if (opts !== null && typeof opts === 'object') for (const o of Object.keys(opts)) errs.unsupported(joinPath(joinPath(mp, method), o));
        found[key as (typeof LISTS)[number]] = true;
      } else if (method === 'baggage' || method === 'workload_discovery') {
        errs.error(joinPath(mp, method), `peer metadata method "${method}" is not supported by weft (supported: istio_headers)`, CFG.UNSUPPORTED_VALUE);
      } else {
        errs.error(joinPath(mp, method), `unknown peer metadata method "${method}"`, CFG.UNKNOWN_FIELD);
      }
    });
  }
  if (errs.errors.length > before) return undefined;
  return {
    downstreamDiscovery: found.downstream_discovery,
    upstreamDiscovery: found.upstream_discovery,
    downstreamPropagation: found.downstream_propagation,
    upstreamPropagation: found.upstream_propagation,
  };
}
