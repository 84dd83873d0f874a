// AuthorizationPolicy validation and analysis: Istio's reference examples are
// accepted; each of Istio's ValidateAuthorizationPolicy rules refuses its
// case with its code and field path (all at once); the analyzers report a
// selector matching nothing, identity fields under DISABLE and principals of
// an unknown form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { analyze } from './analyze.js';
import { loadConfigDocuments } from './load-documents.js';
import { validateObject } from './validate-object.js';

// From istio.io/latest/docs/reference/config/security/authorization-policy/.
const ISTIO_EXAMPLES = `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: httpbin, namespace: foo }
spec:
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/sleep"]
    - source:
        namespaces: ["test"]
    to:
    - operation:
        methods: ["GET"]
        paths: ["/info*"]
    - operation:
        methods: ["POST"]
        paths: ["/data"]
    when:
    - key: request.auth.claims[iss]
      values: ["https://accounts.google.com"]
---
apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata: { name: httpbin, namespace: foo }
spec:
  action: DENY
  rules:
  - from:
    - source:
        notNamespaces: ["foo"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-nothing, namespace: foo }
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-all, namespace: foo }
spec:
  rules:
  - {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ext-authz, namespace: foo }
spec:
  action: CUSTOM
  provider:
    name: "my-custom-authz"
  rules:
  - to:
    - operation:
        paths: ["/admin/*"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: audit, namespace: foo }
spec:
  selector: { matchLabels: { app: httpbin } }
  action: AUDIT
  rules:
  - to:
    - operation:
        paths: ["/user/profile/*"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: when, namespace: foo }
spec:
  rules:
  - when:
    - key: source.ip
      values: ["10.1.2.3", "10.2.0.0/16"]
    - key: request.headers[version]
      notValues: ["v1"]
    - key: destination.port
      values: ["8080"]
    - key: connection.sni
      values: ["*.example.com"]
`;

function codes(doc: unknown): string[] {
  return validateObject(doc).messages.map((m) => `${m.code} ${m.path}`);
}
const ap = (spec: unknown) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'x', namespace: 'foo' }, spec });

