// PeerAuthentication analysis, one scenario per rule: a small world (the
// reviews service with two workloads) plus the objects under test, and the
// exact codes, objects and paths expected.
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
  ports: [{ number: 9080, name: http, protocol: HTTP, targetPort: 8080 }]
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

const pa = (name: string, namespace: string, spec: string) => `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${spec}`;
const strict = '  mtls: { mode: STRICT }\n';
const dr = (name: string, spec: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name} }
spec:
  host: reviews
${spec}`;

interface Scenario {
  name: string;
  yaml: string[];
  expect: string[];
}

const ra = (name: string, namespace: string, selector: string) => `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${selector}  jwtRules: [{ issuer: https://issuer.example, jwksUri: https://issuer.example/jwks }]
`;

const SCENARIOS: Scenario[] = [
  { name: 'RequestAuthentication selecting no workload (IST0127)', yaml: [ra('jwt', 'default', '  selector: { matchLabels: { app: reviewz } }\n')], expect: ['WEFT0314 RequestAuthentication jwt.default spec.selector.matchLabels'] },
  { name: 'RequestAuthentication selecting a workload, or namespace-wide', yaml: [ra('jwt', 'default', '  selector: { matchLabels: { app: reviews } }\n'), ra('all', 'default', '')], expect: [] },
  { name: 'RequestAuthentication in the root namespace selects across namespaces', yaml: [ra('jwt', 'istio-system', '  selector: { matchLabels: { version: v2 } }\n')], expect: [] },
  { name: 'RequestAuthentication in the root namespace selecting nothing anywhere', yaml: [ra('jwt', 'istio-system', '  selector: { matchLabels: { version: v9 } }\n')], expect: ['WEFT0314 RequestAuthentication jwt.istio-system spec.selector.matchLabels'] },
  { name: 'a selector that selects no workload (IST0127)', yaml: [pa('x', 'default', '  selector: { matchLabels: { app: reviewz } }\n' + strict)], expect: ['WEFT0314 PeerAuthentication x.default spec.selector.matchLabels'] },
  { name: 'a selector that selects a workload', yaml: [pa('x', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict)], expect: [] },
  { name: 'two namespace-wide policies: the newer one is reported', yaml: [pa('a', 'default', strict), pa('b', 'default', '  mtls: { mode: DISABLE }\n')], expect: ['WEFT0330 PeerAuthentication b.default metadata.name'] },
  { name: 'two mesh-wide policies', yaml: [pa('a', 'istio-system', strict), pa('b', 'istio-system', strict)], expect: ['WEFT0330 PeerAuthentication b.istio-system metadata.name'] },
  { name: 'one mesh-wide and one namespace-wide policy do not clash', yaml: [pa('a', 'istio-system', strict), pa('b', 'default', strict)], expect: [] },
  { name: 'a selector in the root namespace applies to nothing', yaml: [pa('sel', 'istio-system', '  selector: { matchLabels: { app: reviews } }\n' + strict)], expect: ['WEFT0331 PeerAuthentication sel.istio-system spec.selector'] },
  {
    name: 'two policies selecting one workload',
    yaml: [pa('w1', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict), pa('w2', 'default', '  selector: { matchLabels: { version: v1 } }\n' + strict)],
    expect: ['WEFT0332 PeerAuthentication w2.default spec.selector.matchLabels'],
  },
  {
    name: 'DestinationRule tls DISABLE towards a STRICT namespace (IST0113)',
    yaml: [pa('default', 'default', strict), dr('reviews', '  trafficPolicy: { tls: { mode: DISABLE } }\n')],
    expect: ['WEFT0333 DestinationRule reviews.default spec.trafficPolicy.tls.mode'],
  },
  {
    name: 'DestinationRule tls DISABLE towards mesh-wide STRICT (root namespace)',
    yaml: [pa('default', 'istio-system', strict), dr('reviews', '  trafficPolicy: { tls: { mode: DISABLE } }\n')],
    expect: ['WEFT0333 DestinationRule reviews.default spec.trafficPolicy.tls.mode'],
  },
  {
    name: 'port-level SIMPLE towards STRICT',
    yaml: [pa('default', 'default', strict), dr('reviews', '  trafficPolicy:\n    portLevelSettings:\n    - { port: { number: 9080 }, tls: { mode: SIMPLE } }\n')],
    expect: ['WEFT0333 DestinationRule reviews.default spec.trafficPolicy.portLevelSettings[0].tls.mode'],
  },
  { name: 'ISTIO_MUTUAL towards STRICT is right', yaml: [pa('default', 'default', strict), dr('reviews', '  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }\n')], expect: [] },
  { name: 'DISABLE towards PERMISSIVE is accepted', yaml: [pa('default', 'default', '  mtls: { mode: PERMISSIVE }\n'), dr('reviews', '  trafficPolicy: { tls: { mode: DISABLE } }\n')], expect: [] },
  {
    name: 'a subset with DISABLE towards the STRICT workload only',
    yaml: [
      pa('default', 'default', '  mtls: { mode: PERMISSIVE }\n'),
      pa('v1', 'default', '  selector: { matchLabels: { version: v1 } }\n' + strict),
      dr('reviews', '  subsets:\n  - { name: v1, labels: { version: v1 }, trafficPolicy: { tls: { mode: DISABLE } } }\n  - { name: v2, labels: { version: v2 }, trafficPolicy: { tls: { mode: DISABLE } } }\n'),
    ],
    expect: ['WEFT0333 DestinationRule reviews.default spec.subsets[0].trafficPolicy.tls.mode'],
  },
  {
    name: 'portLevelMtls DISABLE on the workload port (targetPort 8080) exempts it',
    yaml: [pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict + '  portLevelMtls:\n    8080: { mode: DISABLE }\n'), dr('reviews', '  trafficPolicy: { tls: { mode: DISABLE } }\n')],
    expect: [],
  },
  {
    name: 'portLevelMtls on the service port (not the workload port) does not exempt it',
    yaml: [pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict + '  portLevelMtls:\n    9080: { mode: DISABLE }\n'), dr('reviews', '  trafficPolicy: { tls: { mode: DISABLE } }\n')],
    expect: ['WEFT0333 DestinationRule reviews.default spec.trafficPolicy.tls.mode'],
  },
  {
    name: 'ISTIO_MUTUAL towards a DISABLE namespace (IST0113, the other direction)',
    yaml: [pa('default', 'default', '  mtls: { mode: DISABLE }\n'), dr('reviews', '  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }\n')],
    expect: ['WEFT0334 DestinationRule reviews.default spec.trafficPolicy.tls.mode'],
  },
  {
    name: 'ISTIO_MUTUAL towards mesh-wide DISABLE',
    yaml: [pa('default', 'istio-system', '  mtls: { mode: DISABLE }\n'), dr('reviews', '  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }\n')],
    expect: ['WEFT0334 DestinationRule reviews.default spec.trafficPolicy.tls.mode'],
  },
  {
    name: 'ISTIO_MUTUAL towards a DISABLE workload port (portLevelMtls on targetPort 8080)',
    yaml: [pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict + '  portLevelMtls:\n    8080: { mode: DISABLE }\n'), dr('reviews', '  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }\n')],
    expect: ['WEFT0334 DestinationRule reviews.default spec.trafficPolicy.tls.mode'],
  },
  {
    name: 'ISTIO_MUTUAL in the subset of the DISABLE workload only',
    yaml: [
      pa('v2', 'default', '  selector: { matchLabels: { version: v2 } }\n  mtls: { mode: DISABLE }\n'),
      dr('reviews', '  subsets:\n  - { name: v1, labels: { version: v1 }, trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }\n  - { name: v2, labels: { version: v2 }, trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }\n'),
    ],
    expect: ['WEFT0334 DestinationRule reviews.default spec.subsets[1].trafficPolicy.tls.mode'],
  },
  { name: 'DISABLE, SIMPLE or no tls towards DISABLE are fine (auto mTLS sends plaintext)', yaml: [pa('default', 'default', '  mtls: { mode: DISABLE }\n'), dr('reviews', '  trafficPolicy:\n    tls: { mode: DISABLE }\n    portLevelSettings:\n    - { port: { number: 9080 }, loadBalancer: { simple: RANDOM } }\n')], expect: [] },
  { name: 'MUTUAL (the user\'s certificates) towards DISABLE is not judged: the app may terminate TLS itself', yaml: [pa('default', 'default', '  mtls: { mode: DISABLE }\n'), dr('reviews', '  trafficPolicy: { tls: { mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem } }\n')], expect: [] },
  {
    name: 'a STRICT workload in a DISABLE namespace: auto mTLS sends it plaintext (reported on the workload policy)',
    yaml: [pa('default', 'default', '  mtls: { mode: DISABLE }\n'), pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict)],
    expect: ['WEFT0335 PeerAuthentication reviews.default spec.mtls.mode'],
  },
  {
    name: 'a STRICT workload port under mesh DISABLE: reported on its portLevelMtls entry',
    yaml: [pa('default', 'istio-system', '  mtls: { mode: DISABLE }\n'), pa('reviews', 'default', '  selector: { matchLabels: { version: v1 } }\n  portLevelMtls:\n    8080: { mode: STRICT }\n')],
    expect: ['WEFT0335 PeerAuthentication reviews.default spec.portLevelMtls["8080"].mode'],
  },
  {
    name: 'a DestinationRule with ISTIO_MUTUAL for the STRICT workload in a DISABLE namespace fixes it',
    yaml: [pa('default', 'default', '  mtls: { mode: DISABLE }\n'), pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict), dr('reviews', '  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }\n')],
    expect: [],
  },
  {
    name: 'ISTIO_MUTUAL in one subset only: the other workload is still reported',
    yaml: [
      pa('default', 'default', '  mtls: { mode: DISABLE }\n'), pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict),
      dr('reviews', '  subsets:\n  - { name: v1, labels: { version: v1 }, trafficPolicy: { tls: { mode: ISTIO_MUTUAL } } }\n'),
    ],
    expect: ['WEFT0335 PeerAuthentication reviews.default spec.mtls.mode'],
  },
  { name: 'a STRICT workload in a PERMISSIVE namespace is fine', yaml: [pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n' + strict)], expect: [] },
];

describe('analyze PeerAuthentication', () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const { docs, messages } = loadConfigDocuments(WORLD + '---' + s.yaml.join('---'), 'world.yaml');
      assert.deepEqual(messages, []);
      const found = analyze(docs);
      assert.deepEqual(found.map((m) => `${m.code} ${m.key} ${m.path}`).sort(), [...s.expect].sort(), found.map((m) => m.message).join('\n'));
      for (const m of found) {
        assert.equal(m.severity, CODES[m.code as keyof typeof CODES].severity);
        assert.ok(m.line !== undefined && m.line > 0, `line of ${m.code}`);
      }
    });
  }

  it('carries Istio\'s code for the DestinationRule conflict', () => {
    const { docs } = loadConfigDocuments(WORLD + '---' + pa('default', 'default', strict) + '---' + dr('reviews', '  trafficPolicy: { tls: { mode: DISABLE } }\n'));
    const [m] = analyze(docs);
    assert.equal(m?.istio, 'IST0113');
    assert.equal(m?.severity, 'error');
  });

  it('names the policy that made the port DISABLE, and carries IST0113 for it too', () => {
    const { docs } = loadConfigDocuments(WORLD + '---' + pa('default', 'default', strict) + '---' + pa('reviews', 'default', '  selector: { matchLabels: { app: reviews } }\n  portLevelMtls:\n    8080: { mode: DISABLE }\n') + '---' + dr('reviews', '  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }\n'), 'mtls.yaml');
    const [m, ...more] = analyze(docs);
    assert.equal(more.length, 0);
    assert.equal(m?.code, 'WEFT0334');
    assert.equal(m?.istio, 'IST0113');
    assert.equal(m?.severity, 'error');
    assert.equal(m?.file, 'mtls.yaml');
    assert.match(m?.message ?? '', /PeerAuthentication reviews\.default/);
  });

  it('takes the root namespace from the options', () => {
    const { docs } = loadConfigDocuments(WORLD + '---' + pa('a', 'mesh-root', strict) + '---' + pa('b', 'mesh-root', strict) + '---' + pa('c', 'istio-system', strict) + '---' + pa('d', 'istio-system', strict));
    const found = analyze(docs, { rootNamespace: 'mesh-root' }).map((m) => `${m.code} ${m.key}`);
    // istio-system is an ordinary namespace then: two namespace-wide policies there clash too, named as such.
    assert.deepEqual(found.sort(), ['WEFT0330 PeerAuthentication b.mesh-root', 'WEFT0330 PeerAuthentication d.istio-system']);
  });
});
