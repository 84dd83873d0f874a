import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaError } from './ca-error.js';
import { TokenRegistry } from './token-registry.js';
import { TrustBundle } from './trust-bundle.js';

describe('TokenRegistry', () => {
  it('maps each minted token to its identity, forgets revoked ones, refuses non-Kubernetes names', () => {
    const t = new TokenRegistry();
    const a = t.mint({ namespace: 'default', serviceAccount: 'alice' });
    const b = t.mint({ namespace: 'shop', serviceAccount: 'bookinfo-reviews' });
    assert.notEqual(a, b);
    assert.ok(a.length >= 43);
    assert.deepEqual(t.authenticate(a), { namespace: 'default', serviceAccount: 'alice' });
    assert.deepEqual(t.authenticate(b), { namespace: 'shop', serviceAccount: 'bookinfo-reviews' });
    assert.equal(t.authenticate(''), undefined);
    assert.equal(t.authenticate(a + 'x'), undefined);
    assert.equal(t.revoke(a), true);
    assert.equal(t.authenticate(a), undefined);
    for (const bad of [{ namespace: 'Default', serviceAccount: 'a' }, { namespace: 'ns', serviceAccount: 'a/b' }, { namespace: '', serviceAccount: 'a' }]) {
      assert.throws(() => t.mint(bad), (e: unknown) => e instanceof CaError && e.code === 'IDENTITY_INVALID');
    }
  });
});

describe('TrustBundle', () => {
  it('bumps its version and notifies only when the roots change', () => {
    const b = new TrustBundle(['r1\n']);
    const seen: number[] = [];
    const off = b.onChange((s) => seen.push(s.version));
    b.update(['r1\n']);
    b.update(['r1\n', 'r2\n']);
    assert.deepEqual(b.current, { version: 2, roots: ['r1\n', 'r2\n'] });
    off();
    b.update(['r2\n']);
    assert.deepEqual(seen, [2]);
    assert.equal(b.current.version, 3);
  });
});

describe('TokenRegistry.register', () => {
  it('accepts an operator-provisioned token for its identity; refuses short tokens and bad names', () => {
    const t = new TokenRegistry();
    const token = 'x'.repeat(40);
    t.register(token, { namespace: 'shop', serviceAccount: 'cart' });
    assert.deepEqual(t.authenticate(token), { namespace: 'shop', serviceAccount: 'cart' });
    assert.throws(() => t.register('short', { namespace: 'shop', serviceAccount: 'cart' }), (e: unknown) => e instanceof CaError && e.code === 'IDENTITY_INVALID');
    assert.throws(() => t.register(token, { namespace: 'Shop', serviceAccount: 'cart' }), (e: unknown) => e instanceof CaError && e.code === 'IDENTITY_INVALID');
  });
});
