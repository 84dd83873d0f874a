// Secrets in /config_dump: Envoy's admin.v3.SecretsConfigDump (static_secrets,
// dynamic_active_secrets, dynamic_warming_secrets), each Secret in proto3
// JSON with private material redacted as Envoy redacts it: a private key,
// password, generic secret or session ticket key given inline shows as
// inline_string "[redacted]"; one read from a file keeps its filename.
import { toJson } from '../../xds/codec.js';
import type { envoy_config_core_v3_DataSource } from '../../xds/gen/types.js';
import type { Secret, SecretStatus } from '../tls/sds/sds-manager.js';

const SECRET_TYPE = 'envoy.extensions.transport_sockets.tls.v3.Secret';
const SECRET_URL = `type.googleapis.com/${SECRET_TYPE}`;
const REDACTED = '[redacted]';

function redactSource(ds: envoy_config_core_v3_DataSource | undefined): envoy_config_core_v3_DataSource | undefined {
  if (!ds || ds.filename !== undefined) return ds;
  return { inline_string: REDACTED };
}

/** A copy of `s` with its private parts redacted (Envoy's redactSecret). */
export function redactSecret(s: Secret): Secret {
  const out: Secret = { ...s };
  if (s.tls_certificate) {
    const tc = { ...s.tls_certificate };
    if (tc.private_key) tc.private_key = redactSource(tc.private_key)!;
    if (tc.password) tc.password = redactSource(tc.password)!;
    out.tls_certificate = tc;
  }
  if (s.generic_secret?.secret) out.generic_secret = { ...s.generic_secret, secret: redactSource(s.generic_secret.secret)! };
  if (s.session_ticket_keys?.keys) out.session_ticket_keys = { ...s.session_ticket_keys, keys: s.session_ticket_keys.keys.map((k) => redactSource(k)!) };
  return out;
}

function secretAny(s: Secret): unknown {
  return { '@type': SECRET_URL, ...(toJson(SECRET_TYPE, redactSecret(s)) as object) };
}

/** The SecretsConfigDump for every secret the SDS manager knows. */
export function secretsConfigDump(statuses: readonly SecretStatus[]): Record<string, unknown> {
  const staticSecrets: unknown[] = [];
  const active: unknown[] = [];
  const warming: unknown[] = [];
  for (const st of statuses) {
    const name = st.ref.name;
    if (st.ref.source.kind === 'static') {
      if (st.secret) staticSecrets.push({ name, last_updated: st.lastUpdated, secret: secretAny(st.secret) });
      continue;
    }
    const errorState = st.lastError ? { error_state: { details: st.lastError } } : {};
    if (st.secret) active.push({ name, version_info: st.versionInfo, last_updated: st.lastUpdated, secret: secretAny(st.secret), ...errorState });
    // Not arrived (or removed): Envoy lists it as warming with the bare name.
    else warming.push({ name, version_info: st.versionInfo, last_updated: st.lastUpdated, secret: secretAny({ name }), ...errorState });
  }
  return {
    '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
    ...(staticSecrets.length ? { static_secrets: staticSecrets } : {}),
    ...(active.length ? { dynamic_active_secrets: active } : {}),
    ...(warming.length ? { dynamic_warming_secrets: warming } : {}),
  };
}
