import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import { parseConfigText } from './config-text.js';

describe('parseConfigText', () => {
  it('reads JSON and YAML', () => {
    assert.deepEqual(parseConfigText('{"a": 1}', new ConfigErrors()), { a: 1 });
    assert.deepEqual(parseConfigText('a: [1, two]', new ConfigErrors()), { a: [1, 'two'] });
  });

  it('refuses an alias bomb with an error instead of throwing', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 6; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const errs = new ConfigErrors();
    assert.equal(parseConfigText(levels.join('\n'), errs), undefined);
    assert.equal(errs.errors.length, 1);
    assert.equal(errs.errors[0]!.path, '');
  });

  it('reports syntax errors', () => {
    const errs = new ConfigErrors();
    assert.equal(parseConfigText('a: [1,', errs), undefined);
    assert.ok(errs.hasErrors);
  });

  it('releases the YAML parser after each parse and loads it again for the next', () => {
    const req = createRequire(import.meta.url);
    const yamlFiles = () => Object.keys(req.cache).filter((k) => k.includes('/node_modules/yaml/'));
    assert.deepEqual(parseConfigText('a: 1', new ConfigErrors()), { a: 1 });
    assert.deepEqual(yamlFiles(), [], 'nothing of the parser stays cached');
    const errs = new ConfigErrors();
    assert.equal(parseConfigText('a: [1,', errs), undefined);
    assert.deepEqual(yamlFiles(), [], 'released after a syntax error too');
    assert.deepEqual(parseConfigText('b: {c: [x]}', new ConfigErrors()), { b: { c: ['x'] } });
  });
});
