// envoy.extensions.filters.http.header_to_metadata.v3.Config decoded into
// immutable rules. cookie rules, regex_value_rewrite and PROTOBUF_VALUE are
// refused by name.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import type {
  AnyMessage,
  envoy_extensions_filters_http_header_to_metadata_v3_Config,
  envoy_extensions_filters_http_header_to_metadata_v3_Config_KeyValuePair,
  envoy_extensions_filters_http_header_to_metadata_v3_Config_Rule,
} from '../../../xds/gen/types.js';

export const HEADER_TO_METADATA_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config';
/** metadata_namespace when unset: the filter's name, as in Envoy. */
export const DEFAULT_METADATA_NAMESPACE = 'envoy.filters.http.header_to_metadata';

export interface MetadataTarget {
  readonly namespace: string;
  readonly key: string;
  /** Fixed value; undefined: the header's value. */
  readonly value: string | undefined;
  readonly type: 'STRING' | 'NUMBER';
  readonly base64: boolean;
}

export interface HeaderRule {
  /** Lower-cased header name. */
  readonly header: string;
  readonly onPresent: MetadataTarget | undefined;
  readonly onMissing: MetadataTarget | undefined;
  readonly remove: boolean;
}

export interface HeaderToMetadataSettings {
  readonly requestRules: readonly HeaderRule[];
  readonly responseRules: readonly HeaderRule[];
}

export function decodeHeaderToMetadata(cfg: AnyMessage, path: string, errs: ConfigErrors): HeaderToMetadataSettings | undefined {
  const c = cfg as envoy_extensions_filters_http_header_to_metadata_v3_Config;
  const before = errs.errors.length;
  checkSupported(c, path, errs, ['request_rules', 'response_rules']);
  const rules = (list: envoy_extensions_filters_http_header_to_metadata_v3_Config_Rule[] | undefined, p: string) =>
    (list ?? []).map((r, i) => decodeRule(r, joinPath(p, i), errs)).filter((r): r is HeaderRule => r !== undefined);
  const requestRules = rules(c.request_rules, joinPath(path, 'request_rules'));
  const responseRules = rules(c.response_rules, joinPath(path, 'response_rules'));
  if (requestRules.length === 0 && responseRules.length === 0 && errs.errors.length === before) errs.required(path, 'at least one of request_rules, response_rules is required');
  if (errs.errors.length > before) return undefined;
  return { requestRules, responseRules };
}

function decodeRule(r: envoy_extensions_filters_http_header_to_metadata_v3_Config_Rule, path: string, errs: ConfigErrors): HeaderRule | undefined {
  checkSupported(r, path, errs, ['header', 'on_header_present', 'on_header_missing', 'remove']);
  if (!r.header) {
    errs.required(joinPath(path, 'header'), 'header is required');
    return undefined;
  }
  if (!r.on_header_present && !r.on_header_missing) {
    errs.required(path, 'one of on_header_present, on_header_missing is required');
    return undefined;
  }
  const onPresent = r.on_header_present ? decodeTarget(r.on_header_present, joinPath(path, 'on_header_present'), errs) : undefined;
  const onMissing = r.on_header_missing ? decodeTarget(r.on_header_missing, joinPath(path, 'on_header_missing'), errs) : undefined;
  if (r.on_header_missing && !r.on_header_missing.value) errs.required(joinPath(joinPath(path, 'on_header_missing'), 'value'), 'on_header_missing needs a value (there is no header to copy)');
  return { header: r.header.toLowerCase(), onPresent, onMissing, remove: r.remove === true };
}

function decodeTarget(kv: envoy_extensions_filters_http_header_to_metadata_v3_Config_KeyValuePair, path: string, errs: ConfigErrors): MetadataTarget | undefined {
  checkSupported(kv, path, errs, ['metadata_namespace', 'key', 'value', 'type', 'encode']);
  if (!kv.key) errs.required(joinPath(path, 'key'), 'key is required');
  const type = kv.type ?? 'STRING';
  if (type === 'PROTOBUF_VALUE') errs.unsupported(joinPath(path, 'type'), 'value');
  else if (type !== 'STRING' && type !== 'NUMBER') errs.error(joinPath(path, 'type'), `unknown value ${String(type)} (STRING, NUMBER)`);
  const encode = kv.encode ?? 'NONE';
  if (encode !== 'NONE' && encode !== 'BASE64') errs.error(joinPath(path, 'encode'), `unknown value ${String(encode)} (NONE, BASE64)`, CFG.INVALID_VALUE);
  if (!kv.key || (type !== 'STRING' && type !== 'NUMBER')) return undefined;
  return { namespace: kv.metadata_namespace || DEFAULT_METADATA_NAMESPACE, key: kv.key, value: kv.value || undefined, type, base64: encode === 'BASE64' };
}
