// `weft up`'s demo JWT issuer, for the RequestAuthentication scenario: an
// ES256 key kept in DIR/.weft/demo-issuer/key.json (created on first run,
// reused after, like the CA's root), its JWK Set served over HTTP on
// loopback, and demo tokens signed at start-up into DIR/.weft/:
//   demo-token.jwt          sub demo-user
//   demo-token-group.jwt    sub demo-user, groups [group1]
//   demo-token-expired.jwt  expired an hour ago (the filter answers 401 "Jwt is expired")
// Signing uses node:crypto (JWS compact serialization, RFC 7515; ES256 is
// P-256 with SHA-256, signature r||s as RFC 7518 §3.4 asks).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const DEMO_ISSUER_DEFAULTS = {
  /** The `iss` of demo tokens and the scenario's jwtRules issuer. */
  issuer: 'https://demo-issuer.weft.local',
  /**
   * The JWKS port. Fixed, because the scenario file names it in its jwksUri
   * (a RequestAuthentication cannot learn a port chosen at run time); when
   * it is taken, another is used and the banner says so.
   */
  port: 15099,
  jwksPath: '/.well-known/jwks.json',
  keyId: 'weft-demo',
  /** Demo tokens live for a day; `weft up` signs fresh ones on every start. */
  tokenLifetimeS: 24 * 3600,
  audience: 'bookinfo',
} as const;

export interface DemoTokenFiles {
  readonly token: string;
  readonly groupToken: string;
  readonly expiredToken: string;
}

function b64url(v: string | Buffer): string {
  return Buffer.from(v).toString('base64url');
}

/** A compact JWS (ES256) of `claims`. */
export function signEs256(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${b64url(sig)}`;
}

export class DemoIssuer {
  private server: http.Server | undefined;
  private readonly key: KeyObject;
  readonly jwks: string;
  port = 0;

  /** Loads the key from `keyFile`, creating it (mode 0600) when absent. */
  constructor(keyFile: string, readonly issuer: string = DEMO_ISSUER_DEFAULTS.issuer) {
    this.key = loadOrCreateKey(keyFile);
    const pub = createPublicKey(this.key).export({ format: 'jwk' });
    this.jwks = JSON.stringify({ keys: [{ ...pub, kid: DEMO_ISSUER_DEFAULTS.keyId, alg: 'ES256', use: 'sig' }] });
  }

  /** Serves the JWKS on `host:port`, or on a free port when that one is taken. */
  async listen(host: string, port: number = DEMO_ISSUER_DEFAULTS.port): Promise<number> {
    const server = http.createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== DEMO_ISSUER_DEFAULTS.jwksPath) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(this.jwks);
    });
    this.server = server;
    const tryListen = (p: number) => new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen(p, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    try {
      await tryListen(port);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw e;
      await tryListen(0);
    }
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  jwksUri(host: string): string {
    return `http://${host}:${this.port}${DEMO_ISSUER_DEFAULTS.jwksPath}`;
  }

  /** A token for `claims` (iss, aud, iat, exp filled unless given). */
  mint(claims: Record<string, unknown> = {}, nowS: number = Math.floor(Date.now() / 1000)): string {
    return signEs256(this.key, DEMO_ISSUER_DEFAULTS.keyId, {
      iss: this.issuer, sub: 'demo-user', aud: DEMO_ISSUER_DEFAULTS.audience, iat: nowS, exp: nowS + DEMO_ISSUER_DEFAULTS.tokenLifetimeS, ...claims,
    });
  }

  /** Writes the three demo tokens into `dir` (mode 0600) and returns their paths. */
  writeTokens(dir: string): DemoTokenFiles {
    fs.mkdirSync(dir, { recursive: true });
    const now = Math.floor(Date.now() / 1000);
    const files = {
      token: path.join(dir, 'demo-token.jwt'),
      groupToken: path.join(dir, 'demo-token-group.jwt'),
      expiredToken: path.join(dir, 'demo-token-expired.jwt'),
    };
    fs.writeFileSync(files.token, `${this.mint({}, now)}\n`, { mode: 0o600 });
    fs.writeFileSync(files.groupToken, `${this.mint({ groups: ['group1'] }, now)}\n`, { mode: 0o600 });
    fs.writeFileSync(files.expiredToken, `${this.mint({ iat: now - 7200, exp: now - 3600 }, now)}\n`, { mode: 0o600 });
    return files;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function loadOrCreateKey(file: string): KeyObject {
  if (fs.existsSync(file)) return createPrivateKey({ key: JSON.parse(fs.readFileSync(file, 'utf8')) as never, format: 'jwk' });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600 });
  return privateKey;
}
