// The identity of a stat: its flat name and its Prometheus rendering, computed
// once when the stat is created so that scrapes only concatenate strings.
import { PROMETHEUS_NAMESPACE_PREFIX } from './defaults.js';
import { formatLabels, sanitizePrometheusName } from './prometheus-names.js';
import type { Tag } from './tag-extractor.js';
import type { TagProducer } from './tag-producer.js';

export interface StatMeta {
  /** Name on /stats and the key in the store, e.g. `cluster.foo.upstream_rq_200`. */
  readonly name: string;
  /** Name with tag text cut out, e.g. `cluster.upstream_rq`. */
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
  /** Prometheus metric family, e.g. `envoy_cluster_upstream_rq`. */
  readonly promName: string;
  /** Label pairs without braces, e.g. `envoy_response_code="200",envoy_cluster_name="foo"`. */
  readonly promLabels: string;
  /** True for metrics registered with an explicit Prometheus name and labels. */
  readonly labeled: boolean;
}

/** Meta for an Envoy-named stat: tags come from the producer; family is `envoy_` + sanitised tag-extracted name. */
export function envoyStatMeta(name: string, producer: TagProducer): StatMeta {
  const { tagExtractedName, tags } = producer.produce(name);
  return {
    name,
    tagExtractedName,
    tags,
    promName: PROMETHEUS_NAMESPACE_PREFIX + sanitizePrometheusName(tagExtractedName),
    promLabels: formatLabels(tags),
    labeled: false,
  };
}

/**
 * The /stats name of a labeled metric. Istio's proxies print their
 * Prometheus-first metrics this way (`reporter=.=destination;.;…;.;istio_requests_total`),
 * and Istio's own tag regexes parse that form, so weft uses it too.
 */
export function flattenLabeledName(promName: string, labels: readonly Tag[]): string {
  let out = '';
  for (const l of labels) out += `${l.name}=.=${l.value};.;`;
  // One stat per line on /stats: control characters in label values become '_'.
  return (out + promName).replace(/[\x00-\x1f\x7f]/g, '_');
}

/** Meta for a metric registered with an explicit Prometheus name and labels (label order kept). */
export function labeledStatMeta(promName: string, labels: Readonly<Record<string, string>>): StatMeta {
  const tags: Tag[] = Object.entries(labels).map(([name, value]) => ({ name: sanitizePrometheusName(name), value }));
  const family = sanitizePrometheusName(promName);
  return {
    name: flattenLabeledName(family, tags),
    tagExtractedName: family,
    tags,
    promName: family,
    promLabels: formatLabels(tags),
    labeled: true,
  };
}
