// DownstreamTlsContext / UpstreamTlsContext / CommonTlsContext → the TLS
// domain types (tls-config.ts). The one boundary where TLS wire types become
// domain types; the data path reads only the result.
import tls from 'node:tls';
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type {
  envoy_extensions_transport_sockets_tls_v3_CommonTlsContext,
  envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext,
  envoy_extensions_transport_sockets_tls_v3_TlsParameters,
  envoy_extensions_transport_sockets_tls_v3_TlsParameters_TlsProtocol,
  envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext,
} from '../../xds/gen/types.js';
import { checkSupported, durationMs } from '../config/support.js';
import { decodeSdsSecretConfig } from './decode-sds-secret-config.js';
import { decodeTlsCertificate, type TlsMaterialDecodeOptions } from './decode-tls-certificate.js';
import { decodeValidationContext, validationConsistencyProblems } from './decode-validation-context.js';
import { TLS_DEFAULTS } from './tls-defaults.js';
import type {
  CertificateSource,
  CommonTlsConfig,
  DownstreamTlsConfig,
  TlsVersion,
  UpstreamTlsConfig,
  ValidationSource,
} from './tls-config.js';

export type TlsSide = 'server' | 'client';

const COMMON_FIELDS = [
  'tls_params', 'tls_certificates', 'tls_certificate_sds_secret_configs', 'validation_context',
  'validation_context_sds_secret_config', 'combined_validation_context', 'alpn_protocols',
] as const;

const VERSIONS: Record<envoy_extensions_transport_sockets_tls_v3_TlsParameters_TlsProtocol, TlsVersion | undefined> = {
  TLS_AUTO: undefined,
  TLSv1_0: 'TLSv1',
  TLSv1_1: 'TLSv1.1',
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
};
const VERSION_ORDER: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** CommonTlsContext for a server (downstream) or a client (upstream) context. */
export function decodeCommonTlsContext(
  msg: envoy_extensions_transport_sockets_tls_v3_CommonTlsContext,
  path: string,
  errs: ConfigErrors,
  side: TlsSide,
  opts: TlsMaterialDecodeOptions = {},
): CommonTlsConfig | undefined {
  const before = errs.errors.length;
  checkSupported(msg, path, errs, COMMON_FIELDS);
  const certificates: CertificateSource[] = [];
  const staticCerts = msg.tls_certificates ?? [];
  const sdsCerts = msg.tls_certificate_sds_secret_configs ?? [];
  if (staticCerts.length && sdsCerts.length) {
    errs.error(joinPath(path, 'tls_certificate_sds_secret_configs'), 'tls_certificates and tls_certificate_sds_secret_configs may not be mixed', CFG.CONFLICT);
  }
  if (side === 'client' && staticCerts.length + sdsCerts.length > 1) {
    errs.error(joinPath(path, staticCerts.length > 1 ? 'tls_certificates' : 'tls_certificate_sds_secret_configs'), 'multiple TLS certificates are not supported for client contexts', CFG.CONFLICT);
  }
  staticCerts.forEach((c, i) => {
    const material = decodeTlsCertificate(c, joinPath(joinPath(path, 'tls_certificates'), i), errs, opts);
    if (material) certificates.push({ kind: 'static', material });
  });
  sdsCerts.forEach((c, i) => {
    const ref = decodeSdsSecretConfig(c, joinPath(joinPath(path, 'tls_certificate_sds_secret_configs'), i), errs);
    if (ref) certificates.push({ kind: 'sds', ref });
  });
  const validation = decodeValidationSource(msg, path, errs);
  const alpnProtocols = msg.alpn_protocols ?? [];
  alpnProtocols.forEach((p, i) => {
    if (!p || p.length > 255) errs.error(joinPath(joinPath(path, 'alpn_protocols'), i), 'an ALPN protocol name is 1 to 255 bytes');
  });
  const params = decodeTlsParams(msg.tls_params, joinPath(path, 'tls_params'), errs, side);
  if (errs.errors.length > before || !params) return undefined;
  return { certificates, ...(validation ? { validation } : {}), alpnProtocols, ...params };
}

