// Addresses: pipes decode only where allowed, print as their path, and give
// grpc-js targets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CFG, ConfigErrors } from '../../common/errors.js';
import { decodeSocketAddress, formatAddr, grpcTarget, hasPipeEndpoint } from './address.js';

describe('addresses', () => {
  it('decodes a pipe where the caller allows one, and refuses it elsewhere', () => {
    const errs = new ConfigErrors();
    assert.deepEqual(decodeSocketAddress({ pipe: { path: '/var/run/sds.sock' } }, 'a', errs, { allowHostname: false, allowPipe: true }), { host: 'unix:/var/run/sds.sock', port: 0 });
    // Istio's bootstrap names its SDS socket relative to the working directory.
    assert.deepEqual(decodeSocketAddress({ pipe: { path: './var/run/secrets/workload-spiffe-uds/socket' } }, 'a', errs, { allowHostname: false, allowPipe: true }), { host: 'unix:./var/run/secrets/workload-spiffe-uds/socket', port: 0 });
    assert.deepEqual(errs.errors, []);
    const refused = new ConfigErrors();
    assert.equal(decodeSocketAddress({ pipe: { path: '/var/run/sds.sock' } }, 'a', refused, { allowHostname: false }), undefined);
    assert.equal(refused.errors[0]?.code, CFG.UNSUPPORTED_FIELD);
    const bad = new ConfigErrors();
    decodeSocketAddress({ pipe: { path: `/${'x'.repeat(120)}`, mode: 0o600 } }, 'a', bad, { allowHostname: false, allowPipe: true });
    assert.deepEqual(bad.errors.map((e) => e.path).sort(), ['a.pipe.mode', 'a.pipe.path']);
  });

  it('prints a pipe as its path and gives grpc-js targets', () => {
    assert.equal(formatAddr('unix:/run/a.sock', 0), '/run/a.sock');
    assert.equal(formatAddr('::1', 80), '[::1]:80');
    assert.equal(grpcTarget('unix:/run/a.sock', 0), 'unix:/run/a.sock');
    assert.equal(grpcTarget('unix:./var/run/a', 0), 'unix:./var/run/a');
    assert.equal(grpcTarget('unix:@agent', 0), 'unix-abstract:agent');
    assert.equal(grpcTarget('127.0.0.1', 15010), '127.0.0.1:15010');
    assert.equal(hasPipeEndpoint([{ host: '10.0.0.1' }, { host: 'unix:/run/a.sock' }]), true);
    assert.equal(hasPipeEndpoint([{ host: '10.0.0.1' }]), false);
  });
});
