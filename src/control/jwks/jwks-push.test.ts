// The control plane's JWKS path as wired: a ModelController whose
// PushContexts carry a JwksFetcher, a RequestAuthentication naming a real
// local JWKS server, and translation of a sidecar. The first translation
// fails closed (unverifiable keys, a message) without waiting; the fetch's
// change signal is what makes the next translation inline the served keys.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RequestAuthentication } from '../../api/security.js';
import { ModelController } from '../ingest/model-controller.js';
import { StaticRegistry } from '../ingest/static-registry.js';
import { MESSAGE_CODES } from '../translate/messages.js';
import { JWT_AUTHN_FILTER_NAME, UNVERIFIABLE_JWKS } from '../translate/request-authn.js';
import { BOOKINFO_ENDPOINTS, BOOKINFO_SERVICES, sidecarProxy } from '../translate/test-bookinfo.js';
import { translateProxy } from '../translate/translate-proxy.js';
import { JwksFetcher } from './jwks-fetcher.js';

const KEYS = JSON.stringify({ keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'ES256' }] });
const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(KEYS));
let uri = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** The inline keys of the first jwt_authn provider in the proxy's inbound listeners. */
function inlineKeys(t: ReturnType<typeof translateProxy>): string | undefined {
  const text = JSON.stringify(t.resources.listeners);
  if (!text.includes(JWT_AUTHN_FILTER_NAME)) return undefined;
  const m = /"inline_string":("(?:[^"\\]|\\.)*")/.exec(text);
  return m ? (JSON.parse(m[1]!) as string) : undefined;
}

describe('jwksUri through the model', () => {
  it('translates without waiting, fails closed, then inlines the fetched keys after the change signal', async () => {
    let signalled!: () => void;
    const changed = new Promise<void>((resolve) => (signalled = resolve));
    const fetcher = new JwksFetcher({ onChange: () => signalled() });
    const mc = new ModelController({ registries: [new StaticRegistry(BOOKINFO_SERVICES, BOOKINFO_ENDPOINTS)], jwtKeyResolver: fetcher });
    try {
      const policy: RequestAuthentication = { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'jwt', namespace: 'default' }, spec: { jwtRules: [{ issuer: 'https://issuer.example', jwksUri: uri }] } };
      mc.applySnapshot({ accepted: [{ obj: policy, key: 'RequestAuthentication jwt.default' }] });
      const first = translateProxy(sidecarProxy(), mc.current);
      assert.equal(inlineKeys(first), UNVERIFIABLE_JWKS);
      assert.ok(first.messages.some((m) => m.code === MESSAGE_CODES.JWKS_UNAVAILABLE && m.key === 'RequestAuthentication jwt.default'));
      await changed;
      const second = translateProxy(sidecarProxy(), mc.current);
      assert.equal(inlineKeys(second), KEYS);
      assert.ok(!second.messages.some((m) => m.code === MESSAGE_CODES.JWKS_UNAVAILABLE));
    } finally {
      fetcher.stop();
      mc.close();
    }
  });
});
