import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import { WireReader } from './wire-reader.js';
import { WireWriter } from './wire-writer.js';

type Method = 'int32' | 'uint32' | 'sint32' | 'fixed32' | 'sfixed32' | 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64' | 'float' | 'double';

const CASES: Array<[Method, number[]]> = [
  ['int32', [0, 1, 127, 128, 300, 2147483647, -1, -2147483648]],
  ['uint32', [0, 1, 127, 128, 16384, 4294967295]],
  ['sint32', [0, 1, -1, 2147483647, -2147483648]],
  ['fixed32', [0, 1, 4294967295]],
  ['sfixed32', [0, -1, 2147483647, -2147483648]],
  ['int64', [0, 1, -1, 4294967296, -4294967297, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]],
  ['uint64', [0, 1, 4294967295, 4294967296, Number.MAX_SAFE_INTEGER]],
  ['sint64', [0, 1, -1, 4294967296, -4294967296, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]],
  ['fixed64', [0, 1, 4294967296, Number.MAX_SAFE_INTEGER]],
  ['sfixed64', [0, -1, -4294967296, Number.MIN_SAFE_INTEGER]],
  ['float', [0, 1.5, -2.25, Infinity]],
  ['double', [0, 0.1, -1e300, Infinity]],
];

function protobufjsBytes(method: Method, v: number): Uint8Array {
  const w = protobuf.Writer.create() as unknown as Record<Method, (v: number) => void> & { finish(): Uint8Array };
  w[method](v);
  return w.finish();
}

describe('wire format', () => {
  for (const [method, values] of CASES) {
    it(`writes ${method} as protobufjs does and reads it back`, () => {
      for (const v of values) {
        const w = new WireWriter(4);
        w[method](v);
        const bytes = w.finish();
        assert.deepEqual([...bytes], [...protobufjsBytes(method, v)], `${method}(${v})`);
        const r = new WireReader(Buffer.from(bytes));
        assert.equal(r[method](), v, `${method}(${v})`);
        assert.equal(r.pos, bytes.length);
      }
    });
  }

  it('writes 64-bit values beyond 2^53 given as decimal strings', () => {
    const w = new WireWriter();
    w.uint64('18446744073709551615');
    assert.deepEqual([...w.finish()], [255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
    w.int64('-9223372036854775808');
    assert.deepEqual([...w.finish()], [128, 128, 128, 128, 128, 128, 128, 128, 128, 1]);
  });

  it('writes strings (ASCII and not), bytes and booleans', () => {
    const w = new WireWriter(2);
    const long = 'x'.repeat(300);
    w.string('héllo ✓').string('abc').string(long).bytes(new Uint8Array([1, 2, 3])).bool(true).bool(false);
    const r = new WireReader(Buffer.from(w.finish()));
    assert.equal(r.string(), 'héllo ✓');
    assert.equal(r.string(), 'abc');
    assert.equal(r.string(), long);
    assert.deepEqual([...r.bytes()], [1, 2, 3]);
    assert.equal(r.bool(), true);
    assert.equal(r.bool(), false);
    assert.equal(r.pos, r.len);
  });

  it('writes nested lengths of any size, shifting the body when the length needs more bytes', () => {
    for (const size of [0, 127, 128, 16383, 16384, 70000]) {
      const w = new WireWriter(8);
      w.uint32(10);
      const outer = w.fork();
      w.uint32(18);
      const inner = w.fork();
      for (let i = 0; i < size; i++) w.bool(true);
      w.ldelim(inner);
      w.ldelim(outer);
      const r = new WireReader(Buffer.from(w.finish()));
      assert.equal(r.uint32(), 10);
      const outerEnd = r.delimitedEnd();
      assert.equal(r.uint32(), 18);
      const innerEnd = r.delimitedEnd();
      assert.equal(innerEnd - r.pos, size);
      assert.equal(innerEnd, outerEnd);
      assert.equal(outerEnd, r.len);
    }
  });

  it('refuses truncated input and over-long varints', () => {
    assert.throws(() => new WireReader(Buffer.from([0x80])).uint32(), RangeError);
    assert.throws(() => new WireReader(Buffer.from([0x05, 0x61])).string(), RangeError);
    assert.throws(() => new WireReader(Buffer.from([1, 2])).fixed32(), RangeError);
    assert.throws(() => new WireReader(Buffer.alloc(11, 0xff)).int64(), RangeError);
    assert.throws(() => new WireReader(Buffer.from([0x07])).skipType(7), RangeError);
  });

  it('skips every wire type', () => {
    const w = protobuf.Writer.create();
    w.uint64(2 ** 40).fixed64(1).string('skip me').fixed32(1);
    const bytes = w.finish();
    const r = new WireReader(Buffer.from(bytes));
    for (const t of [0, 1, 2, 5]) r.skipType(t);
    assert.equal(r.pos, bytes.length);
  });
});