describe('AuthorizationPolicy validation', () => {
  parseAllDocuments(ISTIO_EXAMPLES).forEach((d, i) => {
    it(`accepts Istio's example ${i + 1}`, () => {
      const res = validateObject(d.toJS());
      assert.deepEqual(res.messages.filter((m) => m.severity === 'error'), []);
      assert.equal(res.object?.kind, 'AuthorizationPolicy');
    });
  });

  const CASES: [string, unknown, string[]][] = [
    ['CUSTOM without rules', { action: 'CUSTOM', provider: { name: 'p' } }, ['WEFT0107 spec.rules']],
    ['CUSTOM without provider', { action: 'CUSTOM', rules: [{}] }, ['WEFT0107 spec.provider.name']],
    ['provider without CUSTOM', { action: 'DENY', provider: { name: 'p' }, rules: [{}] }, ['WEFT0106 spec.provider']],
    ['DENY without rules', { action: 'DENY' }, ['WEFT0107 spec.rules']],
    ['CUSTOM with identity fields and request.auth', {
      action: 'CUSTOM', provider: { name: 'p' },
      rules: [{ from: [{ source: { principals: ['a/ns/b/sa/c'], namespaces: ['x'] } }], when: [{ key: 'request.auth.claims[a]', values: ['b'] }] }],
    }, ['WEFT0106 spec.rules[0].from[0].source.principals', 'WEFT0106 spec.rules[0].from[0].source.namespaces', 'WEFT0106 spec.rules[0].when[0].key']],
    ['empty source and operation', { rules: [{ from: [{ source: {} }], to: [{ operation: {} }] }] }, ['WEFT0107 spec.rules[0].from[0].source', 'WEFT0107 spec.rules[0].to[0].operation']],
    ['from without source', { rules: [{ from: [{}] }] }, ['WEFT0107 spec.rules[0].from[0].source']],
    ['empty values, bad IPs and ports, path templates', {
      rules: [{ from: [{ source: { principals: [''], ipBlocks: ['10.0.0.300'], remoteIpBlocks: ['1.2.3.4/40'] } }], to: [{ operation: { ports: ['http', '70000'], paths: ['/a/{*}/b'] } }] }],
    }, ['WEFT0107 spec.rules[0].from[0].source.principals[0]', 'WEFT0114 spec.rules[0].from[0].source.ipBlocks[0]', 'WEFT0114 spec.rules[0].from[0].source.remoteIpBlocks[0]',
      'WEFT0102 spec.rules[0].to[0].operation.ports[0]', 'WEFT0102 spec.rules[0].to[0].operation.ports[1]', 'WEFT0016 spec.rules[0].to[0].operation.paths[0]']],
    ['when keys', {
      rules: [{ when: [
        { key: 'request.foo', values: ['a'] }, { key: 'source.user', values: ['a'] }, { key: 'request.headers', values: ['a'] },
        { key: 'experimental.envoy.filters.network.mysql_proxy[db.table]', values: ['[update]'] }, { key: 'source.ip', values: ['nope'] },
        { key: 'destination.port', notValues: ['x'] }, { key: 'request.auth.claims[a]' },
      ] }],
    }, ['WEFT0119 spec.rules[0].when[0].key', 'WEFT0119 spec.rules[0].when[1].key', 'WEFT0119 spec.rules[0].when[2].key', 'WEFT0016 spec.rules[0].when[3].key',
      'WEFT0114 spec.rules[0].when[4].values[0]', 'WEFT0102 spec.rules[0].when[5].notValues[0]', 'WEFT0107 spec.rules[0].when[6]']],
    ['targetRef and targetRefs refused by name', { targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }, targetRefs: [] }, ['WEFT0016 spec.targetRef', 'WEFT0016 spec.targetRefs']],
    ['unknown action, unknown field', { action: 'LOG', rule: [] }, ['WEFT0013 spec.action', 'WEFT0010 spec.rule']],
    ['serviceAccounts with principals; bad service account', { rules: [{ from: [{ source: { principals: ['a/ns/b/sa/c'], serviceAccounts: ['a/b/c'] } }] }] },
      ['WEFT0106 spec.rules[0].from[0].source', 'WEFT0011 spec.rules[0].from[0].source.serviceAccounts[0]']],
    ['a DENY rule with HTTP-only fields warns about TCP ports', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/x'] } }] }] }, ['WEFT0152 spec.rules[0]']],
    ['a wildcard selector', { selector: { matchLabels: { app: '*' } } }, ['WEFT0105 spec.selector.matchLabels.app']],
  ];
  for (const [name, spec, expect] of CASES) {
    it(name, () => assert.deepEqual(codes(ap(spec)).sort(), [...expect].sort()));
  }
});

const WORLD = `
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1 }
spec: { address: 10.0.0.1, labels: { app: reviews, version: v1 } }
`;
const policy = (name: string, ns: string, spec: string) => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec:
${spec}`;

describe('analyze AuthorizationPolicy', () => {
  const SCENARIOS: [string, string[], string[]][] = [
    ['a selector matching no workload (IST0127)', [policy('x', 'default', '  selector: { matchLabels: { app: reviewz } }\n')], ['WEFT0350 AuthorizationPolicy x.default spec.selector.matchLabels']],
    ['a selector matching a workload', [policy('x', 'default', '  selector: { matchLabels: { app: reviews } }\n')], []],
    ['a root-namespace selector matching a workload of another namespace', [policy('x', 'istio-system', '  selector: { matchLabels: { app: reviews } }\n')], []],
    ['principals where PeerAuthentication is DISABLE', [
      `\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: default }\nspec: { mtls: { mode: DISABLE } }\n`,
      policy('x', 'default', '  rules:\n  - from:\n    - source: { principals: ["cluster.local/ns/default/sa/a"] }\n'),
    ], ['WEFT0351 AuthorizationPolicy x.default spec.rules[0].from[0].source.principals']],
    ['principals of an unknown form', [policy('x', 'default', '  rules:\n  - from:\n    - source: { principals: ["productpage", "*/sa/a", "cluster.local/ns/default/sa/a"] }\n')],
      ['WEFT0352 AuthorizationPolicy x.default spec.rules[0].from[0].source.principals[0]']],
  ];
  for (const [name, yaml, expect] of SCENARIOS) {
    it(name, () => {
      const { docs, messages } = loadConfigDocuments(WORLD + '---' + yaml.join('---'), 'world.yaml');
      assert.deepEqual(messages, []);
      const found = analyze(docs).filter((m) => m.code.startsWith('WEFT035'));
      assert.deepEqual(found.map((m) => `${m.code} ${m.key} ${m.path}`).sort(), [...expect].sort(), found.map((m) => m.message).join('\n'));
    });
  }
});
