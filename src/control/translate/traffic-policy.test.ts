import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationRuleSpec } from '../../api/networking.js';
import { effectiveTrafficPolicy } from './traffic-policy.js';

const dr: DestinationRuleSpec = {
  host: 'reviews',
  trafficPolicy: {
    loadBalancer: { simple: 'RANDOM' },
    connectionPool: { tcp: { maxConnections: 100 } },
    outlierDetection: { consecutive5xxErrors: 3 },
    portLevelSettings: [{ port: { number: 9443 }, loadBalancer: { simple: 'ROUND_ROBIN' } }],
  },
  subsets: [
    { name: 'v1', labels: { version: 'v1' } },
    { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } },
    { name: 'v3', labels: { version: 'v3' }, trafficPolicy: { connectionPool: { tcp: { maxConnections: 5 } }, portLevelSettings: [{ port: { number: 9080 }, outlierDetection: { consecutive5xxErrors: 9 } }] } },
  ],
};

test('merge table: top level, port level (no inheritance), subset overrides part by part, subset port level replaces all', () => {
  const cases: [string, number, string | undefined, object | undefined][] = [
    ['top level on a plain port', 9080, undefined, { loadBalancer: { simple: 'RANDOM' }, connectionPool: { tcp: { maxConnections: 100 } }, outlierDetection: { consecutive5xxErrors: 3 } }],
    ['port level replaces the whole policy', 9443, undefined, { loadBalancer: { simple: 'ROUND_ROBIN' } }],
    ['subset without policy inherits', 9080, 'v1', { loadBalancer: { simple: 'RANDOM' }, connectionPool: { tcp: { maxConnections: 100 } }, outlierDetection: { consecutive5xxErrors: 3 } }],
    ['subset overrides its parts only', 9080, 'v2', { loadBalancer: { simple: 'LEAST_REQUEST' }, connectionPool: { tcp: { maxConnections: 100 } }, outlierDetection: { consecutive5xxErrors: 3 } }],
    ['subset port level replaces all four parts', 9080, 'v3', { outlierDetection: { consecutive5xxErrors: 9 } }],
    ['subset policy on another port merges over the port-level top', 9443, 'v3', { loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: { tcp: { maxConnections: 5 } } }],
  ];
  for (const [name, port, subset, want] of cases) {
    const s = dr.subsets!.find((x) => x.name === subset);
    assert.deepEqual(effectiveTrafficPolicy(dr, port, s), want, name);
  }
  assert.equal(effectiveTrafficPolicy(undefined, 9080, undefined), undefined);
});

test('policyPartPath names where a part was written', async () => {
  const { policyPartPath } = await import('./traffic-policy.js');
  const s = (n: string) => dr.subsets!.find((x) => x.name === n);
  assert.equal(policyPartPath(dr, 9080, s('v1'), 0, 'tls'), 'spec.trafficPolicy.tls');
  assert.equal(policyPartPath(dr, 9080, s('v2'), 1, 'loadBalancer'), 'spec.subsets[1].trafficPolicy.loadBalancer');
  assert.equal(policyPartPath(dr, 9080, s('v3'), 2, 'outlierDetection'), 'spec.subsets[2].trafficPolicy.portLevelSettings[0].outlierDetection');
  assert.equal(policyPartPath(dr, 9443, undefined, -1, 'loadBalancer'), 'spec.trafficPolicy.portLevelSettings[0].loadBalancer');
});
