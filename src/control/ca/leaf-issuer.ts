// Issues workload certificates for one signer. Everything in a leaf's
// TBSCertificate except the serial, validity, public key and SAN is the same
// for every leaf of a signer, so it is encoded once here; issuing is then a
// few small concatenations and one signature. Fields follow Istio's
// genCertTemplateFromCSR: empty subject, keyUsage digitalSignature +
// keyEncipherment, EKU serverAuth + clientAuth, basicConstraints cA FALSE,
// authority key identifier = the signer's subject key identifier, SAN
// (critical) = the caller's identity.
import { derContext, derSequence } from './der-writer.js';
import { VERSION_V3, derValidity, randomSerial, signTbs, type Signer } from './certificate-builder.js';
import {
  EMPTY_NAME, KEY_USAGE, OID, authorityKeyIdExtension, basicConstraintsExtension, extKeyUsageExtension,
  keyUsageExtension, subjectAltNameExtension, type SubjectAltNames,
} from './x509-extensions.js';

export interface LeafRequest {
  /** Raw DER SubjectPublicKeyInfo from the verified CSR. */
  spki: Buffer;
  names: SubjectAltNames;
  notBefore: number;
  notAfter: number;
}

export class LeafIssuer {
  /** signature algorithm + issuer Name, back to back as they sit in the TBSCertificate. */
  private readonly algAndIssuer: Buffer;
  /** keyUsage, extKeyUsage, basicConstraints, authorityKeyIdentifier. */
  private readonly fixedExtensions: Buffer;

  constructor(readonly signer: Signer) {
    this.algAndIssuer = Buffer.concat([signer.scheme.algorithmIdentifier, signer.subjectName]);
    const exts = [
      keyUsageExtension([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]),
      extKeyUsageExtension([OID.serverAuth, OID.clientAuth]),
      basicConstraintsExtension(false),
    ];
    if (signer.keyId) exts.push(authorityKeyIdExtension(signer.keyId));
    this.fixedExtensions = Buffer.concat(exts);
  }

  /** A signed leaf certificate (DER). */
  issue(req: LeafRequest): Buffer {
    const tbs = derSequence(
      VERSION_V3,
      randomSerial(),
      this.algAndIssuer,
      derValidity(req.notBefore, req.notAfter),
      EMPTY_NAME,
      req.spki,
      derContext(3, true, derSequence(this.fixedExtensions, subjectAltNameExtension(req.names))),
    );
    return signTbs(tbs, this.signer);
  }
}
