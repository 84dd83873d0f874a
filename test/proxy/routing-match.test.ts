// Route matching through real sockets: virtual-host domain precedence, path
// matchers, header and query-parameter matchers, case sensitivity.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { answer, jsonBootstrap, jsonCluster, startNamedUpstreams, toCluster, type NamedUpstreams } from '../helpers/http-test-kit.js';

describe('routing: virtual host domains', () => {
  let ups: NamedUpstreams;
  let px: RunningProxy;
  before(async () => {
    ups = await startNamedUpstreams(['exact', 'suffix', 'longsuffix', 'prefix', 'any']);
    const vh = (name: string, domains: string[]) => ({ name, domains, routes: [toCluster({ prefix: '/' }, name)] });
    px = await startProxy(jsonBootstrap({
      routeConfig: {
        // Listed least specific first: precedence must not depend on order.
        virtual_hosts: [
          vh('any', ['*']),
          vh('prefix', ['prefix.*']),
          vh('suffix', ['*.example.com']),
          vh('longsuffix', ['*.foo.example.com']),
          vh('exact', ['exact.example.com', 'exact.example.com:8080']),
        ],
      },
      clusters: Object.entries(ups.ports).map(([n, p]) => jsonCluster(n, [p])),
    }));
  });
  after(async () => {
    await px?.close();
    await ups?.close();
  });

  const via = async (host: string) => (await request({ port: px.port(), headers: { host } })).body.toString();

  it('an exact domain wins over every wildcard', async () => {
    assert.equal(await via('exact.example.com'), 'exact');
    assert.equal(await via('EXACT.example.com'), 'exact');
  });

  it('the port is part of the host: it matches a host:port entry, and defeats suffix wildcards', async () => {
    assert.equal(await via('exact.example.com:8080'), 'exact');
    // Envoy compares the whole Host value (ignore_port_in_host_matching is off by default).
    assert.equal(await via('exact.example.com:9090'), 'any');
    assert.equal(await via('prefix.other.org:9090'), 'prefix');
  });

  it('suffix wildcards: the longest suffix wins', async () => {
    assert.equal(await via('a.example.com'), 'suffix');
    assert.equal(await via('a.foo.example.com'), 'longsuffix');
  });

  it('suffix wildcards win over prefix wildcards', async () => {
    assert.equal(await via('prefix.example.com'), 'suffix');
    assert.equal(await via('prefix.other.org'), 'prefix');
  });

  it('"*" catches everything else', async () => {
    assert.equal(await via('unknown.org'), 'any');
  });
});

