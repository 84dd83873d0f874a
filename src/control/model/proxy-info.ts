// Who is asking for config, read from the xDS node as Istio reads it
// (pilot/pkg/model/context.go ParseServiceNodeWithMetadata). The node id is
// "type~ip~podname.namespace~domain", e.g.
// "sidecar~10.0.0.1~reviews-v1-abc.default~default.svc.cluster.local";
// "router~…" for gateways. Metadata keys are Istio's; weft's proxies send the
// same ones. Input comes off the wire, so nothing here throws: anything
// malformed falls back to a sensible default (sidecar, namespace "default").
import type { envoy_config_core_v3_Node } from '../../xds/gen/types.js';
import { MODEL_DEFAULTS } from './defaults.js';
import type { ProxyInfo } from './types.js';

/** Node metadata keys read here (Istio's names). */
export const NODE_METADATA = {
  namespace: 'NAMESPACE',
  labels: 'LABELS',
  instanceIps: 'INSTANCE_IPS',
  serviceAccount: 'SERVICE_ACCOUNT',
  workloadName: 'WORKLOAD_NAME',
  istioVersion: 'ISTIO_VERSION',
  /** "grpc" for proxyless gRPC clients (istio-agent's gRPC bootstrap sets it). */
  generator: 'GENERATOR',
} as const;

/** Decodes a node into ProxyInfo. Never throws. */
export function proxyInfoFromNode(node: envoy_config_core_v3_Node | undefined | null): ProxyInfo {
  const id = typeof node?.id === 'string' ? node.id : '';
  const rawMd = node?.metadata;
  const metadata: Record<string, unknown> = rawMd && typeof rawMd === 'object' && !Array.isArray(rawMd) ? (rawMd as Record<string, unknown>) : {};
  const parts = id.split('~');
  const wellFormed = parts.length === 4;
  const idType = wellFormed ? parts[0] : undefined;
  const idIp = wellFormed ? parts[1]! : '';
  const podId = wellFormed ? parts[2]! : '';
  const domain = wellFormed ? parts[3]! : '';

  const generator = stringOf(metadata[NODE_METADATA.generator]);
  const type: ProxyInfo['type'] = generator === 'grpc' ? 'grpc' : idType === 'router' ? 'router' : 'sidecar';

  const ips = splitList(metadata[NODE_METADATA.instanceIps]);
  if (ips.length === 0 && idIp !== '') ips.push(idIp);

  return {
    id,
    type,
    namespace: namespaceFrom(stringOf(metadata[NODE_METADATA.namespace]), domain, podId),
    labels: labelsOf(metadata[NODE_METADATA.labels]),
    ips,
    serviceAccount: stringOf(metadata[NODE_METADATA.serviceAccount]) ?? '',
    workloadName: stringOf(metadata[NODE_METADATA.workloadName]) ?? '',
    metadata,
  };
}

/** Metadata NAMESPACE, else the domain's first label ("default.svc.cluster.local"), else the pod id's ("pod.ns"), else "default". */
function namespaceFrom(fromMetadata: string | undefined, domain: string, podId: string): string {
  if (fromMetadata) return fromMetadata;
  const d = domain.split('.');
  if (d.length > 1 && d[0]) return d[0];
  const dot = podId.indexOf('.');
  if (dot > 0 && dot < podId.length - 1) return podId.slice(dot + 1);
  return MODEL_DEFAULTS.namespace;
}

function stringOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** INSTANCE_IPS: "10.0.0.1,fd00::1" (a list is accepted too). */
function splitList(v: unknown): string[] {
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  const out: string[] = [];
  for (const item of items) {
    const s = stringOf(item);
    if (s) out.push(s);
  }
  return out;
}

/** LABELS: an object (a Struct), or that object as a JSON string; non-string values are stringified. */
function labelsOf(v: unknown): Record<string, string> {
  let obj = v;
  if (typeof v === 'string') {
    try {
      obj = JSON.parse(v);
    } catch {
      return {};
    }
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj as Record<string, unknown>)) {
    const s = typeof val === 'string' ? val : typeof val === 'number' || typeof val === 'boolean' ? String(val) : undefined;
    if (s !== undefined) out[k] = s;
  }
  return out;
}
