// HttpConnectionManager.tracing → TracingConfig: sampling, custom tags, and the
// provider found in the tracer registry (extensions/tracers.ts).
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type {
  envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager_Tracing as TracingProto,
  envoy_type_tracing_v3_CustomTag as CustomTagProto,
  envoy_type_v3_Percent,
} from '../../xds/gen/types.js';
import { checkSupported, wrapped } from '../config/support.js';
import { TRACERS } from '../extensions/tracers.js';
import { TRACING_DEFAULTS, type CustomTagConfig, type TracingConfig } from './tracing-config.js';

const TRACING_FIELDS = ['client_sampling', 'random_sampling', 'overall_sampling', 'verbose', 'max_path_tag_length', 'custom_tags', 'provider', 'spawn_upstream_span'] as const;

/**
 * Decodes `tracing` at `path`. Returns undefined when tracing is off (absent)
 * or unusable (errors reported). `env` is the process environment, read here
 * once for `environment` tags, as Envoy reads it when it loads the config.
 */
export function decodeTracing(t: TracingProto | undefined, path: string, errs: ConfigErrors, env: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  if (!t) return undefined;
  checkSupported(t, path, errs, TRACING_FIELDS);
  const before = errs.errors.length;
  const clientSampling = samplingOf(t.client_sampling, joinPath(path, 'client_sampling'), errs);
  const randomSampling = samplingOf(t.random_sampling, joinPath(path, 'random_sampling'), errs);
  const overallSampling = samplingOf(t.overall_sampling, joinPath(path, 'overall_sampling'), errs);
  if (t.verbose) errs.unsupported(joinPath(path, 'verbose'), 'verbose: true (per-filter span logs)');
  const spawnUpstreamSpan = wrapped(t.spawn_upstream_span, false);
  if (spawnUpstreamSpan) errs.unsupported(joinPath(path, 'spawn_upstream_span'), 'spawn_upstream_span: true (the sidecar span is the only span; Istio leaves this off)');
  const customTags = (t.custom_tags ?? []).map((c, i) => decodeCustomTag(c, joinPath(joinPath(path, 'custom_tags'), i), errs, env));

  const pp = joinPath(path, 'provider');
  let tracer;
  let providerName = '';
  if (!t.provider) errs.required(pp, `provider is required (supported here: ${TRACERS.supportedList()})`);
  else {
    checkSupported(t.provider, pp, errs, ['name', 'typed_config']);
    const reg = TRACERS.lookup(t.provider.typed_config, pp, errs, t.provider.name);
    if (reg) {
      providerName = reg.name;
      tracer = reg.decode(t.provider.typed_config!, joinPath(pp, 'typed_config'), errs, undefined);
    }
  }
  if (!tracer || errs.errors.length > before) return undefined;
  return {
    providerName,
    tracer,
    clientSampling,
    randomSampling,
    overallSampling,
    verbose: false,
    maxPathTagLength: wrapped(t.max_path_tag_length, TRACING_DEFAULTS.maxPathTagLength),
    customTags: customTags.filter((c): c is CustomTagConfig => c !== undefined),
    spawnUpstreamSpan,
  };
}

/** Percent (0–100) → numerator of 10000, rounded, as Envoy stores it (PROTOBUF_PERCENT_TO_ROUNDED_INTEGER_OR_DEFAULT). */
function samplingOf(p: envoy_type_v3_Percent | undefined, path: string, errs: ConfigErrors): number {
  if (!p) return TRACING_DEFAULTS.sampling;
  const v = p.value ?? 0;
  if (!(v >= 0 && v <= 100)) {
    errs.error(joinPath(path, 'value'), `must be between 0 and 100 (got ${v})`);
    return 0;
  }
  return Math.round(v * 100);
}

function decodeCustomTag(c: CustomTagProto, path: string, errs: ConfigErrors, env: NodeJS.ProcessEnv): CustomTagConfig | undefined {
  checkSupported(c, path, errs, ['tag', 'literal', 'environment', 'request_header']);
  const tag = c.tag ?? '';
  if (!tag) errs.required(joinPath(path, 'tag'));
  if (c.metadata) return undefined; // refused above by checkSupported
  const kinds = [c.literal && 'literal', c.environment && 'environment', c.request_header && 'request_header'].filter(Boolean);
  if (kinds.length !== 1) {
    errs.error(path, kinds.length ? `only one of literal, environment, request_header may be set (found ${kinds.join(', ')})` : 'one of literal, environment, request_header is required', kinds.length ? CFG.CONFLICT : CFG.REQUIRED);
    return undefined;
  }
  if (c.literal) {
    checkSupported(c.literal, joinPath(path, 'literal'), errs, ['value']);
    if (!c.literal.value) errs.required(joinPath(joinPath(path, 'literal'), 'value'));
    return tag && c.literal.value ? { kind: 'literal', tag, value: c.literal.value } : undefined;
  }
  if (c.environment) {
    const ep = joinPath(path, 'environment');
    checkSupported(c.environment, ep, errs, ['name', 'default_value']);
    const name = c.environment.name ?? '';
    if (!name) errs.required(joinPath(ep, 'name'));
    return tag && name ? { kind: 'environment', tag, value: env[name] ?? c.environment.default_value ?? '' } : undefined;
  }
  const hp = joinPath(path, 'request_header');
  checkSupported(c.request_header, hp, errs, ['name', 'default_value']);
  const header = (c.request_header!.name ?? '').toLowerCase();
  if (!header) errs.required(joinPath(hp, 'name'));
  return tag && header ? { kind: 'request_header', tag, header, defaultValue: c.request_header!.default_value ?? '' } : undefined;
}
