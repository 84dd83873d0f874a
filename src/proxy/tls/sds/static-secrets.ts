// static_resources.secrets in the bootstrap: secrets by name that TLS
// contexts reference with an SdsSecretConfig without sds_config (Envoy's
// static secrets). Decoded once at start with the TLS decoders; a duplicate
// name is a config error, and so is a reference to a name that is not here
// (sds-refs.ts), as in Envoy.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type { SecretValue } from '../secret-store.js';
import { decodeSecret } from './secret-decode.js';
import type { Secret } from './secret-sources.js';

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
