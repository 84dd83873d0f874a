// A bootstrap whose YAML aliases expand exponentially ("billion laughs") is
// refused with a clear message and exit 1, never expanded or crashed on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapErrors } from '../helpers/proxy-harness.js';
import { tempDir } from '../helpers/net-harness.js';
import { runWeft } from '../helpers/process-harness.js';

/** Nine levels of nine aliases each: 9^9 strings once expanded. */
function yamlBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  let prev = 'a';
  for (const n of 'bcdefghi') {
    lines.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`);
    prev = n;
  }
  return lines.join('\n') + '\n';
}

describe('bootstrap YAML bomb', () => {
  it('is a config error at the root, not an exception', () => {
    const errs = bootstrapErrors(yamlBomb());
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.path, '');
    assert.match(errs[0]!.message, /^YAML: .*alias/i);
  });

  it('weft proxy refuses it with exit 1 and no stack trace', async () => {
    const dir = tempDir();
    try {
      const file = dir.file('bomb.yaml', yamlBomb());
      const r = await runWeft(['proxy', '-c', file, '--mode', 'validate']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /bootstrap rejected \(1 error\)/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      dir.cleanup();
    }
  });
});
