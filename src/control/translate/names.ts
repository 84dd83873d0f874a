// Istio's resource names. Cluster names are `direction|port|subset|host`
// (outbound|9080|v1|reviews.default.svc.cluster.local, inbound|9080||), which
// dashboards, Kiali and people debugging Envoy all read.

/** Istio's cluster name for a service port (and subset). */
export function outboundClusterName(port: number, subset: string | undefined, hostname: string): string {
  return `outbound|${port}|${subset ?? ''}|${hostname}`;
}

/**
 * The SNI Istio's mTLS clients send: `outbound_.<port>_.<subset>_.<host>`
 * (BuildDNSSrvSubsetKey). Gateways route AUTO_PASSTHROUGH traffic on it.
 */
export function istioMtlsSni(port: number, subset: string | undefined, hostname: string): string {
  return `outbound_.${port}_.${subset ?? ''}_.${hostname}`;
}

/** Istio's inbound cluster name for a workload port. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** Parts of an outbound/inbound cluster name, or undefined for other names. */
export function parseClusterName(name: string): { direction: string; port: number; subset: string; hostname: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  return { direction: parts[0]!, port, subset: parts[2]!, hostname: parts[3]! };
}

/** Istio's name of a per-port listener: `<address>_<port>`. */
export function listenerName(address: string, port: number): string {
  return `${address}_${port}`;
}

/** Sidecar outbound route configuration for a port: the port number. */
export function outboundRouteName(port: number): string {
  return String(port);
}

/** Gateway route configuration for a server port: `http.<port>`. */
export function gatewayRouteName(port: number): string {
  return `http.${port}`;
}

/** RDS name of an HTTPS server that terminates TLS (Istio's gatewayRDSRouteName): `https.<port>.<portName>.<gateway>.<ns>[.<bind>]`. */
export function gatewayHttpsRouteName(server: { port: { number: number; name: string }; bind?: string }, gatewayName: string, gatewayNamespace: string): string {
  return `https.${server.port.number}.${server.port.name}.${gatewayName}.${gatewayNamespace}${server.bind ? `.${server.bind}` : ''}`;
}

/** Proxyless gRPC listener and route configuration name: `<host>:<port>` (the xds:/// target). */
export function grpcListenerName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

/** Local-mode inbound listener: `inbound_<service port>`. */
export function localInboundListenerName(port: number): string {
  return `inbound_${port}`;
}

/** "Kind name.namespace", the key messages and metadata use for a config object. */
export function configKey(kind: string, name: string, namespace: string | undefined): string {
  return `${kind} ${name}.${namespace ?? 'default'}`;
}

/** Istio's config path used in route/cluster metadata (filter_metadata.istio.config). */
export function configPath(kind: 'virtual-service' | 'destination-rule', name: string, namespace: string | undefined): string {
  return `/apis/networking.istio.io/v1alpha3/namespaces/${namespace ?? 'default'}/${kind}/${name}`;
}
