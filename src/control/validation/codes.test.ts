// The code table and its documentation stay in step, and codes keep to their ranges.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CODES } from './codes.js';

const DOC = fileURLToPath(new URL('../../../../docs/config-validation.md', import.meta.url));

describe('message codes', () => {
  const doc = fs.readFileSync(DOC, 'utf8');
  for (const [code, info] of Object.entries(CODES)) {
    it(`${code} is documented with its severity`, () => {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${code} |`));
      assert.ok(row, `docs/config-validation.md has no row for ${code}`);
      assert.equal(row.split('|')[2]!.trim(), info.severity);
    });
  }
  it('deprecations are warnings and analysis codes are 03xx', () => {
    for (const [code, info] of Object.entries(CODES)) {
      if (code.startsWith('WEFT02')) assert.equal(info.severity, 'warning', code);
      assert.match(code, /^WEFT0[0-3]\d\d$/);
    }
  });
});