function decodeValidationSource(msg: envoy_extensions_transport_sockets_tls_v3_CommonTlsContext, path: string, errs: ConfigErrors): ValidationSource | undefined {
  const set = (['validation_context', 'validation_context_sds_secret_config', 'combined_validation_context'] as const).filter((k) => msg[k] !== undefined);
  if (set.length > 1) {
    errs.error(path, `only one of validation_context, validation_context_sds_secret_config, combined_validation_context may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    return undefined;
  }
  if (msg.validation_context) {
    const p = joinPath(path, 'validation_context');
    const material = decodeValidationContext(msg.validation_context, p, errs);
    if (!material) return undefined;
    for (const problem of validationConsistencyProblems(material)) errs.error(p, problem, CFG.CONFLICT);
    return { kind: 'static', material };
  }
  if (msg.validation_context_sds_secret_config) {
    const ref = decodeSdsSecretConfig(msg.validation_context_sds_secret_config, joinPath(path, 'validation_context_sds_secret_config'), errs);
    return ref ? { kind: 'sds', ref } : undefined;
  }
  const c = msg.combined_validation_context;
  if (!c) return undefined;
  const p = joinPath(path, 'combined_validation_context');
  checkSupported(c, p, errs, ['default_validation_context', 'validation_context_sds_secret_config']);
  if (!c.default_validation_context) errs.required(joinPath(p, 'default_validation_context'), 'default_validation_context is required');
  if (!c.validation_context_sds_secret_config) errs.required(joinPath(p, 'validation_context_sds_secret_config'), 'validation_context_sds_secret_config is required');
  const defaults = c.default_validation_context ? decodeValidationContext(c.default_validation_context, joinPath(p, 'default_validation_context'), errs) : undefined;
  const ref = c.validation_context_sds_secret_config ? decodeSdsSecretConfig(c.validation_context_sds_secret_config, joinPath(p, 'validation_context_sds_secret_config'), errs) : undefined;
  if (!defaults || !ref) return undefined;
  return { kind: 'sds', ref, defaults };
}

/** tls_params with Envoy's side-dependent defaults. */
function decodeTlsParams(
  tp: envoy_extensions_transport_sockets_tls_v3_TlsParameters | undefined,
  path: string,
  errs: ConfigErrors,
  side: TlsSide,
): Pick<CommonTlsConfig, 'minVersion' | 'maxVersion' | 'cipherSuites' | 'ecdhCurves'> | undefined {
  checkSupported(tp, path, errs, ['tls_minimum_protocol_version', 'tls_maximum_protocol_version', 'cipher_suites', 'ecdh_curves']);
  const minVersion = VERSIONS[tp?.tls_minimum_protocol_version ?? 'TLS_AUTO'] ?? TLS_DEFAULTS.minVersion;
  const maxVersion = VERSIONS[tp?.tls_maximum_protocol_version ?? 'TLS_AUTO'] ?? (side === 'server' ? TLS_DEFAULTS.serverMaxVersion : TLS_DEFAULTS.clientMaxVersion);
  let ok = true;
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
    errs.error(joinPath(path, 'tls_minimum_protocol_version'), `minimum version ${minVersion} is above the maximum ${maxVersion}`, CFG.CONFLICT);
    ok = false;
  }
  let cipherSuites: string | undefined;
  if (tp?.cipher_suites?.length) {
    const known = new Set(tls.getCiphers().map((c) => c.toUpperCase()));
    const names: string[] = [];
    const errsBefore = errs.errors.length;
    tp.cipher_suites.forEach((entry, i) => {
      // BoringSSL's equal-preference group "[A|B]": OpenSSL takes them in order.
      for (const name of entry.replace(/^\[|\]$/g, '').split('|')) {
        if (name.startsWith('TLS_')) errs.error(joinPath(joinPath(path, 'cipher_suites'), i), `"${name}" is a TLS 1.3 suite; cipher_suites applies to TLS 1.2 and below only (TLS 1.3 suites are fixed, as in Envoy)`);
        else if (!known.has(name.toUpperCase())) errs.error(joinPath(joinPath(path, 'cipher_suites'), i), `unknown cipher suite "${name}"`);
        else names.push(name);
      }
    });
    if (errs.errors.length > errsBefore) ok = false;
    cipherSuites = names.join(':');
  }
  let ecdhCurves: string | undefined;
  if (tp?.ecdh_curves?.length) {
    ecdhCurves = tp.ecdh_curves.join(':');
    try {
      tls.createSecureContext({ ecdhCurve: ecdhCurves });
    } catch {
      tp.ecdh_curves.forEach((c, i) => {
        try {
          tls.createSecureContext({ ecdhCurve: c });
        } catch {
          errs.error(joinPath(joinPath(path, 'ecdh_curves'), i), `unknown ECDH curve "${c}"`);
        }
      });
      ok = false;
    }
  }
  if (!ok) return undefined;
  return { minVersion, maxVersion, ...(cipherSuites ? { cipherSuites } : {}), ...(ecdhCurves ? { ecdhCurves } : {}) };
}

const DOWNSTREAM_FIELDS = [
  'common_tls_context', 'require_client_certificate', 'require_sni', 'session_timeout',
  'disable_stateless_session_resumption', 'disable_stateful_session_resumption', 'ocsp_staple_policy',
] as const;

/** DownstreamTlsContext (a filter chain's transport_socket). */
export function decodeDownstreamTlsContext(
  msg: envoy_extensions_transport_sockets_tls_v3_DownstreamTlsContext,
  path: string,
  errs: ConfigErrors,
  opts: TlsMaterialDecodeOptions = {},
): DownstreamTlsConfig | undefined {
  const before = errs.errors.length;
  checkSupported(msg, path, errs, DOWNSTREAM_FIELDS);
  // LENIENT_STAPLING (the default) with no OCSP response configured staples nothing: accepted.
  if (msg.ocsp_staple_policy && msg.ocsp_staple_policy !== 'LENIENT_STAPLING') errs.unsupported(joinPath(path, 'ocsp_staple_policy'), `ocsp_staple_policy ${msg.ocsp_staple_policy}`);
  const cp = joinPath(path, 'common_tls_context');
  const common = decodeCommonTlsContext(msg.common_tls_context ?? {}, cp, errs, 'server', opts);
  if (common && common.certificates.length === 0) errs.required(joinPath(cp, 'tls_certificates'), 'no TLS certificates found for server context (set tls_certificates or tls_certificate_sds_secret_configs)');
  let sessionTimeoutS: number | undefined;
  if (msg.session_timeout) {
    const ms = durationMs(msg.session_timeout, 0);
    if (ms < 0 || ms / 1000 >= 2 ** 32) errs.error(joinPath(path, 'session_timeout'), 'must be at least 0 and below 2^32 seconds');
    else sessionTimeoutS = Math.floor(ms / 1000);
  }
  if (!common || errs.errors.length > before) return undefined;
  return {
    common,
    requireClientCertificate: msg.require_client_certificate?.value ?? false,
    requireSni: msg.require_sni?.value ?? false,
    ...(sessionTimeoutS !== undefined ? { sessionTimeoutS } : {}),
    disableStatelessSessionResumption: msg.disable_stateless_session_resumption ?? false,
  };
}

/** UpstreamTlsContext (a cluster's transport_socket). */
export function decodeUpstreamTlsContext(
  msg: envoy_extensions_transport_sockets_tls_v3_UpstreamTlsContext,
  path: string,
  errs: ConfigErrors,
  opts: TlsMaterialDecodeOptions = {},
): UpstreamTlsConfig | undefined {
  const before = errs.errors.length;
  checkSupported(msg, path, errs, ['common_tls_context', 'sni', 'allow_renegotiation', 'max_session_keys']);
  const common = decodeCommonTlsContext(msg.common_tls_context ?? {}, joinPath(path, 'common_tls_context'), errs, 'client', opts);
  const sni = msg.sni ?? '';
  if (sni.length > 255) errs.error(joinPath(path, 'sni'), 'sni is at most 255 characters');
  if (!common || errs.errors.length > before) return undefined;
  return {
    common,
    sni,
    allowRenegotiation: msg.allow_renegotiation ?? false,
    maxSessionKeys: msg.max_session_keys?.value ?? TLS_DEFAULTS.maxSessionKeys,
  };
}
