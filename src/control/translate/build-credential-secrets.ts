// SDS Secrets for credentialName references, as istiod serves them over ADS
// (pilot/pkg/xds/sds.go): a proxy gets exactly the `kubernetes://<name>`
// secrets its own listeners and clusters reference through `sds_config.ads`,
// so a private key reaches only the proxies whose config uses it.
//   `kubernetes://<name>`        → tls_certificate (the credential's cert and key)
//   `kubernetes://<name>-cacert` → validation_context (the credential's CA
//     bundle, or else a CA-only credential named `<name>-cacert`)
// Pure: (resources, credentials) → secrets and the names that could not be served.
import type { CredentialSnapshot, Credential } from '../ingest/credential-folder.js';
import type { envoy_extensions_transport_sockets_tls_v3_Secret } from '../../xds/gen/types.js';
import { CREDENTIAL_CA_SUFFIX, CREDENTIAL_PREFIX } from './istio-tls.js';
import { sortBy } from './proto-helpers.js';

type Secret = envoy_extensions_transport_sockets_tls_v3_Secret;

/**
 * Names of the SDS secrets served over ADS that `resources` reference
 * (tls_certificate_sds_secret_configs, validation_context_sds_secret_config,
 * combined_validation_context), found by walking the resources, so any
 * builder's references count, not only the gateway's. Sorted.
 */
export function referencedAdsSecrets(resources: readonly unknown[]): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
    const o = v as Record<string, unknown>;
    const sds = o.sds_config as { ads?: unknown } | undefined;
    if (typeof o.name === 'string' && sds && typeof sds === 'object' && sds.ads !== undefined) names.add(o.name);
    for (const x of Object.values(o)) visit(x);
  };
  visit(resources);
  return [...names].sort();
}

const encoder = new TextEncoder();
/** Built secrets by credential object: one object per credential version, so its encoding is shared by every proxy. */
const certSecrets = new WeakMap<Credential, Secret>();
const caSecrets = new WeakMap<Credential, Map<string, Secret>>();

function certSecret(name: string, c: Credential): Secret {
  let s = certSecrets.get(c);
  if (!s || s.name !== name) {
    s = { name, tls_certificate: { certificate_chain: { inline_bytes: encoder.encode(c.certChainPem) }, private_key: { inline_bytes: encoder.encode(c.privateKeyPem) } } };
    certSecrets.set(c, s);
  }
  return s;
}

function caSecret(name: string, c: Credential): Secret {
  let m = caSecrets.get(c);
  if (!m) caSecrets.set(c, (m = new Map()));
  let s = m.get(name);
  if (!s) m.set(name, (s = { name, validation_context: { trusted_ca: { inline_bytes: encoder.encode(c.caPem) } } }));
  return s;
}

/** The Secret for one SDS name, or undefined when the folder does not hold it (or it is not a credential name). */
export function credentialSecretResource(sdsName: string, creds: CredentialSnapshot): Secret | undefined {
  if (!sdsName.startsWith(CREDENTIAL_PREFIX)) return undefined;
  const name = sdsName.slice(CREDENTIAL_PREFIX.length);
  if (name.endsWith(CREDENTIAL_CA_SUFFIX)) {
    // Istio: the CA of the credential itself first, then a separate `<name>-cacert` secret.
    const base = creds.credentials.get(name.slice(0, -CREDENTIAL_CA_SUFFIX.length));
    if (base?.caPem !== undefined) return caSecret(sdsName, base);
    const own = creds.credentials.get(name);
    if (own?.caPem !== undefined) return caSecret(sdsName, own);
    return undefined;
  }
  const c = creds.credentials.get(name);
  return c?.certChainPem !== undefined && c.privateKeyPem !== undefined ? certSecret(sdsName, c) : undefined;
}

/** The credential secrets `resources` reference, sorted by name, and the referenced names the folder cannot serve. */
export function buildCredentialSecrets(resources: readonly unknown[], creds: CredentialSnapshot): { secrets: Secret[]; missing: string[] } {
  const secrets: Secret[] = [];
  const missing: string[] = [];
  for (const n of referencedAdsSecrets(resources)) {
    if (!n.startsWith(CREDENTIAL_PREFIX)) continue;
    const s = credentialSecretResource(n, creds);
    if (s) secrets.push(s);
    else missing.push(n);
  }
  return { secrets: sortBy(secrets, (s) => s.name ?? ''), missing };
}
