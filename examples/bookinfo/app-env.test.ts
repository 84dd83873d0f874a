import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDirectHosts, parseProxyUrl, readAppEnv } from './lib/app-env.js';
import { pickPropagated } from './lib/propagation.js';
import { isShadowHost } from './lib/request-stats.js';

describe('app environment', () => {
  it('defaults to port 9080, version v1 and no proxy', () => {
    const e = readAppEnv('details', {});
    assert.equal(e.port, 9080);
    assert.equal(e.serviceVersion, 'v1');
    assert.equal(e.workload, 'details-v1');
    assert.equal(e.httpProxy, undefined);
    assert.equal(e.logRequests, false);
  });

  it('reads PORT, HTTP_PROXY, SERVICE_NAME, SERVICE_VERSION and WORKLOAD_NAME', () => {
    const e = readAppEnv('reviews', { PORT: '4100', HTTP_PROXY: 'http://127.0.0.1:15001', SERVICE_NAME: 'reviews', SERVICE_VERSION: 'v3', WORKLOAD_NAME: 'reviews-v3-a', LOG_REQUESTS: '1' });
    assert.equal(e.port, 4100);
    assert.deepEqual(e.httpProxy, { host: '127.0.0.1', port: 15001 });
    assert.equal(e.workload, 'reviews-v3-a');
    assert.equal(e.logRequests, true);
  });

  it('ignores lower-case http_proxy (usually not a sidecar)', () => {
    assert.equal(readAppEnv('details', { http_proxy: 'http://proxy.corp:3128' }).httpProxy, undefined);
  });

  it('parses DIRECT_HOSTS with and without a host', () => {
    const m = parseDirectHosts(' reviews=127.0.0.1:4001, ratings=4002 ,');
    assert.deepEqual([...m], [['reviews', { host: '127.0.0.1', port: 4001 }], ['ratings', { host: '127.0.0.1', port: 4002 }]]);
    assert.throws(() => parseDirectHosts('reviews'), /DIRECT_HOSTS/);
    assert.throws(() => parseDirectHosts('reviews=1:99999'), /DIRECT_HOSTS\[reviews\]/);
  });

  it('accepts only plain-HTTP proxy URLs and real ports', () => {
    assert.deepEqual(parseProxyUrl('http://[::1]:15001'), { host: '::1', port: 15001 });
    assert.throws(() => parseProxyUrl('https://127.0.0.1:1'), /only http/);
    assert.throws(() => parseProxyUrl('127.0.0.1:15001'), /HTTP_PROXY/);
    assert.throws(() => readAppEnv('x', { PORT: 'eighty' }), /PORT/);
  });

  it('propagates tracing headers and end-user, nothing else', () => {
    const p = pickPropagated({ 'x-request-id': 'r', traceparent: 't', b3: 'b', 'end-user': 'jason', cookie: 'c', authorization: 'a', 'x-b3-sampled': '1' });
    assert.deepEqual(p, { 'x-request-id': 'r', 'x-b3-sampled': '1', b3: 'b', traceparent: 't', 'end-user': 'jason' });
  });

  it('recognizes the host of a mirrored request', () => {
    assert.equal(isShadowHost('reviews-shadow:9080'), true);
    assert.equal(isShadowHost('reviews-shadow'), true);
    assert.equal(isShadowHost('reviews:9080'), false);
    assert.equal(isShadowHost(undefined), false);
  });
});
