// envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig → SdsRef: a
// secret's name and where it is served (sds_config).
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_extensions_transport_sockets_tls_v3_SdsSecretConfig } from '../../xds/gen/types.js';
import { decodeApiConfigSource } from '../config/dynamic-resources.js';
import { checkSupported } from '../config/support.js';
import type { SdsRef, SdsSource } from './tls-config.js';

/**
 * sds_config absent → a bootstrap static secret; `ads: {}` → the ADS stream;
 * api_config_source (GRPC, one envoy_grpc cluster) → an SDS stream to that
 * cluster; path_config_source (or the deprecated path) → a file.
 */
export function decodeSdsSecretConfig(msg: envoy_extensions_transport_sockets_tls_v3_SdsSecretConfig, path: string, errs: ConfigErrors): SdsRef | undefined {
  checkSupported(msg, path, errs, ['name', 'sds_config']);
  if (!msg.name) errs.required(joinPath(path, 'name'), 'name is required');
  const source = msg.sds_config ? decodeSdsSource(msg.sds_config, joinPath(path, 'sds_config'), errs) : { kind: 'static' as const };
  if (!msg.name || !source) return undefined;
  return { name: msg.name, source };
}

function decodeSdsSource(cs: NonNullable<envoy_extensions_transport_sockets_tls_v3_SdsSecretConfig['sds_config']>, path: string, errs: ConfigErrors): SdsSource | undefined {
  checkSupported(cs, path, errs, ['ads', 'api_config_source', 'path_config_source', 'path', 'resource_api_version', 'initial_fetch_timeout']);
  if (cs.resource_api_version === 'V2') errs.error(joinPath(path, 'resource_api_version'), 'the v2 xDS API is gone; use V3');
  const set = (['ads', 'api_config_source', 'path_config_source', 'path'] as const).filter((k) => cs[k] !== undefined);
  if (set.length !== 1) {
    errs.error(path, set.length ? `only one of ads, api_config_source, path_config_source, path may be set (found ${set.join(', ')})` : 'one of ads, api_config_source, path_config_source is required');
    return undefined;
  }
  if (cs.ads) return { kind: 'ads' };
  if (cs.api_config_source) {
    const a = decodeApiConfigSource(cs.api_config_source, joinPath(path, 'api_config_source'), errs);
    return a ? { kind: 'api', clusterName: a.cluster } : undefined;
  }
  if (cs.path_config_source) {
    const pp = joinPath(path, 'path_config_source');
    checkSupported(cs.path_config_source, pp, errs, ['path']);
    if (!cs.path_config_source.path) {
      errs.required(joinPath(pp, 'path'), 'path is required');
      return undefined;
    }
    return { kind: 'path', path: cs.path_config_source.path };
  }
  if (!cs.path) {
    errs.required(joinPath(path, 'path'), 'path must not be empty');
    return undefined;
  }
  return { kind: 'path', path: cs.path };
}
