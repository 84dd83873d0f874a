// Listener decoding: envoy.config.listener.v3.Listener → ListenerConfig.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type {
  envoy_config_listener_v3_FilterChain,
  envoy_config_listener_v3_FilterChainMatch,
  envoy_config_listener_v3_Listener,
} from '../../xds/gen/types.js';
import { decodeSocketAddress, type SocketAddr } from './address.js';
import { checkSupported, durationMs } from './support.js';
import { decodeAccessLogs, type AccessLogConfig } from '../access-log/decode.js';
import { decodeCidr, type Cidr } from './cidr.js';
import type { NetworkLocalRateLimitConfig } from '../filters/local-ratelimit/network-limiter.js';
import type { NetworkRbacSettings } from '../filters/rbac/decode.js';
import { NETWORK_FILTERS } from '../extensions/network-filters.js';
import { LISTENER_FILTERS } from '../extensions/listener-filters.js';
import { decodeTransportSocket } from '../extensions/transport-sockets.js';
import { RAW_BUFFER } from '../transport-socket/raw-buffer.js';
import type { TransportSocketConfig } from '../tls/tls-config.js';
import type { NetworkTerminal } from '../extensions/network-filter-spec.js';
import type { IstioStatsConfig } from '../filters/istio-stats/decode.js';
import type { TcpMetadataExchangeConfig } from '../filters/tcp-metadata-exchange/decode.js';

export type { NetworkTerminal } from '../extensions/network-filter-spec.js';

/** Envoy's v2-era filter names, so a pasted v2 config gets the v3 spelling in its error. */
const V2_FILTER_NAMES: Record<string, string> = {
  'envoy.http_connection_manager': 'envoy.filters.network.http_connection_manager',
  'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
  'envoy.router': 'envoy.filters.http.router',
};

export const LISTENER_DEFAULTS = {
  /** listener_filters_timeout: 15 s, as Envoy. */
  listenerFiltersTimeoutMs: 15_000,
};

export interface FilterChainMatch {
  destinationPort?: number;
  prefixRanges: Cidr[];
  serverNames: string[];
  transportProtocol: string;
  applicationProtocols: string[];
  sourcePrefixRanges: Cidr[];
  directSourcePrefixRanges: Cidr[];
  sourcePorts: number[];
  sourceType: 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';
}

export interface FilterChainConfig {
  name: string;
  match: FilterChainMatch;
  /** envoy.filters.network.local_ratelimit entries, in order: checked on accept. */
  rateLimits: NetworkLocalRateLimitConfig[];
  /** istio.stats as a network filter (Istio's TCP metrics); only before tcp_proxy. */
  istioTcpStats?: IstioStatsConfig;
  /** envoy.filters.network.metadata_exchange (Istio's TCP peer exchange); before tcp_proxy or an HCM. */
  metadataExchange?: TcpMetadataExchangeConfig;
  /** envoy.filters.network.rbac entries, in order: checked once TLS is terminated, before the terminal. */
  rbac: NetworkRbacSettings[];
  terminal: NetworkTerminal;
  /** raw_buffer, or tls_downstream: TLS is terminated once this chain is chosen. */
  transportSocket: TransportSocketConfig;
}

export interface ListenerConfig {
  readonly name: string;
  readonly address: SocketAddr;
  readonly statPrefix: string;
  readonly filterChains: FilterChainConfig[];
  readonly defaultFilterChain?: FilterChainConfig;
  readonly tlsInspector: boolean;
  readonly httpInspector: boolean;
  /** envoy.filters.listener.original_dst: see upstream/original-dst.ts for what it recovers on weft. */
  readonly originalDst: boolean;
  /**
   * use_original_dst: a connection whose original destination was restored
   * goes to the listener bound (or not: bind_to_port false) to that address,
   * else to the wildcard listener on that port, else stays here (Envoy's
   * hand-off from Istio's virtualOutbound to the per-port listeners).
   */
  readonly useOriginalDst: boolean;
  readonly listenerFiltersTimeoutMs: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  readonly accessLogs: AccessLogConfig[];
  readonly bindToPort: boolean;
  readonly source: envoy_config_listener_v3_Listener;
}

