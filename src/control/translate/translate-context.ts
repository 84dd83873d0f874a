// What every translator of one proxy needs: the proxy, the PushContext, the
// proxy's options and visible services, and the message collector. Built once
// per translation so lookups (services by host, DestinationRules) happen once.
import type { DestinationRule } from '../../api/networking.js';
import type { Accepted, ProxyInfo, PushContext, ServiceModel, ServicePortModel } from '../model/types.js';
import { MessageCollector } from './messages.js';
import { readProxyOptions, type ProxyOptions } from './proxy-options.js';
import { sortBy } from './proto-helpers.js';

export interface TranslateContext {
  readonly proxy: ProxyInfo;
  readonly push: PushContext;
  readonly options: ProxyOptions;
  readonly messages: MessageCollector;
  /** Services the proxy may see, sorted by hostname. */
  readonly services: readonly ServiceModel[];
  /** Visible services by hostname. */
  readonly serviceByHost: ReadonlyMap<string, ServiceModel>;
  /** The DestinationRule for a host as this proxy sees it (cached). */
  destinationRule(hostname: string): Accepted<DestinationRule> | undefined;
}

/** Builds the context for one translation of `proxy` against `push`. */
export function newTranslateContext(proxy: ProxyInfo, push: PushContext, messages = new MessageCollector()): TranslateContext {
  const services = sortBy(push.servicesVisibleTo(proxy), (s) => s.hostname);
  const serviceByHost = new Map(services.map((s) => [s.hostname, s] as const));
  const drCache = new Map<string, Accepted<DestinationRule> | undefined>();
  return {
    proxy,
    push,
    options: readProxyOptions(proxy, messages),
    messages,
    services,
    serviceByHost,
    destinationRule(hostname: string) {
      if (!drCache.has(hostname)) drCache.set(hostname, push.destinationRule(proxy.namespace, hostname, proxy.labels));
      return drCache.get(hostname);
    },
  };
}

/** Istio's HTTP protocols (IsHTTP): served by an HTTP connection manager. */
export function isHttpProtocol(p: ServicePortModel['protocol']): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** Protocols whose upstream is HTTP/2 (Istio's IsHTTP2). */
export function isHttp2Protocol(p: ServicePortModel['protocol']): boolean {
  return p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** TLS-carrying protocols, routed by SNI. */
export function isTlsProtocol(p: ServicePortModel['protocol']): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

/** "Service <hostname>", the message key for a service. */
export function serviceKey(s: ServiceModel | string): string {
  return `Service ${typeof s === 'string' ? s : s.hostname}`;
}
