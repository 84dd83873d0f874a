// A Bookinfo-like mesh for translator tests (productpage, details, reviews
// v1/v2/v3, ratings), Istio's sample YAML loaded from ../shared/istio-samples
// (interop tests: skipped with a reason when that folder is absent), the
// project's own Bookinfo config from examples/bookinfo (always present), and
// small helpers. Test support only.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { DestinationRule, Gateway, NetworkingObject, ServiceEntry, Sidecar, VirtualService } from '../../api/networking.js';
import { TLS_MODE_LABEL, type ConfigObject } from '../../api/networking.js';
import { CompositeRegistry } from '../ingest/composite-registry.js';
import { ConfigRegistry } from '../ingest/config-registry.js';
import { StaticRegistry } from '../ingest/static-registry.js';
import { keyOf } from '../model/config-key.js';
import { buildPushContext, type IndexedPushContext } from '../model/push-context.js';
import type { MeshConfig, ProxyInfo, ServiceEndpoint, ServiceModel } from '../model/types.js';
import { TestPushContext, type TestPushInput } from './test-push-context.js';

/** The repository root (tests run from dist/src/control/translate). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const SAMPLES_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'istio-samples', 'bookinfo-networking');
export const GOLDEN_DIR = path.join(REPO_ROOT, 'src', 'control', 'translate', 'testdata');
/** The project's own Bookinfo config (config/ and scenarios/), which every clone has. */
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples', 'bookinfo');

/**
 * `skip` option for interop tests that read Istio's samples beside the
 * repository: false when they are there, else the reason the test is skipped.
 */
export const SAMPLES_SKIP: string | false = fs.existsSync(SAMPLES_DIR)
  ? false
  : `interop test: Istio's Bookinfo samples not found at ${SAMPLES_DIR}`;

export const NS = 'default';
export const host = (name: string) => `${name}.${NS}.svc.cluster.local`;

export function bookinfoService(name: string, port = 9080, protocol: ServiceModel['ports'][number]['protocol'] = 'HTTP'): ServiceModel {
  return {
    hostname: host(name), namespace: NS, ports: [{ name: 'http', port, protocol }], resolution: 'STATIC',
    location: 'MESH_INTERNAL', exportTo: ['*'], addresses: [], source: `test ${name}`,
  };
}

export function endpoint(name: string, version: string, address: string, over: Partial<ServiceEndpoint> = {}): ServiceEndpoint {
  return {
    // Bookinfo's workloads run with sidecars: the injector's tlsMode label says so.
    hostname: host(name), servicePort: 9080, address, port: 9080, labels: { app: name, version, [TLS_MODE_LABEL]: 'istio' },
    serviceAccount: `bookinfo-${name}`, namespace: NS, weight: 1, locality: 'us-east/zone-a/', healthy: true,
    workload: `${name}-${version}`, tlsMode: 'istio', ...over,
  };
}

export const BOOKINFO_SERVICES: ServiceModel[] = ['details', 'productpage', 'ratings', 'reviews'].map((n) => bookinfoService(n));
export const BOOKINFO_ENDPOINTS: ServiceEndpoint[] = [
  endpoint('productpage', 'v1', '10.0.0.1'),
  endpoint('details', 'v1', '10.0.0.2'),
  endpoint('details', 'v2', '10.0.0.12'),
  endpoint('reviews', 'v1', '10.0.0.3'),
  endpoint('reviews', 'v2', '10.0.0.4'),
  endpoint('reviews', 'v3', '10.0.0.5', { locality: 'us-east/zone-b/' }),
  endpoint('ratings', 'v1', '10.0.0.6'),
  endpoint('ratings', 'v2', '10.0.0.16', { healthy: false }),
];

export function sidecarProxy(over: Partial<ProxyInfo> = {}): ProxyInfo {
  return {
    id: 'sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local', type: 'sidecar', namespace: NS,
    labels: { app: 'productpage', version: 'v1' }, ips: ['10.0.0.1'], serviceAccount: 'bookinfo-productpage',
    workloadName: 'productpage-v1', metadata: {}, ...over,
  };
}

export function gatewayProxy(over: Partial<ProxyInfo> = {}): ProxyInfo {
  return {
    id: 'router~10.0.0.100~istio-ingressgateway.istio-system~istio-system.svc.cluster.local', type: 'router', namespace: 'istio-system',
    labels: { istio: 'ingressgateway' }, ips: ['10.0.0.100'], serviceAccount: 'istio-ingressgateway', workloadName: 'istio-ingressgateway',
    metadata: {}, ...over,
  };
}

export function grpcProxy(over: Partial<ProxyInfo> = {}): ProxyInfo {
  return {
    id: 'grpc~10.0.0.50~client.default~default.svc.cluster.local', type: 'grpc', namespace: NS, labels: { app: 'client' },
    ips: ['10.0.0.50'], serviceAccount: 'client', workloadName: 'client', metadata: {}, ...over,
  };
}

/** Parses YAML documents into networking objects (namespace defaults to `default`, as `kubectl apply`). */
export function parseObjects(text: string): NetworkingObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as NetworkingObject | null)
    .filter((o): o is NetworkingObject => !!o && typeof o === 'object' && 'kind' in o)
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? NS } }) as NetworkingObject);
}