export interface ListenerDecodeContext {
  allowRds: boolean;
  /**
   * Name for a listener without one. Envoy makes `name` optional for static
   * listeners (it generates a unique one); over LDS the name is the resource's
   * name, so callers there leave this unset and a missing name is an error.
   */
  generatedName?: string;
  /** Set by decodeListener from the listener's traffic_direction, for its filters (the HCM's tracing span kind). */
  trafficDirection?: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';
}

const LISTENER_FIELDS = [
  'name', 'address', 'stat_prefix', 'filter_chains', 'default_filter_chain', 'listener_filters', 'listener_filters_timeout',
  'continue_on_listener_filters_timeout', 'per_connection_buffer_limit_bytes', 'traffic_direction', 'access_log',
  'bind_to_port', 'metadata', 'drain_type', 'enable_reuse_port', 'reuse_port', 'use_original_dst',
] as const;

export function decodeListener(l: envoy_config_listener_v3_Listener, path: string, errs: ConfigErrors, ctx: ListenerDecodeContext): ListenerConfig | undefined {
  checkSupported(l, path, errs, LISTENER_FIELDS);
  const name = l.name || ctx.generatedName || '';
  if (!name) errs.required(joinPath(path, 'name'), 'name is required');
  const address = decodeSocketAddress(l.address, joinPath(path, 'address'), errs, { allowHostname: false, allowPortZero: true });
  let tlsInspector = false;
  let httpInspector = false;
  let originalDst = false;
  (l.listener_filters ?? []).forEach((lf, i) => {
    const p = joinPath(joinPath(path, 'listener_filters'), i);
    checkSupported(lf, p, errs, ['name', 'typed_config']);
    const kind = LISTENER_FILTERS.lookup(lf.typed_config, p, errs, lf.name)?.decode(lf.typed_config!, joinPath(p, 'typed_config'), errs, undefined);
    if (kind === 'tls_inspector') tlsInspector = true;
    else if (kind === 'http_inspector') httpInspector = true;
    else if (kind === 'original_dst') originalDst = true;
  });
  const filterChains: FilterChainConfig[] = [];
  ctx = { ...ctx, trafficDirection: l.traffic_direction ?? 'UNSPECIFIED' };
  (l.filter_chains ?? []).forEach((fc, i) => {
    const c = decodeFilterChain(fc, joinPath(joinPath(path, 'filter_chains'), i), errs, ctx, i);
    if (c) filterChains.push(c);
  });
  const defaultFilterChain = l.default_filter_chain ? decodeFilterChain(l.default_filter_chain, joinPath(path, 'default_filter_chain'), errs, ctx, -1) : undefined;
  // Counted as written: a chain refused for its own errors is not also reported missing.
  if ((l.filter_chains ?? []).length === 0 && !l.default_filter_chain) errs.required(joinPath(path, 'filter_chains'), 'at least one filter chain (or default_filter_chain) is required');
  checkDuplicateMatches(filterChains, joinPath(path, 'filter_chains'), errs);
  const needsTls = filterChains.some((c) => c.match.serverNames.length > 0 || c.match.transportProtocol === 'tls');
  if (needsTls && !tlsInspector) {
    errs.warn(joinPath(path, 'listener_filters'), 'filter chains match on server_names or transport_protocol "tls" but no envoy.filters.listener.tls_inspector is configured; weft adds it as Envoy does');
    tlsInspector = true;
  }
  const useOriginalDst = l.use_original_dst?.value ?? false;
  // Envoy adds envoy.filters.listener.original_dst itself when use_original_dst is set
  // (Istio's virtualOutbound relies on it: it configures no listener filter).
  if (useOriginalDst) originalDst = true;
  if (!address) return undefined;
  return {
    name,
    address,
    statPrefix: l.stat_prefix || `${address.host}_${address.port}`,
    filterChains,
    ...(defaultFilterChain ? { defaultFilterChain } : {}),
    tlsInspector,
    httpInspector,
    originalDst,
    useOriginalDst,
    listenerFiltersTimeoutMs: durationMs(l.listener_filters_timeout, LISTENER_DEFAULTS.listenerFiltersTimeoutMs),
    continueOnListenerFiltersTimeout: l.continue_on_listener_filters_timeout ?? false,
    accessLogs: decodeAccessLogs(l.access_log, joinPath(path, 'access_log'), errs),
    bindToPort: l.bind_to_port?.value ?? true,
    source: l,
  };
}

