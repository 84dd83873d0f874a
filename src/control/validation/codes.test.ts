// The code table and its documentation stay in step, and codes keep to their ranges.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CODES, RETIRED_CODES } from './codes.js';

const DOC = fileURLToPath(new URL('../../../../docs/config-validation.md', import.meta.url));

describe('message codes', () => {
  const doc = fs.readFileSync(DOC, 'utf8');
  for (const [code, info] of Object.entries(CODES)) {
    it(`${code} is documented with its severity and Istio's code`, () => {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${code} |`));
      assert.ok(row, `docs/config-validation.md has no row for ${code}`);
      const cells = row.split('|').map((c) => c.trim());
      assert.equal(cells[2], info.severity);
      assert.equal(cells[5], (info as { istio?: string }).istio ?? '', `${code}: Istio's code in the table`);
    });
  }
  it('retired codes are not reused and are documented as retired', () => {
    for (const code of Object.keys(RETIRED_CODES)) {
      assert.ok(!(code in CODES), `${code} is retired and must not be emitted again`);
      const row = doc.split('\n').find((l) => l.startsWith(`| ${code} |`));
      assert.ok(row, `docs/config-validation.md has no row for retired ${code}`);
      assert.equal(row.split('|').map((c) => c.trim())[2], 'retired', code);
    }
  });
  it('deprecations are warnings and analysis codes are 03xx', () => {
    for (const [code, info] of Object.entries(CODES)) {
      if (code.startsWith('WEFT02')) assert.equal(info.severity, 'warning', code);
      assert.match(code, /^WEFT0[0-3]\d\d$/);
    }
  });
});
