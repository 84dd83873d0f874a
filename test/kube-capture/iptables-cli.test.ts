// `weft iptables` as a command: --dry-run prints the iptables-restore input
// (no root needed), bad and unsupported flags exit 2 naming each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWeft } from '../helpers/process-harness.js';

describe('weft iptables', () => {
  it('--dry-run prints one nat transaction with the injector\'s arguments (short flags as istio-iptables)', async () => {
    const r = await runWeft(['iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '* nat');
    assert.equal(lines.at(-1), 'COMMIT');
    assert.ok(lines.includes('-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006'));
    assert.ok(lines.includes('-A ISTIO_OUTPUT -j ISTIO_REDIRECT'));
  });

  it('long flag names and --flag=value work too', async () => {
    const r = await runWeft(['iptables', '--envoy-port=16001', '--istio-service-cidr=10.96.0.0/12', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 16001$/m);
    assert.match(r.stdout, /^-A ISTIO_OUTPUT -d 10\.96\.0\.0\/12 -j ISTIO_REDIRECT$/m);
  });

  it('refuses DNS capture and TPROXY by name, with every other problem, exit 2', async () => {
    const r = await runWeft(['iptables', '--redirect-dns', '-m', 'TPROXY', '-p', '99999', '--dry-run']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--redirect-dns: DNS capture/);
    assert.match(r.stderr, /--istio-inbound-interception-mode: "TPROXY" is not supported/);
    assert.match(r.stderr, /--envoy-port: "99999" is not a port/);
    assert.equal(r.stdout, '');
  });

  it('unknown flags, a missing value, a stray argument and bad values are all named in one run', async () => {
    const r = await runWeft(['iptables', '--no-such-flag', '-p', '0', 'stray', '--cleanup', '--dry-run', '-X', '-z']);
    assert.equal(r.code, 2);
    for (const want of [/unknown option --no-such-flag/, /unknown option -X/, /option -z needs a value/, /unexpected argument "stray"/,
      /--envoy-port: "0" is not a port/, /--cleanup and --dry-run together/]) assert.match(r.stderr, want);
    assert.match(r.stderr, /options rejected \(6 errors\)/);
    assert.equal(r.stdout, '');
  });

  it('an unknown flag is an error with the usage', async () => {
    const r = await runWeft(['iptables', '--no-such-flag']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --no-such-flag/);
    assert.match(r.stderr, /--istio-service-cidr/);
  });
});
