// istio.stats for HTTP (stats.PluginConfig in a TypedStruct).
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodeIstioStatsConfig, type IstioStatsConfig } from './decode.js';
import { ISTIO_STATS_HTTP_NAME, ISTIO_STATS_TYPE_URL } from './defaults.js';
import { IstioStatsFilterFactory } from './istio-stats-filter.js';

export const istioStatsRegistration: HttpFilterRegistration<IstioStatsConfig> = {
  name: ISTIO_STATS_HTTP_NAME,
  typeUrls: [ISTIO_STATS_TYPE_URL],
  typedStructOnly: true,
  decode: (cfg, path, errs) => decodeIstioStatsConfig(cfg, path, errs),
  factory: (config, ctx) => new IstioStatsFilterFactory(ctx.name, config, ctx),
  stats: { prefix: '', counters: ['istio_stats.label_value_overflow'] },
};
