// envoy.filters.network.tcp_proxy.
import type { NetworkFilterRegistration } from '../extensions/network-filter-registration.js';
import { decodeTcpProxy, type TcpProxyConfig } from './tcp-proxy-config.js';

export const TCP_PROXY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export const tcpProxyRegistration: NetworkFilterRegistration<TcpProxyConfig> = {
  name: 'envoy.filters.network.tcp_proxy',
  typeUrls: [TCP_PROXY_TYPE_URL],
  terminal: true,
  decode: (cfg, path, errs) => decodeTcpProxy(cfg as Parameters<typeof decodeTcpProxy>[0], path, errs),
  factory: (tcp) => ({ terminal: { kind: 'tcp', tcp } }),
  stats: {
    prefix: 'tcp.<stat_prefix>.',
    counters: ['downstream_cx_total', 'downstream_cx_rx_bytes_total', 'downstream_cx_tx_bytes_total', 'downstream_cx_no_route', 'idle_timeout'],
    gauges: ['downstream_cx_active'],
  },
};