function decodeFilterChain(fc: envoy_config_listener_v3_FilterChain, path: string, errs: ConfigErrors, ctx: ListenerDecodeContext, index: number): FilterChainConfig | undefined {
  checkSupported(fc, path, errs, ['filter_chain_match', 'filters', 'name', 'metadata', 'transport_socket']);
  const tsPath = joinPath(path, 'transport_socket');
  const transportSocket = fc.transport_socket ? decodeTransportSocket(fc.transport_socket, tsPath, errs, 'filter_chain') : RAW_BUFFER;
  const match = decodeFilterChainMatch(fc.filter_chain_match, joinPath(path, 'filter_chain_match'), errs);
  const filters = fc.filters ?? [];
  let terminal: NetworkTerminal | undefined;
  const rateLimits: NetworkLocalRateLimitConfig[] = [];
  let istioTcpStats: { config: IstioStatsConfig; path: string } | undefined;
  let metadataExchange: { config: TcpMetadataExchangeConfig; path: string } | undefined;
  const rbac: NetworkRbacSettings[] = [];
  filters.forEach((f, i) => {
    const p = joinPath(joinPath(path, 'filters'), i);
    checkSupported(f, p, errs, ['name', 'typed_config']);
    const v3 = f.name ? V2_FILTER_NAMES[f.name] : undefined;
    if (v3) errs.error(joinPath(p, 'name'), `"${f.name}" is the Envoy v2 name; v3 uses "${v3}" with a typed_config`);
    const tc = f.typed_config;
    if (!tc) {
      if (!v3) errs.required(joinPath(p, 'typed_config'), `typed_config is required (supported here: ${NETWORK_FILTERS.supportedList()})`);
      return;
    }
    const reg = NETWORK_FILTERS.lookup(tc, p, errs, f.name);
    if (!reg) return;
    const isLast = i === filters.length - 1;
    if (reg.terminal && !isLast) errs.error(p, `${reg.name} is a terminal filter and must be last`, CFG.CONFLICT);
    if (!reg.terminal && isLast) errs.error(p, `${reg.name} is not a terminal filter: ${NETWORK_FILTERS.namesWhere((r) => r.terminal)} must follow it`, CFG.CONFLICT);
    const cfg = reg.decode(tc, joinPath(p, 'typed_config'), errs, ctx);
    if (cfg === undefined) return;
    const spec = reg.factory(cfg);
    if ('terminal' in spec) terminal = spec.terminal;
    else if ('rateLimit' in spec) rateLimits.push(spec.rateLimit);
    else if ('rbac' in spec) rbac.push(spec.rbac);
    else if ('metadataExchange' in spec) {
      if (metadataExchange) errs.error(p, `${reg.name} appears twice in the chain`, CFG.CONFLICT);
      metadataExchange = { config: spec.metadataExchange, path: p };
    } else istioTcpStats = { config: spec.istioTcpStats, path: p };
  });
  // Istio places it only in TCP chains; an HCM chain has its HTTP twin.
  if (istioTcpStats && terminal && terminal.kind !== 'tcp') errs.error(istioTcpStats.path, 'istio.stats as a network filter runs only before envoy.filters.network.tcp_proxy', CFG.CONFLICT);
  // Istio puts it before tcp_proxy and before inbound HCMs (where HTTP ALPNs keep it idle).
  if (metadataExchange && terminal && terminal.kind === 'direct') errs.error(metadataExchange.path, 'envoy.filters.network.metadata_exchange runs only before envoy.filters.network.tcp_proxy or envoy.filters.network.http_connection_manager', CFG.CONFLICT);
  if (filters.length === 0) errs.required(joinPath(path, 'filters'), `a filter chain needs a terminal filter (${NETWORK_FILTERS.namesWhere((r) => r.terminal)})`);
  if (!terminal || !match || !transportSocket) return undefined;
  return {
    name: fc.name || (index >= 0 ? `filter_chain_${index}` : 'default_filter_chain'), match, rateLimits, rbac, terminal, transportSocket,
    ...(istioTcpStats ? { istioTcpStats: istioTcpStats.config } : {}),
    ...(metadataExchange ? { metadataExchange: metadataExchange.config } : {}),
  };
}

