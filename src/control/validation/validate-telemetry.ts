// Telemetry (telemetry.istio.io v1/v1alpha1): the spec's schema and Istio's
// ValidateTelemetry rules (pkg/config/validation), plus what weft cannot
// evaluate, refused by name: targetRef(s) (no Gateway API), tag values and
// access log filters outside the supported expression subsets, custom
// metrics (no `definitions`), `useRequestIdForTraceSampling: false`.
// `tracing` is translated in translate/telemetry-tracing.ts.
import type { TelemetrySpec } from '../../api/telemetry.js';
import { ISTIO_METRICS, TAG_OPERATIONS, WORKLOAD_MODES } from '../../api/telemetry.js';
import { parseTagExpression } from '../../proxy/filters/istio-stats/tag-expression.js';
import { METRIC_SHORT_NAMES } from '../../proxy/filters/istio-stats/decode.js';
import { translateLogFilterExpression } from '../translate/telemetry-log-filter.js';
import { checkDuration, checkWorkloadSelector, each } from './common-checks.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { bool, double, duration, enumOf, list, map, obj, str, unsupportedField, type Shape } from './schema.js';

const providers = list(obj({ name: str }));
const mode = enumOf(...WORKLOAD_MODES);
const TARGET_REFS = 'weft has no Gateway API resources (targetRef selects Gateway API objects); use selector.matchLabels';

/** The spec schema (strict: unknown fields are refused, as Istio's CRD does). */
export const TELEMETRY_SCHEMA: Shape = obj({
  selector: obj({ matchLabels: map(str) }),
  targetRef: unsupportedField(TARGET_REFS),
  targetRefs: unsupportedField(TARGET_REFS),
  tracing: list(obj({
    match: obj({ mode }),
    providers,
    randomSamplingPercentage: double,
    disableSpanReporting: bool,
    customTags: map(obj({
      literal: obj({ value: str }),
      environment: obj({ name: str, defaultValue: str }),
      header: obj({ name: str, defaultValue: str }),
    }, [['literal', 'environment', 'header']])),
    useRequestIdForTraceSampling: bool,
    enableIstioTags: bool,
  })),
  metrics: list(obj({
    providers,
    overrides: list(obj({
      match: obj({ metric: enumOf(...ISTIO_METRICS), customMetric: str, mode }, [['metric', 'customMetric']]),
      disabled: bool,
      tagOverrides: map(obj({ operation: enumOf(...TAG_OPERATIONS), value: str })),
    })),
    reportingInterval: duration,
  })),
  accessLogging: list(obj({
    match: obj({ mode }),
    providers,
    disabled: bool,
    filter: obj({ expression: str }),
  })),
});

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkProviders(ps: { name?: string }[] | undefined, path: string, r: Reporter): void {
  each(ps, (p, i) => {
    if (!p.name) r.report('WEFT0107', childPath(childPath(path, i), 'name'), 'provider name must be set');
  });
}

/** Istio's semantic rules on a schema-checked spec, and weft's supported subsets. */
export function validateTelemetry(spec: TelemetrySpec, r: Reporter): void {
  const sel = spec.selector;
  checkWorkloadSelector(sel?.matchLabels, sel !== undefined, 'spec.selector', r, 'matchLabels');
  each(spec.tracing, (t, i) => {
    const p = childPath('spec.tracing', i);
    checkProviders(t.providers, childPath(p, 'providers'), r);
    if ((t.providers?.length ?? 0) > 1) r.report('WEFT0106', childPath(p, 'providers'), 'only one tracing provider is supported per entry (Istio uses the first)');
    const pct = t.randomSamplingPercentage;
    if (pct !== undefined && (pct < 0 || pct > 100)) r.report('WEFT0102', childPath(p, 'randomSamplingPercentage'), `randomSamplingPercentage ${pct} must be in the range 0..100`);
    // weft's sidecars always keep the sampling decision in x-request-id (Envoy's UUID request id default).
    if (t.useRequestIdForTraceSampling === false) r.report('WEFT0016', childPath(p, 'useRequestIdForTraceSampling'), 'useRequestIdForTraceSampling: false is not supported: weft\'s sidecars always carry the sampling decision in x-request-id (Istio\'s default, true)');
    for (const [name, tag] of Object.entries(t.customTags ?? {})) {
      const tp = childPath(childPath(p, 'customTags'), name);
      if (!tag.literal && !tag.environment && !tag.header) r.report('WEFT0107', tp, 'custom tag must set one of literal, environment, header');
      if (tag.environment && !tag.environment.name) r.report('WEFT0107', childPath(childPath(tp, 'environment'), 'name'), 'environment name must be set');
      if (tag.header && !tag.header.name) r.report('WEFT0107', childPath(childPath(tp, 'header'), 'name'), 'header name must be set');
    }
  });
  each(spec.metrics, (m, i) => {
    const p = childPath('spec.metrics', i);
    checkProviders(m.providers, childPath(p, 'providers'), r);
    if (m.reportingInterval !== undefined) {
      checkDuration(m.reportingInterval, childPath(p, 'reportingInterval'), r);
      r.report('WEFT0164', childPath(p, 'reportingInterval'), 'reportingInterval is accepted but not honoured by weft: sidecars report each request or connection when it ends');
    }
    each(m.overrides, (o, j) => {
      const op = childPath(childPath(p, 'overrides'), j);
      const custom = o.match?.customMetric;
      if (custom !== undefined && !METRIC_SHORT_NAMES.includes(custom)) {
        r.report('WEFT0118', childPath(childPath(op, 'match'), 'customMetric'), `customMetric "${custom}" is not one of Istio's standard metrics (${METRIC_SHORT_NAMES.join(', ')}); weft has no custom metric definitions`);
      }
      for (const [tag, t] of Object.entries(o.tagOverrides ?? {})) {
        const tp = childPath(childPath(op, 'tagOverrides'), tag);
        if (!LABEL_NAME.test(tag)) r.report('WEFT0109', tp, `"${tag}" is not a valid metric label name`);
        const remove = t.operation === 'REMOVE';
        if (remove && t.value !== undefined && t.value !== '') r.report('WEFT0106', childPath(tp, 'value'), 'value must not be set when operation is REMOVE');
        if (!remove) {
          if (t.value === undefined || t.value === '') r.report('WEFT0107', childPath(tp, 'value'), 'value must be set when operation is UPSERT');
          else {
            const e = parseTagExpression(t.value);
            if ('error' in e) r.report('WEFT0118', childPath(tp, 'value'), e.error);
          }
        }
      }
    });
  });
  each(spec.accessLogging, (a, i) => {
    const p = childPath('spec.accessLogging', i);
    checkProviders(a.providers, childPath(p, 'providers'), r);
    const expr = a.filter?.expression;
    if (a.filter && (expr === undefined || expr.trim() === '')) r.report('WEFT0107', childPath(childPath(p, 'filter'), 'expression'), 'filter expression must be set');
    else if (expr !== undefined) {
      const f = translateLogFilterExpression(expr);
      if ('errors' in f) for (const e of f.errors) r.report('WEFT0118', childPath(childPath(p, 'filter'), 'expression'), e);
    }
  });
}
