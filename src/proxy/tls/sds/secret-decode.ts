// envoy.extensions.transport_sockets.tls.v3.Secret → SecretValue. A Secret
// carries the same TlsCertificate / CertificateValidationContext messages a
// TLS context does, so the TLS decoders do the work; this only picks the
// kind. session_ticket_keys and generic_secret are refused by name.
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import { decodeTlsCertificate } from '../decode-tls-certificate.js';
import { decodeValidationContext } from '../decode-validation-context.js';
import type { SecretValue } from '../secret-store.js';
import type { Secret } from './secret-sources.js';

/**
 * Decodes one Secret; every error is collected with its path under `path`.
 * Inline material gets `inlineOrigin` as its origin when given (SDS secrets
 * say "sds:<name>", so TLS errors and /certs name the secret).
 */
export function decodeSecret(s: Secret, path: string, errs: ConfigErrors, inlineOrigin?: string): SecretValue | undefined {
  checkSupported(s, path, errs, ['name', 'tls_certificate', 'validation_context']);
  const kinds = (['tls_certificate', 'validation_context', 'session_ticket_keys', 'generic_secret'] as const).filter((k) => s[k] !== undefined);
  if (kinds.length === 0) {
    errs.required(path, 'a secret needs tls_certificate or validation_context');
    return undefined;
  }
  if (s.tls_certificate) {
    const certificate = decodeTlsCertificate(s.tls_certificate, joinPath(path, 'tls_certificate'), errs);
    if (!certificate) return undefined;
    return { kind: 'tls_certificate', certificate: inlineOrigin && certificate.origin === 'inline' ? { ...certificate, origin: inlineOrigin } : certificate };
  }
  if (s.validation_context) {
    const validation = decodeValidationContext(s.validation_context, joinPath(path, 'validation_context'), errs);
    if (!validation) return undefined;
    return { kind: 'validation_context', validation: inlineOrigin && validation.origin === 'inline' ? { ...validation, origin: inlineOrigin } : validation };
  }
  return undefined;
}
