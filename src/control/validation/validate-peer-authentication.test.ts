// PeerAuthentication validation: the examples of Istio's PeerAuthentication
// reference and "Mutual TLS Migration" task are accepted (in v1 and v1beta1),
// and each of Istio's ValidatePeerAuthentication rules refuses its case with
// its code and field path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CODES } from './codes.js';
import { validateObject } from './validate-object.js';

// Istio's reference examples (istio.io/latest/docs/reference/config/security/peer_authentication/) and
// the mesh-wide policy of the "Mutual TLS Migration" task, as YAML.
const ISTIO_EXAMPLES = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: foo
spec:
  mtls:
    mode: STRICT
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: finance
  namespace: foo
spec:
  selector:
    matchLabels:
      app: finance
  mtls:
    mode: STRICT
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: foo
spec:
  selector:
    matchLabels:
      app: finance
  mtls:
    mode: STRICT
  portLevelMtls:
    8080:
      mode: DISABLE
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
  namespace: foo
spec:
  selector:
    matchLabels:
      app: finance
  mtls:
    mode: UNSET
  portLevelMtls:
    8080:
      mode: DISABLE
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: "default"
  namespace: "istio-system"
spec:
  mtls:
    mode: STRICT
`;

const PA = 'security.istio.io/v1';
const pa = (spec: unknown, name = 'x') => ({ apiVersion: PA, kind: 'PeerAuthentication', metadata: { name, namespace: 'foo' }, spec });
const sel = { selector: { matchLabels: { app: 'finance' } } };

interface Case {
  name: string;
  doc: unknown;
  /** [code, path] pairs that must all be reported; empty: no error at all. */
  expect: [string, string][];
}

const CASES: Case[] = [
  { name: 'empty spec (namespace-wide, inherits)', doc: pa({}), expect: [] },
  { name: 'unknown mode', doc: pa({ mtls: { mode: 'strict' } }), expect: [['WEFT0013', 'spec.mtls.mode']] },
  { name: 'unknown port-level mode', doc: pa({ ...sel, portLevelMtls: { 8080: { mode: 'ON' } } }), expect: [['WEFT0013', 'spec.portLevelMtls["8080"].mode']] },
  { name: 'portLevelMtls needs a selector', doc: pa({ mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } }), expect: [['WEFT0106', 'spec.portLevelMtls']] },
  { name: 'portLevelMtls with empty matchLabels has no selector', doc: pa({ selector: { matchLabels: {} }, portLevelMtls: { 8080: { mode: 'DISABLE' } } }), expect: [['WEFT0106', 'spec.portLevelMtls']] },
  { name: 'empty portLevelMtls', doc: pa({ ...sel, portLevelMtls: {} }), expect: [['WEFT0107', 'spec.portLevelMtls']] },
  { name: 'port 0', doc: pa({ ...sel, portLevelMtls: { 0: { mode: 'DISABLE' } } }), expect: [['WEFT0102', 'spec.portLevelMtls["0"]']] },
  { name: 'port above 65535', doc: pa({ ...sel, portLevelMtls: { 70000: { mode: 'DISABLE' } } }), expect: [['WEFT0102', 'spec.portLevelMtls["70000"]']] },
  { name: 'port that is not a number', doc: pa({ ...sel, portLevelMtls: { http: { mode: 'DISABLE' } } }), expect: [['WEFT0011', 'spec.portLevelMtls.http']] },
  { name: 'wildcard in selector', doc: pa({ selector: { matchLabels: { app: '*' } } }), expect: [['WEFT0105', 'spec.selector.matchLabels.app']] },
  { name: 'bad label key', doc: pa({ selector: { matchLabels: { 'a b': 'x' } } }), expect: [['WEFT0105', 'spec.selector.matchLabels["a b"]']] },
  { name: 'unknown field (strict schema)', doc: pa({ mtls: { mode: 'STRICT' }, peers: [] }), expect: [['WEFT0010', 'spec.peers']] },
  { name: 'selector uses matchLabels, not labels', doc: pa({ selector: { labels: { app: 'x' } } }), expect: [['WEFT0010', 'spec.selector.labels']] },
  { name: 'wrong type', doc: pa({ mtls: 'STRICT' }), expect: [['WEFT0011', 'spec.mtls']] },
  { name: 'unknown security version', doc: { ...pa({}), apiVersion: 'security.istio.io/v1alpha1' }, expect: [['WEFT0005', 'apiVersion']] },
  { name: 'unknown security kind', doc: { apiVersion: PA, kind: 'PeerAuth', metadata: { name: 'x' }, spec: {} }, expect: [['WEFT0003', 'kind']] },
];

describe('PeerAuthentication validation', () => {
  const docs = parseAllDocuments(ISTIO_EXAMPLES).map((d) => d.toJS() as unknown);
  docs.forEach((doc, i) => {
    it(`accepts Istio's example ${i + 1}`, () => {
      const res = validateObject(doc);
      assert.deepEqual(res.messages.filter((m) => m.severity === 'error'), []);
      assert.equal(res.object?.kind, 'PeerAuthentication');
    });
  });

  it('keeps the spec as written (port keys, modes)', () => {
    const res = validateObject(docs[2]);
    assert.deepEqual(res.object?.spec, { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } });
  });

  it('warns on a selector without labels (namespace-wide, as Istio\'s validateWorkloadSelector)', () => {
    const res = validateObject(pa({ selector: {}, mtls: { mode: 'STRICT' } }));
    assert.deepEqual(res.messages.map((m) => `${m.code} ${m.path}`), ['WEFT0152 spec.selector']);
    assert.ok(res.object);
  });

  it('reports every problem at once', () => {
    const res = validateObject(pa({ mtls: { mode: 'ON' }, portLevelMtls: { 0: { mode: 'X' }, 80: {} } }));
    assert.deepEqual(res.messages.map((m) => m.code).sort(), ['WEFT0013', 'WEFT0013', 'WEFT0102', 'WEFT0106']);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const res = validateObject(c.doc);
      const got = res.messages.map((m) => `${m.code} ${m.path}`);
      for (const [code, path] of c.expect) assert.ok(got.includes(`${code} ${path}`), `expected ${code} at "${path}"; got:\n  ${got.join('\n  ')}`);
      for (const m of res.messages) assert.equal(m.severity, CODES[m.code as keyof typeof CODES].severity, `severity of ${m.code}`);
      const errors = res.messages.filter((m) => m.severity === 'error');
      if (c.expect.length === 0) assert.deepEqual(errors, []);
      assert.equal(res.object === undefined, errors.length > 0);
    });
  }
});
