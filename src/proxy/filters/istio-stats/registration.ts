// istio.stats for HTTP and for TCP (stats.PluginConfig in a TypedStruct, the same config both ways).
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import type { NetworkFilterRegistration } from '../../extensions/network-filter-registration.js';
import { decodeIstioStatsConfig, type IstioStatsConfig } from './decode.js';
import { ISTIO_STATS_HTTP_NAME, ISTIO_STATS_NETWORK_NAME, ISTIO_STATS_TYPE_URL } from './defaults.js';
import { IstioStatsFilterFactory } from './istio-stats-filter.js';

export const istioStatsRegistration: HttpFilterRegistration<IstioStatsConfig> = {
  name: ISTIO_STATS_HTTP_NAME,
  typeUrls: [ISTIO_STATS_TYPE_URL],
  typedStructOnly: true,
  decode: (cfg, path, errs) => decodeIstioStatsConfig(cfg, path, errs),
  factory: (config, ctx) => new IstioStatsFilterFactory(ctx.name, config, ctx),
  stats: { prefix: '', counters: ['istio_stats.label_value_overflow'] },
};

/** Before tcp_proxy: the istio_tcp_* metrics (tcp-stats.ts); the listener builds one IstioTcpStatsFactory per chain. */
export const istioTcpStatsRegistration: NetworkFilterRegistration<IstioStatsConfig> = {
  name: ISTIO_STATS_NETWORK_NAME,
  typeUrls: [ISTIO_STATS_TYPE_URL],
  typedStructOnly: true,
  terminal: false,
  decode: (cfg, path, errs) => decodeIstioStatsConfig(cfg, path, errs),
  factory: (istioTcpStats) => ({ istioTcpStats }),
};
