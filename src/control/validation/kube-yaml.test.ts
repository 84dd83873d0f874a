// YAML read as Kubernetes reads it: each row is what go-yaml v2 (under
// sigs.k8s.io/yaml, which kubectl, the API server and istioctl use) makes of
// a plain scalar, per its resolve.go; the YAML 1.2 reading is shown where it
// differs, to say why the row exists.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goYamlNumber } from './kube-yaml.js';
import { loadConfigDocuments } from './load-documents.js';
import { validateObject } from './validate-object.js';

function valueOf(yaml: string): unknown {
  const r = loadConfigDocuments(`v: ${yaml}\n`);
  assert.deepEqual(r.messages, []);
  return (r.docs[0]!.obj as { v: unknown }).v;
}

// [source, go-yaml v2's value, (YAML 1.2's value where different)]
const TABLE: [string, unknown, unknown?][] = [
  // booleans: YAML 1.1's words, not only true/false
  ['yes', true, 'yes'], ['Yes', true, 'Yes'], ['YES', true, 'YES'], ['y', true, 'y'], ['Y', true, 'Y'],
  ['no', false, 'no'], ['No', false, 'No'], ['NO', false, 'NO'], ['n', false, 'n'], ['N', false, 'N'],
  ['on', true, 'on'], ['On', true, 'On'], ['ON', true, 'ON'], ['off', false, 'off'], ['Off', false, 'Off'], ['OFF', false, 'OFF'],
  ['true', true], ['True', true], ['TRUE', true], ['false', false], ['FALSE', false],
  ['yEs', 'yEs'], ['tRue', 'tRue'],
  // null
  ['~', null], ['null', null], ['Null', null], ['NULL', null], ['nULL', 'nULL'],
  // integers: Go's ParseInt(s, 0, 64) after removing "_"
  ['0755', 493, 755], ['0o755', 493], ['0x1F', 31], ['0b101', 5, '0b101'], ['-0b101', -5, '-0b101'],
  ['+12', 12], ['-12', -12], ['1_000', 1000, '1_000'], ['1__0', 10, '1__0'], ['0x_1', 1, '0x_1'], ['_1', '_1'],
  ['0', 0], ['-0', 0],
  // not octal: falls through to YAML-style floats
  ['08', 8], ['0789', 789],
  // floats
  ['1.5', 1.5], ['1.', 1], ['.5', 0.5], ['1e3', 1000], ['0.5e+3', 500], ['-.inf', -Infinity], ['.nan', NaN],
  // no sexagesimal numbers (YAML 1.1 would read 80 and 685230)
  ['1:20', '1:20'], ['190:20:30', '190:20:30'], ['1:20.5', '1:20.5'],
  // timestamps stay strings as written
  ['2001-12-14', '2001-12-14'], ['2001-12-14T21:59:43Z', '2001-12-14T21:59:43Z'],
  // strings that look like numbers to no one
  ['1.2.3.4', '1.2.3.4'], ['::1', '::1'], ['2001:db8::1', '2001:db8::1'], ['9080/tcp', '9080/tcp'], ['0x', '0x'], ['1e', '1e'],
];

describe('YAML as Kubernetes reads it (go-yaml v2)', () => {
  for (const [src, want] of TABLE) {
    it(`${src} → ${typeof want === 'string' ? JSON.stringify(want) : String(want)}`, () => {
      const got = valueOf(src);
      if (typeof want === 'number' && Number.isNaN(want)) assert.ok(Number.isNaN(got as number));
      else assert.deepEqual(got, want);
    });
  }

  it('goYamlNumber agrees with the table for every numeric row', () => {
    for (const [src, want] of TABLE) if (typeof want === 'number' && !Number.isNaN(want)) assert.equal(goYamlNumber(src), want, src);
  });

  it('an unquoted IPv6 address in a flow sequence is one string (a YAML 1.2 parser reads a map)', () => {
    assert.deepEqual(valueOf('[1.2.3.4, 001:db8::]'), ['1.2.3.4', '001:db8::']);
    assert.deepEqual(valueOf('[2001:db8::, fe80::]'), ['2001:db8::', 'fe80::']);
    assert.deepEqual(valueOf('{a: [x:]}'), { a: ['x:'] });
    // ": " is still a key/value separator in a flow sequence, as in go-yaml.
    assert.deepEqual(valueOf('[a: b]'), [{ a: 'b' }]);
  });

  it('keys resolve too: `on:` is the key "true" (as kubectl sends it)', () => {
    assert.deepEqual(valueOf('{ on: 1, "off": 2 }'), { true: 1, off: 2 });
  });

  it('a ServiceEntry with unquoted IPv6 addresses validates; a port given as "0755" is the number 493', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: db }
spec:
  hosts: [db.example.com]
  addresses: [192.0.2.1, 2001:db8::]
  ports: [{ number: 0755, name: tcp, protocol: TCP }]
  resolution: STATIC
  endpoints: [{ address: 192.0.2.10 }]
`;
    const doc = loadConfigDocuments(text).docs[0]!;
    const spec = (doc.obj as { spec: { addresses: unknown; ports: { number: unknown }[] } }).spec;
    assert.deepEqual(spec.addresses, ['192.0.2.1', '2001:db8::']);
    assert.equal(spec.ports[0]!.number, 493);
    assert.deepEqual(validateObject(doc.obj, undefined, { lineOf: doc.lineOf }).messages.filter((m) => m.severity === 'error'), []);
  });

  it('an unquoted yes where a string is wanted is a type error naming the field (as the API server refuses it)', () => {
    const text = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: r }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { canary: yes } }]
`;
    const doc = loadConfigDocuments(text).docs[0]!;
    const errs = validateObject(doc.obj, undefined, { lineOf: doc.lineOf }).messages.filter((m) => m.severity === 'error');
    assert.deepEqual(errs.map((m) => [m.code, m.path]), [['WEFT0011', 'spec.subsets[0].labels.canary']]);
  });
});