function decodeFilterChainMatch(m: envoy_config_listener_v3_FilterChainMatch | undefined, path: string, errs: ConfigErrors): FilterChainMatch | undefined {
  const out: FilterChainMatch = {
    prefixRanges: [], serverNames: [], transportProtocol: '', applicationProtocols: [],
    sourcePrefixRanges: [], directSourcePrefixRanges: [], sourcePorts: [], sourceType: 'ANY',
  };
  if (!m) return out;
  checkSupported(m, path, errs, ['destination_port', 'prefix_ranges', 'server_names', 'transport_protocol', 'application_protocols', 'source_prefix_ranges', 'direct_source_prefix_ranges', 'source_ports', 'source_type']);
  if (m.destination_port) {
    const p = m.destination_port.value ?? 0;
    if (p < 1 || p > 65535) errs.error(joinPath(path, 'destination_port'), 'must be between 1 and 65535');
    out.destinationPort = p;
  }
  const cidrs = (list: typeof m.prefix_ranges, field: string) => (list ?? []).map((c, i) => decodeCidr(c, joinPath(joinPath(path, field), i), errs)).filter((c): c is Cidr => c !== undefined);
  out.prefixRanges = cidrs(m.prefix_ranges, 'prefix_ranges');
  out.sourcePrefixRanges = cidrs(m.source_prefix_ranges, 'source_prefix_ranges');
  out.directSourcePrefixRanges = cidrs(m.direct_source_prefix_ranges, 'direct_source_prefix_ranges');
  out.serverNames = (m.server_names ?? []).map((n) => n.toLowerCase());
  out.serverNames.forEach((n, i) => {
    if (n.includes('*') && !n.startsWith('*.')) errs.error(joinPath(joinPath(path, 'server_names'), i), 'only a leading "*." wildcard is allowed');
  });
  out.transportProtocol = m.transport_protocol ?? '';
  if (out.transportProtocol && out.transportProtocol !== 'tls' && out.transportProtocol !== 'raw_buffer') {
    errs.error(joinPath(path, 'transport_protocol'), `unknown transport protocol "${out.transportProtocol}" (expected "tls" or "raw_buffer")`);
  }
  out.applicationProtocols = m.application_protocols ?? [];
  out.sourcePorts = m.source_ports ?? [];
  out.sourceType = m.source_type ?? 'ANY';
  return out;
}

function matchKey(m: FilterChainMatch): string {
  return JSON.stringify([m.destinationPort, m.prefixRanges.map((c) => `${c.address}/${c.prefixLen}`).sort(), [...m.serverNames].sort(), m.transportProtocol, [...m.applicationProtocols].sort(), m.sourcePrefixRanges.map((c) => `${c.address}/${c.prefixLen}`).sort(), m.directSourcePrefixRanges.map((c) => `${c.address}/${c.prefixLen}`).sort(), [...m.sourcePorts].sort(), m.sourceType]);
}

/** Envoy refuses listeners whose filter chains have identical matches. */
function checkDuplicateMatches(chains: FilterChainConfig[], path: string, errs: ConfigErrors): void {
  const seen = new Map<string, number>();
  chains.forEach((c, i) => {
    const k = matchKey(c.match);
    const prev = seen.get(k);
    if (prev !== undefined) errs.error(joinPath(path, i), `filter_chain_match is identical to filter_chains[${prev}]'s; Envoy refuses overlapping filter chains`, CFG.DUPLICATE);
    else seen.set(k, i);
  });
}
