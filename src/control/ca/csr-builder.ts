// Builds PKCS#10 requests: what a sidecar (istio-agent's role) sends the CA
// with its own key, and what the benchmark sends. The key never leaves the
// caller; only the request does.
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { keyKind, signatureScheme } from './algorithms.js';
import { derContext, derOid, derSequence, derSet, derSmallInteger, derBitString } from './der-writer.js';
import { pemEncode } from './pem.js';
import { EMPTY_NAME, OID, subjectAltNameExtension, type SubjectAltNames } from './x509-extensions.js';

/** A PEM CSR for `privateKey` asking for `names` (normally the workload's SPIFFE ID), empty subject. */
export function buildCsr(privateKey: KeyObject, names: SubjectAltNames): string {
  const kind = keyKind(privateKey);
  if (typeof kind !== 'string') throw new RangeError(`cannot build a CSR: ${kind.unsupported}`);
  const scheme = signatureScheme(kind);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const extensionRequest = derSequence(derOid(OID.extensionRequest), derSet(derSequence(subjectAltNameExtension(names))));
  const info = derSequence(derSmallInteger(0), EMPTY_NAME, spki, derContext(0, true, extensionRequest));
  const signature = sign(scheme.hash, info, privateKey);
  return pemEncode('CERTIFICATE REQUEST', derSequence(info, scheme.algorithmIdentifier, derBitString(signature)));
}
