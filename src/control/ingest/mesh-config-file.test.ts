// The mesh config file: a bare MeshConfig and Istio's ConfigMap form, every
// field weft reads, every error at once with its path, Istio fields weft does
// not implement refused by name, and the watcher keeping the last good
// version when a bad one is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MeshConfigFileWatcher, parseMeshConfigText, type MeshConfigOverrides } from './mesh-config-file.js';
import type { ValidationMessage } from '../validation/message.js';

const FULL = `
trustDomain: example.org
rootNamespace: mesh-root
outboundTrafficPolicy: { mode: REGISTRY_ONLY }
enableAutoMtls: false
accessLogFile: /dev/stdout
accessLogEncoding: JSON
accessLogFormat: "%START_TIME% %RESPONSE_CODE%"
enableTracing: true
defaultConfig:
  tracing:
    sampling: 25.5
    zipkin: { address: zipkin.istio-system:9411 }
    customTags:
      env: { literal: { value: prod } }
      user: { header: { name: end-user, defaultValue: anon } }
defaultProviders:
  tracing: [otel]
  accessLogging: [envoy]
extensionProviders:
- name: zipkin
  zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411, maxTagLength: 100, path: /api/v2/spans }
- name: otel
  opentelemetry:
    service: otel.istio-system.svc.cluster.local
    port: 4318
    http: { path: /v1/traces, timeout: 2s, headers: [{ name: x-token, value: abc }] }
- name: otel-grpc
  opentelemetry: { service: otel.istio-system.svc.cluster.local, port: 4317, grpc: { timeout: 1s, initialMetadata: [{ name: k, value: v }] } }
- name: json-logs
  envoyFileAccessLog: { path: /tmp/a.log, logFormat: { labels: { code: "%RESPONSE_CODE%" } } }
`;

const paths = (ms: readonly ValidationMessage[]) => ms.map((m) => `${m.path} ${m.code}`).sort();

