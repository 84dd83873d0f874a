import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../model/duration.js';
import { childPath, parsePath } from './field-path.js';
import { loadConfigDocuments } from './load-documents.js';

describe('loadConfigDocuments', () => {
  it('splits multi-document YAML, skips empty documents, keeps lines', () => {
    const text = ['a: 1', '---', '---', 'kind: X', 'spec:', '  http:', '  - route:', '    - destination: { host: r }', '---', ''].join('\n');
    const { docs, messages } = loadConfigDocuments(text, 'f.yaml');
    assert.deepEqual(messages, []);
    assert.equal(docs.length, 2);
    assert.deepEqual(docs[0]!.obj, { a: 1 });
    assert.equal(docs[1]!.line, 4);
    assert.equal(docs[1]!.lineOf!('spec.http[0].route[0].destination.host'), 8);
    assert.equal(docs[1]!.lineOf!('spec.http'), 6);
    // A path that does not exist reports its deepest existing ancestor.
    assert.equal(docs[1]!.lineOf!('spec.http[0].timeout'), 7);
  });

  it('reads JSON, including a top-level array', () => {
    const { docs } = loadConfigDocuments('[{"kind":"A"},\n{"kind":"B"}]', 'f.json');
    assert.deepEqual(docs.map((d) => d.obj), [{ kind: 'A' }, { kind: 'B' }]);
    assert.equal(docs[1]!.line, 2);
  });

  it('unpacks kind: List (kubectl get -o yaml)', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- kind: VirtualService\n  metadata: { name: a }\n- kind: Gateway\n  metadata: { name: b }\n';
    const { docs } = loadConfigDocuments(text);
    assert.deepEqual(docs.map((d) => (d.obj as { kind: string }).kind), ['VirtualService', 'Gateway']);
    assert.equal(docs[1]!.lineOf!('metadata.name'), 7);
  });

  it('reports parse errors with their line (WEFT0001) and keeps the good documents', () => {
    const { docs, messages } = loadConfigDocuments('a: 1\n---\nb: [1, 2\n---\nc: 3\n', 'bad.yaml');
    assert.deepEqual(docs.map((d) => d.obj), [{ a: 1 }, { c: 3 }]);
    assert.equal(messages.length >= 1, true);
    assert.equal(messages[0]!.code, 'WEFT0001');
    assert.equal(messages[0]!.file, 'bad.yaml');
    assert.ok(messages[0]!.line !== undefined && messages[0]!.line >= 3);
  });

  it('refuses duplicate keys', () => {
    const { messages } = loadConfigDocuments('a: 1\na: 2\n');
    assert.equal(messages[0]!.code, 'WEFT0001');
    assert.equal(messages[0]!.line, 2);
  });
});

describe('field paths', () => {
  it('round-trip through childPath and parsePath', () => {
    const p = childPath(childPath(childPath(childPath('spec', 'http'), 0), 'headers'), 'x.y/z');
    assert.equal(p, 'spec.http[0].headers["x.y/z"]');
    assert.deepEqual(parsePath(p), ['spec', 'http', 0, 'headers', 'x.y/z']);
    assert.deepEqual(parsePath(''), []);
  });
});

describe('parseDuration (Istio/Go duration strings)', () => {
  const cases: [string, number | undefined][] = [
    ['1.5s', 1.5e9],
    ['100ms', 100e6],
    ['5m', 300e9],
    ['1h', 3600e9],
    ['1h30m', 5400e9],
    ['250us', 250e3],
    ['0.25s', 250e6],
    ['0', 0],
    ['0s', 0],
    ['-1s', -1e9],
    ['.5s', 0.5e9],
    ['10', undefined],
    ['s', undefined],
    ['1d', undefined],
    ['', undefined],
    ['1.s', 1e9],
    ['1 s', undefined],
  ];
  for (const [text, ns] of cases) it(`"${text}"`, () => assert.equal(parseDuration(text), ns));
});
