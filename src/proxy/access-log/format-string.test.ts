import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { HeaderMap } from '../http/headers.js';
import { compileFormat, DEFAULT_FORMAT } from './format-string.js';
import { FormatCompileError } from './formatter.js';
import { DC, UF, URX } from './response-flags.js';
import { StreamInfo } from './stream-info.js';

const START = Date.UTC(2016, 3, 15, 20, 17, 0, 310);

/** The request from Envoy's documented example of the default format. */
function exampleInfo(): StreamInfo {
  const i = new StreamInfo();
  i.startTime = START;
  i.method = 'POST';
  i.path = '/api/v1/locations';
  i.authority = 'locations';
  i.scheme = 'http';
  i.protocol = 'HTTP/2';
  i.requestHeaders = new HeaderMap(
    ['x-forwarded-for', 'user-agent', 'x-request-id'],
    ['10.0.35.28', 'nsq2http', 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2'],
  );
  i.responseHeaders = new HeaderMap(['x-envoy-upstream-service-time'], ['100']);
  i.responseCode = 204;
  i.bytesReceived = 154;
  i.bytesSent = 0;
  i.duration = 226.9;
  i.upstreamHost = '10.0.2.1:80';
  return i;
}

const fmt = (f: string, i: StreamInfo): string => compileFormat(f).format(i);

test('the default format is Envoy\'s, byte for byte', () => {
  assert.equal(
    DEFAULT_FORMAT,
    '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
      '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" ' +
      '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n',
  );
  assert.equal(
    fmt(DEFAULT_FORMAT, exampleInfo()),
    '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" ' +
      '"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "10.0.2.1:80"\n',
  );
});

test('the default format for a TCP connection prints - for every HTTP field', () => {
  const i = new StreamInfo();
  i.startTime = START;
  i.bytesReceived = 10;
  i.bytesSent = 20;
  i.duration = 5;
  i.upstreamHost = '127.0.0.1:9000';
  assert.equal(fmt(DEFAULT_FORMAT, i), '[2016-04-15T20:17:00.310Z] "- - -" 0 - 10 20 5 - "-" "-" "-" "-" "127.0.0.1:9000"\n');
});

test('REQ: pseudo-headers come from StreamInfo fields; names are case-insensitive; alternatives', () => {
  const i = exampleInfo();
  assert.equal(fmt('%REQ(:METHOD)% %REQ(:path)% %REQ(:Authority)% %REQ(:SCHEME)%', i), 'POST /api/v1/locations locations http');
  assert.equal(fmt('%REQ(User-Agent)%', i), 'nsq2http');
  assert.equal(fmt('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', i), '/api/v1/locations');
  i.requestHeaders!.add('x-envoy-original-path', '/orig');
  assert.equal(fmt('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', i), '/orig');
  assert.equal(fmt('%REQ(X-MISSING)%|%REQ(X-MISSING?X-ALSO-MISSING)%', i), '-|-');
  assert.equal(fmt('%REQUEST_HEADER(USER-AGENT)%', i), 'nsq2http');
  // Host is the authority in Envoy.
  assert.equal(fmt('%REQ(HOST)%', i), 'locations');
  // First value of a repeated header.
  i.requestHeaders!.add('x-multi', 'a');
  i.requestHeaders!.add('x-multi', 'b');
  assert.equal(fmt('%REQ(X-MULTI)%', i), 'a');
});

test('REQ_WITHOUT_QUERY strips the query string', () => {
  const i = exampleInfo();
  i.path = '/search?q=1&x=2';
  assert.equal(fmt('%REQ_WITHOUT_QUERY(:PATH)%', i), '/search');
  assert.equal(fmt('%REQ(:PATH)%', i), '/search?q=1&x=2');
  assert.equal(fmt('%REQ_WITHOUT_QUERY(X-ENVOY-ORIGINAL-PATH?:PATH):4%', i), '/sea');
});

test('RESP and TRAILER read response headers and trailers; unset maps print -', () => {
  const i = exampleInfo();
  assert.equal(fmt('%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% %RESPONSE_HEADER(x-envoy-upstream-service-time)%', i), '100 100');
  assert.equal(fmt('%RESP(:STATUS)%', i), '204');
  assert.equal(fmt('%TRAILER(GRPC-STATUS)%', i), '-');
  i.responseTrailers = new HeaderMap(['grpc-status', 'grpc-message'], ['0', 'ok']);
  assert.equal(fmt('%TRAILER(GRPC-STATUS)% %RESPONSE_TRAILER(X-NONE?GRPC-MESSAGE)%', i), '0 ok');
  i.responseHeaders = undefined;
  assert.equal(fmt('%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%', i), '-');
});

test('numeric and status operators', () => {
  const i = exampleInfo();
  i.requestDuration = 3.9;
  i.responseDuration = 120.2;
  i.connectionId = 42;
  i.attemptCount = 3;
  i.responseCodeDetails = 'via_upstream';
  i.connectionTerminationDetails = 'idle';
  assert.equal(
    fmt('%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %REQUEST_DURATION% %RESPONSE_DURATION% %CONNECTION_ID% %UPSTREAM_REQUEST_ATTEMPT_COUNT%', i),
    '204 via_upstream idle 154 0 226 3 120 42 3',
  );
  const empty = new StreamInfo();
  assert.equal(fmt('%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %DURATION% %REQUEST_DURATION% %RESPONSE_DURATION% %CONNECTION_ID% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %PROTOCOL%', empty), '0 - - - - 0 0 -');
});

test('response flags, short and long', () => {
  const i = exampleInfo();
  assert.equal(fmt('%RESPONSE_FLAGS%', i), '-');
  i.setResponseFlag(URX);
  i.setResponseFlag(UF);
  i.setResponseFlag(DC);
  assert.equal(fmt('%RESPONSE_FLAGS% %RESPONSE_FLAGS_LONG%', i), 'UF,DC,URX UpstreamConnectionFailure,DownstreamConnectionTermination,UpstreamRetryLimitExceeded');
});

test('address operators, with and without port, IPv4 and IPv6', () => {
  const i = exampleInfo();
  i.upstreamHost = '10.0.0.5:8080';
  i.upstreamLocalAddress = '10.0.0.1:40000';
  i.upstreamCluster = 'outbound|9080|v1|reviews.default.svc.cluster.local';
  i.upstreamTransportFailureReason = 'TLS error: handshake';
  i.downstreamRemoteAddress = '[2001:db8::1]:51000';
  i.downstreamLocalAddress = '127.0.0.1:15001';
  i.downstreamDirectRemoteAddress = '192.168.1.9:5000';
  i.requestedServerName = 'reviews.default';
  i.routeName = 'default';
  assert.equal(
    fmt('%UPSTREAM_HOST% %UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_REMOTE_PORT% %UPSTREAM_CLUSTER% %UPSTREAM_CLUSTER_RAW%', i),
    '10.0.0.5:8080 10.0.0.5 8080 outbound|9080|v1|reviews.default.svc.cluster.local outbound|9080|v1|reviews.default.svc.cluster.local',
  );
  assert.equal(fmt('%UPSTREAM_LOCAL_ADDRESS% %UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT% %UPSTREAM_LOCAL_PORT%', i), '10.0.0.1:40000 10.0.0.1 40000');
  assert.equal(fmt('%UPSTREAM_TRANSPORT_FAILURE_REASON%', i), 'TLS error: handshake');
  assert.equal(
    fmt('%DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_REMOTE_PORT%', i),
    '[2001:db8::1]:51000 2001:db8::1 51000',
  );
  assert.equal(fmt('%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_LOCAL_PORT%', i), '127.0.0.1:15001 127.0.0.1 15001');
  assert.equal(
    fmt('%DOWNSTREAM_DIRECT_REMOTE_ADDRESS% %DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_DIRECT_REMOTE_PORT%', i),
    '192.168.1.9:5000 192.168.1.9 5000',
  );
  assert.equal(fmt('%REQUESTED_SERVER_NAME% %ROUTE_NAME%', i), 'reviews.default default');
  const empty = new StreamInfo();
  empty.routeName = '';
  assert.equal(fmt('%UPSTREAM_HOST% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_REMOTE_PORT% %ROUTE_NAME% %REQUESTED_SERVER_NAME%', empty), '- - - - -');
});

test('START_TIME with a custom format, HOSTNAME, PROTOCOL, WEFT_ERROR', () => {
  const i = exampleInfo();
  assert.equal(fmt('%START_TIME(%Y-%m-%dT%H:%M:%S.%3fZ)%', i), '2016-04-15T20:17:00.310Z');
  assert.equal(fmt('%START_TIME(%s)%', i), String(Math.floor(START / 1000)));
  assert.equal(fmt('%START_TIME%', i), '2016-04-15T20:17:00.310Z');
  assert.equal(fmt('%HOSTNAME%', i), os.hostname());
  assert.equal(fmt('%PROTOCOL%', i), 'HTTP/2');
  assert.equal(fmt('%WEFT_ERROR%', i), '-');
  i.weftError = 'WEFT_NO_ROUTE';
  assert.equal(fmt('%WEFT_ERROR%', i), 'WEFT_NO_ROUTE');
});

test(':Z truncates to at most Z characters', () => {
  const i = exampleInfo();
  assert.equal(fmt('%REQ(USER-AGENT):3%', i), 'nsq');
  assert.equal(fmt('%REQ(USER-AGENT):100%', i), 'nsq2http');
  assert.equal(fmt('%REQ(X-REQUEST-ID):0%|', i), '|');
  assert.equal(fmt('%UPSTREAM_HOST:4%', i), '10.0');
  assert.equal(fmt('%RESPONSE_CODE:2%', i), '20');
  assert.equal(fmt('%REQ(X-MISSING):2%', i), '-');
});

test('%% is a literal percent sign; literal text passes through', () => {
  const i = exampleInfo();
  assert.equal(fmt('100%% done: %RESPONSE_CODE%%%', i), '100% done: 204%');
  assert.equal(fmt('plain text only\n', i), 'plain text only\n');
  assert.equal(fmt('', i), '');
});

test('omit_empty_values prints unset values as empty strings', () => {
  const i = new StreamInfo();
  assert.equal(compileFormat('[%UPSTREAM_HOST%][%REQ(X-A)%][%RESPONSE_CODE%]', { omitEmptyValues: true }).format(i), '[][][0]');
});

test('bad formats are refused with FormatCompileError', () => {
  const bad = [
    '%UNKNOWN_OPERATOR%',
    '100% done',
    '%REQ(X-A%',
    '%REQ()%',
    '%REQ(A?B?C)%',
    '%RESPONSE_CODE(x)%',
    '%REQ(X):abc%',
    '%RESPONSE_CODE',
    '%req(x)%',
  ];
  for (const f of bad) {
    assert.throws(() => compileFormat(f), (e: unknown) => e instanceof FormatCompileError && e.code === 'WEFT_ACCESS_LOG_FORMAT', f);
  }
});

test('a compiled format is reused across lines with different values', () => {
  const f = compileFormat('%RESPONSE_CODE% %REQ(:PATH)%\n');
  const a = exampleInfo();
  const b = exampleInfo();
  b.responseCode = 503;
  b.path = '/other';
  assert.equal(f.format(a), '204 /api/v1/locations\n');
  assert.equal(f.format(b), '503 /other\n');
});

test('DYNAMIC_METADATA: a namespace, a key path inside it, :Z; missing is -; it needs a namespace', () => {
  const i = exampleInfo();
  assert.equal(fmt('%DYNAMIC_METADATA(envoy.lb:version)%', i), '-');
  i.setDynamicMetadata('envoy.lb', 'version', 'v2');
  i.setDynamicMetadata('envoy.lb', 'weight', 2.5);
  i.setDynamicMetadata('ns', 'nested', { a: { b: 'deep' } });
  assert.equal(fmt('%DYNAMIC_METADATA(envoy.lb:version)% %DYNAMIC_METADATA(envoy.lb:weight)%', i), 'v2 2.5');
  assert.equal(fmt('%DYNAMIC_METADATA(envoy.lb)%', i), '{"version":"v2","weight":2.5}');
  assert.equal(fmt('%DYNAMIC_METADATA(ns:nested:a:b)% %DYNAMIC_METADATA(ns:nested:x:y)%', i), 'deep -');
  assert.equal(fmt('%DYNAMIC_METADATA(envoy.lb:version):1%', i), 'v');
  assert.throws(() => compileFormat('%DYNAMIC_METADATA%'), (e: unknown) => e instanceof FormatCompileError);
});

test('TLS operators: "-" on plaintext; SAN lists comma-separated; upstream TLS fields', () => {
  const f = '%DOWNSTREAM_PEER_URI_SAN% %DOWNSTREAM_LOCAL_URI_SAN% %DOWNSTREAM_PEER_SUBJECT% %DOWNSTREAM_TLS_VERSION% %DOWNSTREAM_TLS_CIPHER% %DOWNSTREAM_PEER_SERIAL% %DOWNSTREAM_TLS_SESSION_ID% %UPSTREAM_PEER_URI_SAN% %UPSTREAM_PEER_SUBJECT% %UPSTREAM_TLS_VERSION%';
  const plain = new StreamInfo();
  assert.equal(fmt(f, plain), '- - - - - - - - - -');
  const i = new StreamInfo();
  const peer = { uriSans: ['spiffe://a/ns/x/sa/y', 'spiffe://b'], dnsSans: [], sans: [], subject: 'CN=c,O=o', serial: '0a', fingerprint256: 'ff' };
  i.downstreamTls = { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', peerCertificate: peer, localCertificate: undefined, sessionId: '' } as unknown as StreamInfo['downstreamTls'];
  i.upstreamPeerUriSans = ['spiffe://cluster.local/ns/default/sa/reviews'];
  i.upstreamPeerSubject = 'CN=reviews';
  i.upstreamTlsVersion = 'TLSv1.2';
  assert.equal(fmt(f, i), 'spiffe://a/ns/x/sa/y,spiffe://b - CN=c,O=o TLSv1.3 TLS_AES_128_GCM_SHA256 0a - spiffe://cluster.local/ns/default/sa/reviews CN=reviews TLSv1.2');
});
