// envoy.extensions.transport_sockets.tls.v3.TlsCertificate → TlsCertificateMaterial.
// Used for tls_certificates in a CommonTlsContext and for the tls_certificate
// of an SDS Secret (bootstrap static secrets, SDS over ADS or a cluster, SDS
// files): it depends only on the message, never on where it came from.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_extensions_transport_sockets_tls_v3_TlsCertificate } from '../../xds/gen/types.js';
import { checkSupported } from '../config/support.js';
import { checkCertificateAndKey } from './certificate-checks.js';
import { decodeTlsDataSource } from './data-source.js';
import type { TlsCertificateMaterial } from './tls-config.js';

export interface TlsMaterialDecodeOptions {
  /** Wall-clock time the leaf's validity is checked against (ms since the epoch); default Date.now(). */
  readonly nowMs?: number;
}

/**
 * Supported: certificate_chain and private_key (DataSource: filename,
 * inline_string, inline_bytes, environment_variable). Refused by name:
 * pkcs12, private_key_provider, password, ocsp_staple,
 * signed_certificate_timestamp, watched_directory.
 */
export function decodeTlsCertificate(
  msg: envoy_extensions_transport_sockets_tls_v3_TlsCertificate,
  path: string,
  errs: ConfigErrors,
  opts: TlsMaterialDecodeOptions = {},
): TlsCertificateMaterial | undefined {
  checkSupported(msg, path, errs, ['certificate_chain', 'private_key']);
  const chainPath = joinPath(path, 'certificate_chain');
  const keyPath = joinPath(path, 'private_key');
  if (!msg.certificate_chain) errs.required(chainPath, 'certificate_chain is required');
  if (!msg.private_key && !msg.pkcs12 && !msg.private_key_provider) errs.required(keyPath, 'private_key is required');
  const chain = msg.certificate_chain ? decodeTlsDataSource(msg.certificate_chain, chainPath, errs) : undefined;
  const key = msg.private_key ? decodeTlsDataSource(msg.private_key, keyPath, errs) : undefined;
  if (!chain || !key) return undefined;
  const issues = checkCertificateAndKey(chain.text, key.text, opts.nowMs ?? Date.now());
  for (const i of issues) errs.error(i.field === 'private_key' ? keyPath : chainPath, `${i.message} (${i.field === 'private_key' ? key.origin : chain.origin})`);
  if (issues.length) return undefined;
  return { certChainPem: chain.text, privateKeyPem: key.text, origin: chain.origin };
}