describe('mesh config file', () => {
  it('reads every field weft knows, adding Istio\'s built-in providers', () => {
    const r = parseMeshConfigText(FULL, 'mesh.yaml');
    assert.deepEqual(r.messages, []);
    const m = r.mesh!;
    assert.equal(m.trustDomain, 'example.org');
    assert.equal(m.rootNamespace, 'mesh-root');
    assert.equal(m.outboundTrafficPolicy, 'REGISTRY_ONLY');
    assert.equal(m.enableAutoMtls, false);
    assert.equal(m.accessLogFile, '/dev/stdout');
    assert.equal(m.accessLogEncoding, 'JSON');
    assert.equal(m.accessLogFormat, '%START_TIME% %RESPONSE_CODE%');
    assert.equal(m.enableTracing, true);
    assert.deepEqual(m.defaultTracing, {
      sampling: 25.5, zipkin: { address: 'zipkin.istio-system:9411' },
      customTags: { env: { literal: { value: 'prod' } }, user: { header: { name: 'end-user', defaultValue: 'anon' } } },
    });
    assert.deepEqual(m.defaultProviders, { metrics: ['prometheus'], tracing: ['otel'], accessLogging: ['envoy'] });
    assert.deepEqual(m.extensionProviders, [
      { name: 'zipkin', zipkin: { service: 'zipkin.istio-system.svc.cluster.local', port: 9411, maxTagLength: 100, path: '/api/v2/spans' } },
      { name: 'otel', opentelemetry: { service: 'otel.istio-system.svc.cluster.local', port: 4318, http: { path: '/v1/traces', timeoutMs: 2000, headers: [{ name: 'x-token', value: 'abc' }] } } },
      { name: 'otel-grpc', opentelemetry: { service: 'otel.istio-system.svc.cluster.local', port: 4317, grpc: { timeoutMs: 1000, initialMetadata: [{ name: 'k', value: 'v' }] } } },
      { name: 'json-logs', envoyFileAccessLog: { path: '/tmp/a.log', logFormat: { labels: { code: '%RESPONSE_CODE%' } } } },
      { name: 'prometheus', prometheus: {} },
      { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } },
    ]);
  });

  it('takes Istio\'s ConfigMap (data.mesh) too; paths then start with data.mesh', () => {
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: istio, namespace: istio-system }\ndata:\n  mesh: |-\n${FULL.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
    const r = parseMeshConfigText(cm);
    assert.deepEqual(r.messages, []);
    assert.equal(r.mesh!.trustDomain, 'example.org');
    const bad = parseMeshConfigText('kind: ConfigMap\ndata:\n  mesh: |\n    rootNamespace: Bad_NS\n');
    assert.equal(bad.mesh, undefined);
    assert.deepEqual(paths(bad.messages), ['data.mesh.rootNamespace WEFT0109']);
    assert.deepEqual(paths(parseMeshConfigText('kind: ConfigMap\ndata: {}\n').messages), ['data.mesh WEFT0012']);
  });

  it('reports every error at once with its path; no config from a bad file', () => {
    const r = parseMeshConfigText(`
trustDomain: "Bad Domain"
outboundTrafficPolicy: { mode: SOMETIMES }
enableAutoMtls: "yes"
accessLogEncoding: XML
defaultConfig:
  tracing:
    sampling: 150
    zipkin: { address: no-port }
    customTags: { a: {} }
defaultProviders: { tracing: [missing] }
extensionProviders:
- name: z
  zipkin: { port: 70000 }
- name: z
  opentelemetry: { service: o, port: 4317, http: { path: v1/traces, timeout: 0s }, grpc: {} }
- name: dd
  datadog: { service: d, port: 1 }
- name: nokind
- name: two
  prometheus: {}
  zipkin: { service: a, port: 1 }
unknownField: 1
`);
    assert.equal(r.mesh, undefined);
    assert.deepEqual(paths(r.messages), [
      'accessLogEncoding WEFT0013',
      'defaultConfig.tracing.customTags.a WEFT0107',
      'defaultConfig.tracing.sampling WEFT0102',
      'defaultConfig.tracing.zipkin.address WEFT0107',
      'defaultProviders.tracing[0] WEFT0107',
      'enableAutoMtls WEFT0011',
      'extensionProviders[0].zipkin.port WEFT0102',
      'extensionProviders[0].zipkin.service WEFT0012',
      'extensionProviders[1].name WEFT0108',
      'extensionProviders[1].opentelemetry.grpc WEFT0015',
      'extensionProviders[1].opentelemetry.http.path WEFT0107',
      'extensionProviders[1].opentelemetry.http.timeout WEFT0111',
      'extensionProviders[2].datadog WEFT0016',
      'extensionProviders[3] WEFT0107',
      'extensionProviders[4].zipkin WEFT0015',
      'outboundTrafficPolicy.mode WEFT0013',
      'trustDomain WEFT0109',
      'unknownField WEFT0010',
    ]);
    const dd = r.messages.find((m) => m.path === 'extensionProviders[2].datadog')!;
    assert.match(dd.message, /extension provider kind datadog \(supported kinds: prometheus, envoyFileAccessLog, zipkin, opentelemetry, envoyExtAuthzHttp, envoyExtAuthzGrpc\)/);
  });

  it('reads the ext authz provider kinds AuthorizationPolicy CUSTOM names, with Istio\'s fields', () => {
    const r = parseMeshConfigText(`
extensionProviders:
- name: opa-http
  envoyExtAuthzHttp:
    service: opa.default.svc.cluster.local
    port: 8181
    timeout: 2s
    pathPrefix: /check
    failOpen: true
    statusOnError: "503"
    includeRequestHeadersInCheck: [x-user]
    includeAdditionalHeadersInCheck: { x-from: mesh }
    headersToUpstreamOnAllow: [x-authz]
    headersToDownstreamOnDeny: [x-reason]
    includeRequestBodyInCheck: { maxRequestBytes: 1024, allowPartialMessage: true }
- name: opa-grpc
  envoyExtAuthzGrpc: { service: opa.default.svc.cluster.local, port: 9191, failOpen: false }
`, 'mesh.yaml');
    assert.deepEqual(r.messages, []);
    const byName = new Map(r.mesh!.extensionProviders!.map((p) => [p.name, p]));
    assert.deepEqual(byName.get('opa-http')!.envoyExtAuthzHttp, {
      service: 'opa.default.svc.cluster.local', port: 8181, timeout: '2s', failOpen: true, statusOnError: '503',
      includeRequestBodyInCheck: { maxRequestBytes: 1024, allowPartialMessage: true }, pathPrefix: '/check',
      includeRequestHeadersInCheck: ['x-user'], headersToUpstreamOnAllow: ['x-authz'], headersToDownstreamOnDeny: ['x-reason'],
      includeAdditionalHeadersInCheck: { 'x-from': 'mesh' },
    });
    assert.deepEqual(byName.get('opa-grpc')!.envoyExtAuthzGrpc, { service: 'opa.default.svc.cluster.local', port: 9191, failOpen: false });
    const bad = parseMeshConfigText(`
extensionProviders:
- name: a
  envoyExtAuthzHttp: { port: 70000, statusOnError: teapot, pathPrefix: check, clearRouteCache: true }
`, 'mesh.yaml');
    assert.equal(bad.mesh, undefined);
    assert.deepEqual(paths(bad.messages), [
      'extensionProviders[0].envoyExtAuthzHttp.clearRouteCache WEFT0016',
      'extensionProviders[0].envoyExtAuthzHttp.pathPrefix WEFT0107',
      'extensionProviders[0].envoyExtAuthzHttp.port WEFT0102',
      'extensionProviders[0].envoyExtAuthzHttp.service WEFT0012',
      'extensionProviders[0].envoyExtAuthzHttp.statusOnError WEFT0107',
    ].sort());
  });

  it('bootstrap-owned ProxyConfig fields are accepted with a warning, never silently', () => {
    const r = parseMeshConfigText('defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n');
    assert.ok(r.mesh);
    assert.deepEqual(paths(r.messages), ['defaultConfig.discoveryAddress WEFT0163']);
    assert.equal(r.messages[0]!.severity, 'warning');
  });

  it('an empty file is the default mesh; unparsable YAML is one error', () => {
    assert.deepEqual(parseMeshConfigText('').mesh, {});
    const bad = parseMeshConfigText('a: [1,');
    assert.equal(bad.mesh, undefined);
    assert.equal(bad.messages[0]!.code, 'WEFT0001');
  });

  it('the watcher reloads good versions and keeps the last good one when a bad one is written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-mesh-'));
    const file = path.join(dir, 'mesh.yaml');
    fs.writeFileSync(file, 'rootNamespace: one\n');
    const good: MeshConfigOverrides[] = [];
    const bad: (readonly ValidationMessage[])[] = [];
    const w = new MeshConfigFileWatcher(file, (m) => good.push(m), (ms) => bad.push(ms), 10);
    try {
      assert.equal(w.start().mesh?.rootNamespace, 'one');
      const until = async (cond: () => boolean, what: string) => {
        const end = Date.now() + 5000;
        while (!cond()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      fs.writeFileSync(file, 'rootNamespace: NOT_OK\n');
      await until(() => bad.length === 1, 'the bad version');
      assert.deepEqual(paths(bad[0]!), ['rootNamespace WEFT0109']);
      assert.equal(good.length, 0);
      // Replaced by rename, as editors do.
      fs.writeFileSync(path.join(dir, 'tmp'), 'rootNamespace: two\n');
      fs.renameSync(path.join(dir, 'tmp'), file);
      await until(() => good.length === 1, 'the good version');
      assert.equal(good[0]!.rootNamespace, 'two');
    } finally {
      w.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
