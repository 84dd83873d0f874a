// Cross-resource analysis, one scenario per rule: a small world (services,
// workloads, a DestinationRule) plus the objects under test, and the exact
// codes, objects and paths expected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceEndpoint, ServiceModel } from '../model/types.js';
import { analyze } from './analyze.js';
import { loadConfigDocuments } from './load-documents.js';
import { validateObject } from './validate-object.js';

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
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ratings }
spec:
  hosts: [ratings]
  ports: [{ number: 9080, name: http, protocol: HTTP }, { number: 9443, name: https, protocol: HTTPS }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
`;

const vsReviews = (routes: string, name = 'reviews', extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name} }
spec:
  hosts: [reviews]
${extra}  http:
  - route:
${routes}`;

const dest = (subset: string, weight?: number) => `    - destination: { host: reviews, subset: ${subset} }\n${weight !== undefined ? `      weight: ${weight}\n` : ''}`;

const gw = (name: string, selector: string, host: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: ${name} }
spec:
  selector: { istio: ${selector} }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ['${host}'] }]
`;

const se = (name: string, host: string, protocol: string, addresses: string[] = []) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name} }
spec:
  hosts: [${host}]
${addresses.length > 0 ? `  addresses: [${addresses.join(', ')}]\n` : ''}  ports: [{ number: 27017, name: db, protocol: ${protocol} }]
  resolution: DNS
`;

const sc = (name: string, selector?: string) => `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: ${name} }
spec:
${selector ? `  workloadSelector: { labels: { ${selector} } }\n` : ''}  egress: [{ hosts: ['*/*'] }]
`;

/** A VirtualService for `hosts` routing to reviews, with extra spec lines. */
const vsTo = (name: string, hosts: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name} }
spec:
  hosts: [${hosts}]
${extra}  http:
  - route: [{ destination: { host: reviews } }]
`;

interface Scenario {
  name: string;
  yaml: string;
  /** Exactly these "CODE key path" lines, in any order. */
  expect: string[];
  registry?: { services: ServiceModel[]; endpoints: Record<string, Record<string, string>[]> };
}

const SCENARIOS: Scenario[] = [
  { name: 'consistent config has no findings', yaml: vsReviews(dest('v1', 50) + dest('v2', 50)), expect: [] },
  {
    name: 'subset missing from the DestinationRule (error)',
    yaml: vsReviews(dest('v1', 50) + dest('v4', 50)),
    expect: ['WEFT0302 VirtualService reviews.default spec.http[0].route[1].destination.subset'],
  },
  {
    name: 'subset used but no DestinationRule for the host',
    yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
  - route: [{ destination: { host: ratings, subset: v1, port: { number: 9080 } } }]
`,
    expect: ['WEFT0302 VirtualService ratings.default spec.http[0].route[0].destination.subset'],
  },
  {
    name: 'destination host defined nowhere (warning)',
    yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: details }
spec:
  hosts: [details]
  http:
  - route: [{ destination: { host: details } }]
`,
    expect: ['WEFT0301 VirtualService details.default spec.http[0].route[0].destination.host'],
  },
  { name: 'weights not summing to 100', yaml: vsReviews(dest('v1', 80) + dest('v2', 30)), expect: ['WEFT0303 VirtualService reviews.default spec.http[0].route'] },
  {
    name: 'two VirtualServices for one host on the mesh',
    yaml: vsReviews(dest('v1')) + '---' + vsReviews(dest('v2'), 'reviews-canary'),
    expect: ['WEFT0304 VirtualService reviews-canary.default spec.hosts'],
  },
  {
    name: 'gateway-bound VirtualServices: an earlier catch-all shadows later routes',
    yaml: `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: front }
