// Benchmark of the codec on a CDS response of 1000 Istio-style clusters:
// decode with weft's codec vs protobufjs decode + toObject, and encode.
// Run: npx tsc -p tsconfig.json && node dist/src/xds/codec.bench.js
import type protobuf from 'protobufjs';
import { ConfigErrors } from '../common/errors.js';
import { decodeBinary, encodeBinary, fromJson, loadDescriptor, toJson } from './codec.js';
import { istioCluster } from './codec-fixtures.js';
import { CLUSTER_TYPE_URL } from './type-urls.js';

const N = 1000;
const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

function time(label: string, iterations: number, fn: () => void): void {
  for (let i = 0; i < Math.min(3, iterations); i++) fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / iterations;
  console.log(`${label.padEnd(58)} ${ms.toFixed(2).padStart(8)} ms`);
}

const rss = (): string => `${(process.memoryUsage().rss / 1048576).toFixed(1)} MiB`;
console.log(`rss at start ${rss()}`);
const errs = new ConfigErrors();
const clusters = Array.from({ length: N }, (_, i) => ({ '@type': CLUSTER_TYPE_URL, ...fromJson<Record<string, unknown>>('envoy.config.cluster.v3.Cluster', istioCluster(i), '', errs) }));
if (errs.hasErrors) throw new Error(errs.format());
const response = { version_info: '1', type_url: CLUSTER_TYPE_URL, nonce: '1', resources: clusters };
console.log(`rss after building ${N} canonical clusters ${rss()}`);

let bytes = encodeBinary(RESPONSE, response);
console.log(`DiscoveryResponse with ${N} clusters: ${bytes.length} bytes`);
time(`weft encodeBinary (${N} clusters)`, 20, () => { bytes = encodeBinary(RESPONSE, response); });
time(`weft decodeBinary (${N} clusters, Anys unpacked)`, 20, () => { decodeBinary(RESPONSE, bytes); });
time(`weft toJson (${N} clusters)`, 20, () => { toJson(RESPONSE, response); });

const root = loadDescriptor();
console.log(`rss after loadDescriptor() (protobufjs Root) ${rss()}`);
const T = root.lookupType(RESPONSE);
const C = root.lookupType('envoy.config.cluster.v3.Cluster');
time(`protobufjs decode only (Anys left packed)`, 20, () => { T.decode(bytes); });
time(`protobufjs decode + toObject (Anys left packed)`, 20, () => {
  T.toObject(T.decode(bytes), { enums: String, longs: Number, defaults: false });
});
const anyTypes = new Map<string, protobuf.Type>();
const unpack = (v: unknown): unknown => {
  // toObject leaves nested Anys packed; unpack them too, so both sides do the same work
  if (Array.isArray(v)) return v.map(unpack);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const o = v as Record<string, unknown>;
    if (typeof o.type_url === 'string' && o.value instanceof Uint8Array) {
      const name = o.type_url.slice(o.type_url.lastIndexOf('/') + 1);
      let t = anyTypes.get(name);
      if (!t) anyTypes.set(name, (t = root.lookupType(name)));
      return { '@type': o.type_url, ...(unpack(t.toObject(t.decode(o.value), { enums: String, longs: Number, defaults: false })) as object) };
    }
    for (const k of Object.keys(o)) o[k] = unpack(o[k]);
  }
  return v;
};
time(`protobufjs decode + toObject + unpack every Any, all kept`, 20, () => {
  const m = T.decode(bytes) as unknown as { resources: Array<{ value: Uint8Array }> };
  const kept = m.resources.map((r) => unpack(C.toObject(C.decode(r.value), { enums: String, longs: Number, defaults: false })));
  if (kept.length !== N) throw new Error('lost clusters');
});
console.log(`rss at end ${rss()}`);
