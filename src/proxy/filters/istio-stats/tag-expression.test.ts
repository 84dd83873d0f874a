import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamInfo } from '../../access-log/stream-info.js';
import { HeaderMap } from '../../http/headers.js';
import { MAX_LABEL_VALUE_LENGTH } from './defaults.js';
import { parseTagExpression, SUPPORTED_TAG_ATTRIBUTES, TagValue } from './tag-expression.js';

function info(): StreamInfo {
  const i = new StreamInfo();
  i.method = 'GET';
  i.path = '/api/v1/items?id=3';
  i.authority = 'reviews:9080';
  i.responseCode = 503;
  i.upstreamCluster = 'outbound|9080||reviews.default.svc.cluster.local';
  i.downstreamLocalAddress = '10.0.0.1:9080';
  const h = new HeaderMap();
  h.add('x-user', 'jason');
  i.requestHeaders = h;
  return i;
}

const value = (expr: string, i = info()) => {
  const e = parseTagExpression(expr);
  assert.ok(!('error' in e), expr);
  return new TagValue(e).evaluate(i, () => assert.fail('no overflow'));
};

test('the supported expressions evaluate to Envoy\'s attribute values', () => {
  assert.equal(value("'lit'"), 'lit');
  assert.equal(value('"lit"'), 'lit');
  assert.equal(value('request.method'), 'GET');
  assert.equal(value('request.url_path'), '/api/v1/items');
  assert.equal(value('request.path'), '/api/v1/items?id=3');
  assert.equal(value("request.headers['X-User']"), 'jason');
  assert.equal(value("request.headers['x-absent']"), 'unknown');
  assert.equal(value('response.code'), '503');
  assert.equal(value('destination.port'), '9080');
  assert.equal(value('xds.cluster_name'), 'outbound|9080||reviews.default.svc.cluster.local');
  assert.equal(value('connection.mtls'), 'false');
});

test('anything else is refused with the supported list', () => {
  for (const bad of ['request.size', "request.headers['a'] + 'b'", 'upstream_peer.labels', "request.headers['bad name']", '', 'size(request.path)']) {
    const e = parseTagExpression(bad);
    assert.ok('error' in e, bad);
  }
  const e = parseTagExpression('request.size') as { error: string };
  for (const a of SUPPORTED_TAG_ATTRIBUTES) assert.ok(e.error.includes(a), a);
});

test('request-derived values are cut and bounded; config-bounded ones are not counted', () => {
  const e = parseTagExpression('request.path');
  assert.ok(!('error' in e));
  const v = new TagValue(e);
  const i = info();
  i.path = `/${'a'.repeat(1000)}`;
  let overflows = 0;
  assert.equal(v.evaluate(i, () => overflows++).length, MAX_LABEL_VALUE_LENGTH);
  assert.equal(overflows, 0);
});