spec:
  hosts: ["*"]
  gateways: [gw]
  http:
  - route: [{ destination: { host: reviews, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api }
spec:
  hosts: ["*"]
  gateways: [default/gw]
  http:
  - match: [{ uri: { prefix: /api } }]
    route: [{ destination: { host: reviews } }]
`,
    expect: ['WEFT0304 VirtualService api.default spec.http[0]'],
  },
  {
    name: 'gateway-bound VirtualServices with distinct matches merge cleanly',
    yaml: `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: a }
spec:
  hosts: ["*"]
  gateways: [gw]
  http: [{ match: [{ uri: { prefix: /a } }], route: [{ destination: { host: reviews } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: b }
spec:
  hosts: ["*"]
  gateways: [gw]
  http: [{ match: [{ uri: { prefix: /b } }], route: [{ destination: { host: reviews } }] }]
`,
    expect: [],
  },
  {
    name: 'subset selecting no workload',
    yaml: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: prod }
spec:
  host: reviews.default.svc.cluster.local
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v3, labels: { version: v3 } }
`,
    expect: ['WEFT0305 DestinationRule reviews.prod spec.subsets[1].labels'],
  },
  {
    name: 'Sidecar hiding a routed host',
    yaml:
      vsReviews(dest('v1')) +
      `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default }
spec:
  egress: [{ hosts: ["istio-system/*", "./ratings.default.svc.cluster.local"] }]
`,
    expect: ['WEFT0306 VirtualService reviews.default spec.http[0].route[0].destination.host'],
  },
  {
    name: 'Sidecar importing the host is fine',
    yaml: vsReviews(dest('v1')) + '---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: { name: default }\nspec:\n  egress: [{ hosts: ["./*"] }]\n',
    expect: [],
  },
  {
    name: 'Gateway that does not exist',
    yaml: vsReviews(dest('v1'), 'reviews', '  gateways: [mesh, missing-gw, other/gw2]\n'),
    expect: ['WEFT0307 VirtualService reviews.default spec.gateways[1]', 'WEFT0307 VirtualService reviews.default spec.gateways[2]'],
  },
  {
    name: 'same object twice',
    yaml: vsReviews(dest('v1')) + '---' + vsReviews(dest('v2')),
    expect: ['WEFT0308 VirtualService reviews.default metadata.name'],
  },
  {
    name: 'destination port not on the service, and a port needed',
    yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
  - route: [{ destination: { host: ratings, port: { number: 8080 } }, weight: 50 }, { destination: { host: ratings }, weight: 50 }]
`,
    expect: ['WEFT0309 VirtualService ratings.default spec.http[0].route[0].destination.port.number', 'WEFT0309 VirtualService ratings.default spec.http[0].route[1].destination'],
  },
  {
    name: 'delegate that does not exist',
    yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: root }
spec:
  hosts: [reviews]
  http: [{ delegate: { name: reviews-routes } }]
`,
    expect: ['WEFT0310 VirtualService root.default spec.http[0].delegate'],
  },
  {
    name: 'DestinationRule in the root namespace applies as a last resort',
    yaml:
      vsReviews(dest('v1', 50) + dest('canary', 50)).replace('host: reviews, subset: v1', 'host: reviews, subset: v1').replace(/metadata: \{ name: reviews \}/, 'metadata: { name: reviews, namespace: team }').replace(/host: reviews,/g, 'host: reviews.default.svc.cluster.local,') +
      `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-global, namespace: istio-system }
spec:
  host: reviews.default.svc.cluster.local
  subsets: [{ name: canary, labels: { version: v2 } }]
`,
    // team has no DestinationRule, the service namespace (default) has one without "canary": Istio uses default's.
    expect: ['WEFT0302 VirtualService reviews.team spec.http[0].route[1].destination.subset'],
  },
  {
    name: 'invalid objects are left to validation',
    yaml: vsReviews(dest('v9')).replace('hosts: [reviews]', 'hosts: "*"'),
    expect: [],
  },
  {
    name: 'registry services and endpoints count',
    yaml: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: productpage }
spec:
  hosts: [productpage]
  http: [{ route: [{ destination: { host: productpage, subset: v1 } }] }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: productpage }
spec:
  host: productpage
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v9, labels: { version: v9 } }]
`,
    registry: {
      services: [
        {
          hostname: 'productpage.default.svc.cluster.local',
          namespace: 'default',
          ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }],
          resolution: 'STATIC',
          location: 'MESH_INTERNAL',
          exportTo: ['*'],
          addresses: [],
          source: 'workloads file',
        },
      ],
      endpoints: { 'productpage.default.svc.cluster.local': [{ app: 'productpage', version: 'v1' }] },
    },
    expect: ['WEFT0305 DestinationRule productpage.default spec.subsets[1].labels'],
  },
  {
    name: 'Gateways with one selector, port and host conflict (IST0145); another selector does not',
    yaml: [gw('a', 'ingressgateway', 'bookinfo.example.com'), gw('b', 'ingressgateway', '*.example.com'), gw('c', 'other', 'bookinfo.example.com')].join('---'),
    expect: ['WEFT0311 Gateway b.default spec.servers[0]'],
  },
  {
    name: 'a ServiceEntry with a TCP port and no addresses (IST0134); with addresses it is fine',
    yaml: [se('db', 'db.example.com', 'TCP'), se('db2', 'db2.example.com', 'TCP', ['192.0.2.7'])].join('---'),
    expect: ['WEFT0312 ServiceEntry db.default spec.ports[0]'],
  },
  {
    name: 'one host and port with two protocols in two ServiceEntries',
    yaml: [se('m1', 'mongo.example.com', 'TCP', ['192.0.2.8']), se('m2', 'mongo.example.com', 'MONGO', ['192.0.2.8'])].join('---'),
    expect: ['WEFT0313 ServiceEntry m2.default spec.ports'],
  },
  {
    name: 'Sidecars: a selector that selects nothing (IST0127), two selecting one workload (IST0110), two without selector (IST0111)',
    yaml: [sc('none', 'app: ratingz'), sc('r1', 'app: reviews'), sc('r2', 'version: v1'), sc('all1'), sc('all2')].join('---'),
    expect: ['WEFT0314 Sidecar none.default spec.workloadSelector.labels', 'WEFT0315 Sidecar r2.default spec.workloadSelector.labels', 'WEFT0316 Sidecar all2.default metadata.name'],
  },
  {
    name: 'exportTo: VirtualServices for one host that no namespace sees together do not conflict',
    yaml: [vsTo('mine', 'reviews', '  exportTo: [.]\n'), vsTo('theirs', 'reviews', '  exportTo: [other]\n')].join('---'),
    expect: [],
  },
  {
    name: 'exportTo: exported to a namespace that also sees the other one, they conflict (IST0109)',
    yaml: [vsTo('mine', 'reviews', '  exportTo: [.]\n'), vsTo('shared', 'reviews', '  exportTo: ["*"]\n')].join('---'),
    expect: ['WEFT0304 VirtualService shared.default spec.hosts'],
  },
  {
    name: 'a host inside another VirtualService\'s wildcard host',
    yaml: [vsTo('api', 'api.example.com'), vsTo('wild', "'*.example.com'")].join('---'),
    expect: ['WEFT0317 VirtualService api.default spec.hosts[0]'],
  },
  {
    name: 'a Gateway that exists but was rejected is reported as invalid, not missing',
    yaml: ['\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: { name: gw }\nspec: { servers: [] }\n', vsTo('front', 'bookinfo.example.com', '  gateways: [gw]\n')].join('---'),
    expect: ['WEFT0319 VirtualService front.default spec.gateways[0]'],
  },
];

describe('analyze', () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const { docs, messages } = loadConfigDocuments(WORLD + '---' + s.yaml, 'world.yaml');
      assert.deepEqual(messages, []);
      const registry = s.registry && {
        services: () => s.registry!.services,
        endpoints: (host: string) => (s.registry!.endpoints[host] ?? []).map((labels) => ({ labels }) as unknown as ServiceEndpoint),
      };
      const found = analyze(docs, registry ? { registry } : {});
      assert.deepEqual(found.map((m) => `${m.code} ${m.key} ${m.path}`).sort(), [...s.expect].sort(), found.map((m) => m.message).join('\n'));
      for (const m of found) {
        assert.equal(m.file, 'world.yaml');
        assert.ok(m.line !== undefined && m.line > 0, `line of ${m.code}`);
      }
    });
  }

  it('a Sidecar egressProxy is accepted with a warning (not honoured)', () => {
    const { docs } = loadConfigDocuments(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: egress }
spec:
  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy: { host: egress.example.com, port: { number: 443 } }
`);
    const msgs = validateObject(docs[0]!.obj).messages;
    assert.deepEqual(msgs.map((m) => [m.code, m.severity, m.path]), [['WEFT0162', 'warning', 'spec.outboundTrafficPolicy.egressProxy']]);
  });

  it('names the missing subset and the DestinationRule, Istio style', () => {
    const { docs } = loadConfigDocuments(WORLD + '---' + vsReviews(dest('v1', 50) + dest('v4', 50)));
    const [m] = analyze(docs);
    assert.equal(m!.severity, 'error');
    assert.equal(m!.message, 'subset "v4" not found in DestinationRule reviews.default');
  });
});

