// Telemetry analysis (istioctl's IST0159 and IST0160), one scenario per rule:
// the reviews service with two workloads plus the Telemetries under test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from './analyze.js';
import { CODES } from './codes.js';
import { loadConfigDocuments } from './load-documents.js';

const WORLD = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews }
spec:
  hosts: [reviews.default.svc.cluster.local]
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  resolution: STATIC
  workloadSelector: { labels: { app: reviews } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1 }
spec: { address: 10.0.0.1, labels: { app: reviews, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v2 }
spec: { address: 10.0.0.2, labels: { app: reviews, version: v2 } }
`;

const tel = (name: string, namespace: string, selector?: string) => `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${selector ? `  selector: { matchLabels: ${selector} }\n` : ''}  accessLogging: [{ providers: [{ name: envoy }] }]
`;

const SCENARIOS: { name: string; yaml: string[]; expect: string[] }[] = [
  { name: 'one mesh-wide and one namespace-wide Telemetry do not clash', yaml: [tel('mesh', 'istio-system'), tel('ns', 'default')], expect: [] },
  { name: 'two namespace-wide Telemetries: both reported (IST0160)', yaml: [tel('a', 'default'), tel('b', 'default')], expect: ['WEFT0340 Telemetry a.default metadata.name', 'WEFT0340 Telemetry b.default metadata.name'] },
  { name: 'two Telemetries selecting one workload (IST0159)', yaml: [tel('w1', 'default', '{ app: reviews }'), tel('w2', 'default', '{ version: v1 }')], expect: ['WEFT0341 Telemetry w2.default spec.selector.matchLabels'] },
  { name: 'a selector that selects no workload', yaml: [tel('x', 'default', '{ app: reviewz }')], expect: ['WEFT0314 Telemetry x.default spec.selector.matchLabels'] },
  { name: 'disjoint selectors', yaml: [tel('v1', 'default', '{ version: v1 }'), tel('v2', 'default', '{ version: v2 }')], expect: [] },
];

describe('analyze Telemetry', () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const { docs, messages } = loadConfigDocuments(WORLD + '---' + s.yaml.join('---'), 'world.yaml');
      assert.deepEqual(messages, []);
      const found = analyze(docs);
      assert.deepEqual(found.map((m) => `${m.code} ${m.key} ${m.path}`).sort(), [...s.expect].sort(), found.map((m) => m.message).join('\n'));
      for (const m of found) assert.equal(m.severity, CODES[m.code as keyof typeof CODES].severity);
    });
  }

  it('carries Istio\'s codes', () => {
    const { docs } = loadConfigDocuments(WORLD + '---' + tel('a', 'default') + '---' + tel('b', 'default'));
    assert.deepEqual([...new Set(analyze(docs).map((m) => m.istio))], ['IST0160']);
  });
});
