// Istio's own Bookinfo networking samples (../shared/istio-samples, read in
// place; an interop test, skipped with the reason when that folder is absent)
// and the seed's three examples must validate: no errors, and only the
// warnings listed here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SAMPLES_DIR, SAMPLES_SKIP } from '../translate/test-bookinfo.js';
import { loadConfigDocuments } from './load-documents.js';
import { validateObject } from './validate-object.js';


/** Warnings Istio's own tools report on these files too (IST0130: route after a catch-all). */
const EXPECTED_WARNINGS: Record<string, string[]> = {
  'fault-injection-details-v1.yaml': ['WEFT0150 spec.http[1]'],
};

export const SEED_EXAMPLES = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: virtual-svc }
spec:
  hosts: [service-a]
  http:
  - route: [{ destination: { host: service-a } }]
    retries: { attempts: 5, perTryTimeout: 2s, retryOn: 5xx }
    timeout: 120s
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: virtual-svc }
spec:
  hosts: [service-a]
  http:
  - route: [{ destination: { host: service-a } }]
    fault: { delay: { percent: 50, fixedDelay: 5s } }
---
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: { name: circuit-breaker }
spec:
  host: service-c
  subsets:
  trafficPolicy:
    connectionPool:
      tcp: { maxConnections: 100 }
      http: { http2MaxRequests: 1024, maxRequestsPerConnection: 10 }
    outlierDetection: { consecutiveErrors: 7, interval: 5m, baseEjectionTime: 3m, maxEjectionPercent: 100 }
`;

describe('Istio Bookinfo samples', { skip: SAMPLES_SKIP }, () => {
  const files = SAMPLES_SKIP ? [] : fs.readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.yaml')).sort();
  it('are all present', () => assert.ok(files.length >= 21, `found ${files.length} sample files`));
  for (const f of files) {
    it(`${f} validates`, () => {
      const loaded = loadConfigDocuments(fs.readFileSync(path.join(SAMPLES_DIR, f), 'utf8'), f);
      assert.deepEqual(loaded.messages, []);
      assert.ok(loaded.docs.length > 0);
      const messages = loaded.docs.flatMap((d) => validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {}).messages);
      assert.deepEqual(messages.map((m) => `${m.code} ${m.path}`), EXPECTED_WARNINGS[f] ?? []);
      for (const d of loaded.docs) assert.ok(validateObject(d.obj).object, 'object accepted');
    });
  }
});

describe('the seed examples', () => {
  it('validate with deprecation warnings only, at the right lines', () => {
    const loaded = loadConfigDocuments(SEED_EXAMPLES, 'seed.yaml');
    assert.equal(loaded.docs.length, 3);
    const results = loaded.docs.map((d) => validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {}));
    const msgs = results.flatMap((r) => r.messages).map((m) => `${m.severity} ${m.code} ${m.key} ${m.path} :${m.line}`);
    assert.deepEqual(msgs, [
      'warning WEFT0201 VirtualService virtual-svc.default spec.http[0].fault.delay.percent :18',
      'warning WEFT0202 DestinationRule circuit-breaker.default spec.trafficPolicy.outlierDetection.consecutiveErrors :30',
    ]);
    assert.ok(results.every((r) => r.object));
    const drSpec = results[2]!.object!.spec as { subsets?: unknown; trafficPolicy: { outlierDetection: unknown } };
    assert.equal(drSpec.subsets, undefined, '`subsets:` with no value is an empty (absent) list');
    assert.deepEqual(drSpec.trafficPolicy.outlierDetection, { interval: '5m', baseEjectionTime: '3m', maxEjectionPercent: 100, consecutiveGatewayErrors: 7, consecutive5xxErrors: 0 });
  });
});
