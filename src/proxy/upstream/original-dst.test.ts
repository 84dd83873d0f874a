import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import type { envoy_config_cluster_v3_Cluster } from '../../xds/gen/types.js';
import type { DownstreamDestination, LbHost } from '../lb/types.js';
import { decodeOriginalDst, OriginalDstLoadBalancer, parseIpPort, type OriginalDstConfig } from './original-dst.js';

function decode(c: envoy_config_cluster_v3_Cluster) {
  const errs = new ConfigErrors();
  const cfg = decodeOriginalDst(c, 'c', errs);
  return { cfg, errors: errs.errors.map((e) => e.path), warnings: errs.warnings.map((w) => w.path) };
}

test('decodes original_dst_lb_config and cleanup_interval with Envoy defaults', () => {
  assert.deepEqual(decode({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }), { cfg: { cleanupIntervalMs: 5000 }, errors: [], warnings: [] });
  const d = decode({
    type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', cleanup_interval: { seconds: 2 },
    original_dst_lb_config: { use_http_header: true, upstream_port_override: { value: 8080 } },
  });
  assert.deepEqual(d.cfg, { headerName: 'x-envoy-original-dst-host', portOverride: 8080, cleanupIntervalMs: 2000 });
  assert.equal(decode({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { use_http_header: true, http_header_name: 'X-Dst' } }).cfg?.headerName, 'x-dst');
});

test("refuses what Envoy refuses, each at its path", () => {
  assert.deepEqual(decode({ type: 'ORIGINAL_DST' }).errors, ['c.lb_policy']);
  assert.deepEqual(decode({ type: 'ORIGINAL_DST', lb_policy: 'ROUND_ROBIN' }).errors, ['c.lb_policy']);
  assert.deepEqual(decode({ type: 'STATIC', lb_policy: 'CLUSTER_PROVIDED' }).errors, ['c.lb_policy']);
  assert.deepEqual(decode({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', load_assignment: { cluster_name: 'x' } }).errors, ['c.load_assignment']);
  assert.deepEqual(decode({ type: 'STATIC', original_dst_lb_config: {} }).errors, ['c.original_dst_lb_config']);
  assert.deepEqual(decode({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { metadata_key: { key: 'k' } } }).errors, ['c.original_dst_lb_config.metadata_key']);
  assert.deepEqual(decode({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { upstream_port_override: { value: 70000 } } }).errors, ['c.original_dst_lb_config.upstream_port_override']);
  assert.deepEqual(decode({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', cleanup_interval: {} }).errors, ['c.cleanup_interval']);
});

test('the header takes fully resolved ip:port only', () => {
  assert.deepEqual(parseIpPort('10.1.2.3:8080'), { ip: '10.1.2.3', port: 8080 });
  assert.deepEqual(parseIpPort('[2001:db8::1]:443'), { ip: '2001:db8::1', port: 443 });
  for (const bad of ['', '10.1.2.3', 'example.com:80', '10.1.2.3:0', '10.1.2.3:65536', '300.1.2.3:80', '2001:db8::1:80', '[nope]:80', ' 10.1.2.3:80']) {
    assert.equal(parseIpPort(bad), undefined, bad);
  }
});

/** A host set as the cluster keeps it: objects survive while their address stays. */
function hostSet() {
  const set = {
    hosts: [] as LbHost[],
    setHosts(addrs: readonly { ip: string; port: number }[]) {
      set.hosts = addrs.map((a) => set.hosts.find((h) => h.address === a.ip && h.port === a.port) ?? { address: a.ip, port: a.port, weight: 1, priority: 0, healthy: true, activeRequests: 0 });
    },
  };
  return set;
}

function dest(headers: Record<string, string>, restored?: { ip: string; port: number }): DownstreamDestination {
  return { header: (n) => headers[n], local: { ip: '127.0.0.1', port: 15001 }, ...(restored ? { restored } : {}) };
}

function lb(cfg: OriginalDstConfig) {
  const clock = new ManualClock();
  const set = hostSet();
  let invalid = 0;
  const b = new OriginalDstLoadBalancer(set, cfg, clock, { inc: () => invalid++ });
  return { b, set, clock, invalid: () => invalid };
}

test('creates a host per destination on demand and reuses it', () => {
  const { b, set, invalid } = lb({ headerName: 'x-envoy-original-dst-host', cleanupIntervalMs: 5000 });
  const h1 = b.pick({ downstream: dest({ 'x-envoy-original-dst-host': '10.0.0.7:9080' }) });
  assert.equal(h1?.address, '10.0.0.7');
  assert.equal(h1?.port, 9080);
  assert.equal(b.pick({ downstream: dest({ 'x-envoy-original-dst-host': '10.0.0.7:9080' }) }), h1);
  b.pick({ downstream: dest({ 'x-envoy-original-dst-host': '[2001:db8::5]:80' }) });
  assert.deepEqual(set.hosts.map((h) => `${h.address}|${h.port}`), ['10.0.0.7|9080', '2001:db8::5|80']);
  // Present but not an address: no host, counted (Envoy's original_dst_host_invalid).
  assert.equal(b.pick({ downstream: dest({ 'x-envoy-original-dst-host': 'reviews:9080' }) }), undefined);
  assert.equal(invalid(), 1);
  // No destination at all (no header, nothing restored), or no context: no host.
  assert.equal(b.pick({ downstream: dest({}) }), undefined);
  assert.equal(b.pick(), undefined);
  b.close();
});

test('upstream_port_override replaces the port; without use_http_header the header is ignored', () => {
  const { b } = lb({ portOverride: 8443, cleanupIntervalMs: 5000 });
  assert.equal(b.pick({ downstream: dest({ 'x-envoy-original-dst-host': '10.0.0.7:9080' }) }), undefined);
  const h = b.pick({ downstream: dest({}, { ip: '10.0.0.9', port: 80 }) });
  assert.deepEqual([h?.address, h?.port], ['10.0.0.9', 8443]);
  b.close();
});

test('a restored destination equal to the local address is a loop and never used', () => {
  const { b } = lb({ cleanupIntervalMs: 5000 });
  assert.equal(b.pick({ downstream: dest({}, { ip: '127.0.0.1', port: 15001 }) }), undefined);
  b.close();
});

test('cleanup_interval removes hosts not used since the last cleanup (busy ones stay)', () => {
  const { b, set, clock } = lb({ headerName: 'x-envoy-original-dst-host', cleanupIntervalMs: 5000 });
  const to = (v: string) => b.pick({ downstream: dest({ 'x-envoy-original-dst-host': v }) });
  to('10.0.0.1:80');
  const busy = to('10.0.0.2:80')!;
  to('10.0.0.3:80');
  clock.advance(5000); // all three were used in this interval
  assert.equal(set.hosts.length, 3);
  to('10.0.0.1:80');
  busy.activeRequests = 1;
  clock.advance(4999);
  assert.equal(set.hosts.length, 3);
  clock.advance(1);
  assert.deepEqual(set.hosts.map((h) => h.address), ['10.0.0.1', '10.0.0.2']);
  busy.activeRequests = 0;
  clock.advance(5000); // 10.0.0.1 unused in this interval now too
  assert.deepEqual(set.hosts.map((h) => h.address), []);
  b.close();
  to('10.0.0.4:80');
  clock.advance(20_000); // closed: no more cleanups
  assert.equal(set.hosts.length, 1);
});
