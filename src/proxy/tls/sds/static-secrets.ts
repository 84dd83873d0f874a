// static_resources.secrets in the bootstrap: secrets by name that TLS
// contexts reference with an SdsSecretConfig without sds_config (Envoy's
// static secrets). Decoded once at start with the TLS decoders; a duplicate
// name, and a reference to a name that is not here, are config errors as in
// Envoy.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type { SecretValue } from '../secret-store.js';
import type { CertificateSource, SdsRef, TransportSocketConfig, ValidationSource } from '../tls-config.js';
import { decodeSecret } from './secret-decode.js';
import type { Secret } from './sds-manager.js';

export interface StaticSecret {
  readonly name: string;
  readonly value: SecretValue;
  /** The message as configured, for config_dump's static_secrets. */
  readonly secret: Secret;
}

export function decodeStaticSecrets(list: readonly Secret[], path: string, errs: ConfigErrors): StaticSecret[] {
  const out: StaticSecret[] = [];
  const seen = new Map<string, number>();
  list.forEach((s, i) => {
    const p = joinPath(path, i);
    const name = s.name ?? '';
    if (!name) errs.required(joinPath(p, 'name'), 'name is required');
    const prev = seen.get(name);
    if (name && prev !== undefined) errs.error(joinPath(p, 'name'), `duplicate static secret name "${name}" (also ${path}[${prev}])`, CFG.DUPLICATE);
    if (name) seen.set(name, i);
    const value = decodeSecret(s, p, errs);
    if (value && name && prev === undefined) out.push({ name, value, secret: s });
  });
  return out;
}

/** The SDS references of a transport socket (certificates and validation). */
export function sdsRefsOf(t: TransportSocketConfig | undefined): SdsRef[] {
  if (!t || t.kind === 'raw_buffer') return [];
  const common = t.tls.common;
  const out: SdsRef[] = [];
  const fromCert = (c: CertificateSource) => {
    if (c.kind === 'sds') out.push(c.ref);
  };
  const fromValidation = (v: ValidationSource | undefined) => {
    if (v?.kind === 'sds') out.push(v.ref);
  };
  common.certificates.forEach(fromCert);
  fromValidation(common.validation);
  return out;
}

/**
 * Checks what a TLS context's references need at config time: a static
 * secret exists, an `ads` source has an ADS stream, an `api` source names a
 * static cluster. `where` is the field path of the transport socket.
 */
export function checkSdsRefs(
  refs: readonly SdsRef[],
  where: string,
  errs: ConfigErrors,
  env: { staticSecrets: ReadonlySet<string>; hasAds: boolean; staticClusters: ReadonlySet<string> },
): void {
  for (const r of refs) {
    const s = r.source;
    if (s.kind === 'static' && !env.staticSecrets.has(r.name)) {
      errs.error(where, `unknown static secret "${r.name}" (an SdsSecretConfig without sds_config names one of static_resources.secrets)`, CFG.UNKNOWN_REFERENCE);
    } else if (s.kind === 'ads' && !env.hasAds) {
      errs.error(where, `secret "${r.name}" is to come over ADS (sds_config.ads) but the bootstrap has no dynamic_resources.ads_config`, CFG.UNKNOWN_REFERENCE);
    } else if (s.kind === 'api' && !env.staticClusters.has(s.clusterName)) {
      errs.error(where, `secret "${r.name}": SDS cluster "${s.clusterName}" must be defined in static_resources.clusters`, CFG.UNKNOWN_REFERENCE);
    }
  }
}