describe('routing: path, header and query matchers', () => {
  let ups: NamedUpstreams;
  let px: RunningProxy;
  before(async () => {
    ups = await startNamedUpstreams(['A', 'B', 'C', 'D', 'E']);
    const h = (headers: object[], body: string) => answer({ prefix: '/h/', headers }, body);
    const q = (query_parameters: object[], body: string) => answer({ prefix: '/q/', query_parameters }, body);
    px = await startProxy(jsonBootstrap({
      routeConfig: {
        virtual_hosts: [{
          name: 'all',
          domains: ['*'],
          routes: [
            toCluster({ path: '/exact' }, 'A'),
            toCluster({ path_separated_prefix: '/sep' }, 'C'),
            toCluster({ safe_regex: { regex: '/re/[0-9]+' } }, 'D'),
            toCluster({ prefix: '/CaSe', case_sensitive: false }, 'E'),
            toCluster({ prefix: '/cs/Upper' }, 'A'),
            h([{ name: 'x-exact', exact_match: 'yes' }], 'exact'),
            h([{ name: 'x-sm', string_match: { exact: 'Yes', ignore_case: true } }], 'string_match'),
            h([{ name: 'x-prefix', prefix_match: 'ab' }], 'prefix'),
            h([{ name: 'x-suffix', suffix_match: 'yz' }], 'suffix'),
            h([{ name: 'x-contains', contains_match: 'mid' }], 'contains'),
            h([{ name: 'x-present', present_match: true }], 'present'),
            h([{ name: 'x-regex', safe_regex_match: { regex: 'v[0-9]+' } }], 'regex'),
            h([{ name: 'x-range', range_match: { start: 10, end: 20 } }], 'range'),
            h([{ name: 'x-not', exact_match: 'bad', invert_match: true }], 'invert'),
            h([{ name: 'x-one', exact_match: '1' }, { name: 'x-two', exact_match: '2' }], 'all-of'),
            h([{ name: ':method', exact_match: 'PUT' }], 'method'),
            answer({ prefix: '/h/' }, 'none'),
            q([{ name: 'debug', string_match: { exact: '1' } }], 'q-exact'),
            q([{ name: 'flag', present_match: true }], 'q-present'),
            q([{ name: 'enc', string_match: { exact: 'a b' } }], 'q-decoded'),
            answer({ prefix: '/q/' }, 'q-none'),
            toCluster({ prefix: '/pre' }, 'B'),
          ],
        }],
      },
      clusters: Object.entries(ups.ports).map(([n, p]) => jsonCluster(n, [p])),
    }));
  });
  after(async () => {
    await px?.close();
    await ups?.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const r = await request({ port: px.port(), path, headers, method });
    return r.status === 200 ? r.body.toString() : `status ${r.status}`;
  };

  it('path matches the whole path (query ignored), nothing more', async () => {
    assert.equal(await get('/exact'), 'A');
    assert.equal(await get('/exact?x=1'), 'A');
    assert.equal(await get('/exact/more'), 'status 404');
  });

  it('prefix matches any path that starts with it', async () => {
    assert.equal(await get('/pre'), 'B');
    assert.equal(await get('/prefix/deep?q'), 'B');
  });

  it('path_separated_prefix matches the prefix itself or the prefix followed by "/"', async () => {
    assert.equal(await get('/sep'), 'C');
    assert.equal(await get('/sep/x'), 'C');
    assert.equal(await get('/sep?x=1'), 'C');
    assert.equal(await get('/sepx'), 'status 404');
  });

  it('safe_regex must match the whole path', async () => {
    assert.equal(await get('/re/123'), 'D');
    assert.equal(await get('/re/123?q=1'), 'D');
    assert.equal(await get('/re/12a'), 'status 404');
  });

  it('case_sensitive: false ignores case; the default is case-sensitive', async () => {
    assert.equal(await get('/case/x'), 'E');
    assert.equal(await get('/CASE'), 'E');
    assert.equal(await get('/cs/Upper'), 'A');
    assert.equal(await get('/cs/upper'), 'status 404');
  });

  it('header matchers: exact, string_match, prefix, suffix, contains, present, safe regex, range', async () => {
    assert.equal(await get('/h/', { 'x-exact': 'yes' }), 'exact');
    assert.equal(await get('/h/', { 'x-exact': 'yess' }), 'none');
    assert.equal(await get('/h/', { 'x-sm': 'YES' }), 'string_match');
    assert.equal(await get('/h/', { 'x-prefix': 'abc' }), 'prefix');
    assert.equal(await get('/h/', { 'x-prefix': 'cab' }), 'none');
    assert.equal(await get('/h/', { 'x-suffix': 'xyz' }), 'suffix');
    assert.equal(await get('/h/', { 'x-contains': 'amidst' }), 'contains');
    assert.equal(await get('/h/', { 'x-present': '' }), 'present');
    assert.equal(await get('/h/', { 'x-regex': 'v12' }), 'regex');
    assert.equal(await get('/h/', { 'x-regex': 'v12x' }), 'none');
    assert.equal(await get('/h/', { 'x-range': '10' }), 'range');
    assert.equal(await get('/h/', { 'x-range': '19' }), 'range');
    assert.equal(await get('/h/', { 'x-range': '20' }), 'none');
    assert.equal(await get('/h/', { 'x-range': '1x' }), 'none');
  });

  it('invert_match negates a match; a missing header still does not match', async () => {
    assert.equal(await get('/h/', { 'x-not': 'good' }), 'invert');
    assert.equal(await get('/h/', { 'x-not': 'bad' }), 'none');
    assert.equal(await get('/h/'), 'none');
  });

  it('every header condition of a route must hold; pseudo-headers can be matched', async () => {
    assert.equal(await get('/h/', { 'x-one': '1', 'x-two': '2' }), 'all-of');
    assert.equal(await get('/h/', { 'x-one': '1' }), 'none');
    assert.equal(await get('/h/', {}, 'PUT'), 'method');
  });

  it('query_parameters: exact value, presence, percent-decoded values', async () => {
    assert.equal(await get('/q/?debug=1'), 'q-exact');
    assert.equal(await get('/q/?a=2&debug=1'), 'q-exact');
    assert.equal(await get('/q/?debug=2'), 'q-none');
    assert.equal(await get('/q/?flag'), 'q-present');
    assert.equal(await get('/q/?enc=a%20b'), 'q-decoded');
    assert.equal(await get('/q/'), 'q-none');
  });

  it('routes are tried in order: the first match wins', async () => {
    assert.equal(await get('/prefix'), 'B');
    assert.equal((await request({ port: px.port(), path: '/h/x', headers: { 'x-exact': 'yes', 'x-prefix': 'abc' } })).body.toString(), 'exact');
  });
});