/** Reads one of Istio's Bookinfo sample files. */
export function loadSample(file: string): NetworkingObject[] {
  return parseObjects(fs.readFileSync(path.join(SAMPLES_DIR, file), 'utf8'));
}

/**
 * Reads files of examples/bookinfo (paths relative to it, e.g.
 * `config/destination-rules.yaml`, `scenarios/03-jason-to-v2.yaml`).
 */
export function loadExample(...files: string[]): NetworkingObject[] {
  return files.flatMap((f) => parseObjects(fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')));
}

/** The example's config folder plus one scenario file, as `cp scenarios/<f> config/` makes it. */
export function exampleScenario(file: string): NetworkingObject[] {
  return loadExample('config/destination-rules.yaml', `scenarios/${file}`);
}

/** The Bookinfo mesh plus `objects` (VirtualServices, DestinationRules, Gateways, Sidecars, ServiceEntries). */
export function bookinfoPush(objects: NetworkingObject[] = [], extra: Partial<TestPushInput> = {}): TestPushContext {
  const services = [...BOOKINFO_SERVICES, ...(extra.services ?? [])];
  for (const se of objects.filter((o): o is ServiceEntry => o.kind === 'ServiceEntry')) services.push(...serviceEntryServices(se));
  return new TestPushContext({
    ...extra,
    services,
    endpoints: [...BOOKINFO_ENDPOINTS, ...(extra.endpoints ?? [])],
    virtualServices: [...objects.filter((o): o is VirtualService => o.kind === 'VirtualService'), ...(extra.virtualServices ?? [])],
    destinationRules: [...objects.filter((o): o is DestinationRule => o.kind === 'DestinationRule'), ...(extra.destinationRules ?? [])],
    gateways: [...objects.filter((o): o is Gateway => o.kind === 'Gateway'), ...(extra.gateways ?? [])],
    sidecars: [...objects.filter((o): o is Sidecar => o.kind === 'Sidecar'), ...(extra.sidecars ?? [])],
  });
}

/**
 * The Bookinfo mesh plus `objects` (oldest first) in the control plane's real
 * PushContext, as `weft up` and `weft control` build it: same-host
 * DestinationRules merge as Istio merges them (the demo's scenarios 07 and 07b
 * rely on it), which TestPushContext does not do.
 */
export function bookinfoModel(objects: NetworkingObject[], mesh?: Partial<MeshConfig>): IndexedPushContext {
  const configs = objects.map((obj) => ({ obj: obj as unknown as ConfigObject, key: keyOf(obj) }));
  // As the ModelController: ServiceEntries/WorkloadEntries first, then the static registry.
  const registry = new CompositeRegistry([new ConfigRegistry(configs), new StaticRegistry(BOOKINFO_SERVICES, BOOKINFO_ENDPOINTS)]);
  return buildPushContext({ configs, registry, version: 'test', ...(mesh ? { mesh } : {}) });
}

/** A ServiceEntry's hosts as ServiceModels (the ingest layer does this for real). */
export function serviceEntryServices(se: ServiceEntry): ServiceModel[] {
  return se.spec.hosts.map((h) => ({
    hostname: h,
    namespace: se.metadata.namespace ?? NS,
    ports: (se.spec.ports ?? []).map((p) => ({ name: p.name, port: p.number, protocol: (p.protocol ?? 'TCP').toUpperCase() as ServiceModel['ports'][number]['protocol'], ...(p.targetPort ? { targetPort: p.targetPort } : {}) })),
    resolution: se.spec.resolution ?? 'NONE',
    location: se.spec.location ?? 'MESH_EXTERNAL',
    exportTo: se.spec.exportTo ?? ['*'],
    addresses: se.spec.addresses ?? [],
    source: `ServiceEntry ${se.metadata.name}.${se.metadata.namespace ?? NS}`,
    ...(se.spec.subjectAltNames?.length ? { subjectAltNames: se.spec.subjectAltNames } : {}),
  }));
}

/** JSON for golden files: bytes as base64, two-space indent, trailing newline. */
export function goldenJson(v: unknown): string {
  return `${JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? { base64: Buffer.from(x).toString('base64') } : x), 2)}\n`;
}

/**
 * Compares `actual` with testdata/<name>; with WEFT_UPDATE_GOLDEN=1 rewrites
 * the file instead. Returns the expected text (or undefined when missing).
 */
export function golden(name: string, actual: unknown): { expected: string | undefined; actual: string } {
  const file = path.join(GOLDEN_DIR, name);
  const text = goldenJson(actual);
  if (process.env.WEFT_UPDATE_GOLDEN === '1') {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, text);
    return { expected: text, actual: text };
  }
  return { expected: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined, actual: text };
}

/** A VirtualService object in the `default` namespace. */
export function virtualService(name: string, spec: VirtualService['spec'], namespace = NS): VirtualService {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace }, spec };
}

/** A DestinationRule object in the `default` namespace. */
export function destinationRule(name: string, spec: DestinationRule['spec'], namespace = NS): DestinationRule {
  return { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace }, spec };
}

/** reviews subsets v1..v3, as destination-rule-all.yaml. */
export const REVIEWS_SUBSETS = destinationRule('reviews', {
  host: 'reviews',
  subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
});