describe('analyze: Gateway credentialName against the secrets folder (IST0161)', () => {
  const GW = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https-ok, protocol: HTTPS }
    hosts: [ok.example.com]
    tls: { mode: SIMPLE, credentialName: ok }
  - port: { number: 443, name: https-missing, protocol: HTTPS }
    hosts: [missing.example.com]
    tls: { mode: SIMPLE, credentialName: missing }
  - port: { number: 443, name: https-bad, protocol: HTTPS }
    hosts: [bad.example.com]
    tls: { mode: SIMPLE, credentialName: bad }
  - port: { number: 443, name: https-mutual, protocol: HTTPS }
    hosts: [mutual.example.com]
    tls: { mode: MUTUAL, credentialName: ok }
  - port: { number: 443, name: https-mutual-ca, protocol: HTTPS }
    hosts: [mutual2.example.com]
    tls: { mode: MUTUAL, credentialName: split }
  - port: { number: 443, name: https-mesh, protocol: HTTPS }
    hosts: [mesh.example.com]
    tls: { mode: ISTIO_MUTUAL }
`;
  const creds = {
    dir: '/srv/mesh/secrets',
    credentials: new Map<string, { certChainPem?: string; caPem?: string }>([['ok', { certChainPem: 'c' }], ['split', { certChainPem: 'c' }], ['split-cacert', { caPem: 'ca' }]]),
    issues: [{ name: 'bad', code: 'CREDENTIAL_KEY_MISMATCH', reason: 'key does not match the certificate' }],
  };

  it('missing, invalid, and MUTUAL without a CA bundle are WEFT0320; a separate <name>-cacert credential counts as the CA', () => {
    const { docs } = loadConfigDocuments(GW, 'gw.yaml');
    const found = analyze(docs, { credentials: creds }).filter((m) => m.code === 'WEFT0320');
    assert.deepEqual(found.map((m) => [m.severity, m.key, m.path]), [
      ['error', 'Gateway gw.istio-system', 'spec.servers[1].tls.credentialName'],
      ['error', 'Gateway gw.istio-system', 'spec.servers[2].tls.credentialName'],
      ['error', 'Gateway gw.istio-system', 'spec.servers[3].tls.credentialName'],
    ]);
    assert.match(found[1]!.message, /CREDENTIAL_KEY_MISMATCH/);
  });

  it('without a secrets folder (weft validate), credentialName is not checked', () => {
    const { docs } = loadConfigDocuments(GW, 'gw.yaml');
    assert.deepEqual(analyze(docs).filter((m) => m.code === 'WEFT0320'), []);
  });
});
