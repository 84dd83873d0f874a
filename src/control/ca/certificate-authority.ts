// weft's certificate authority (Citadel's job in Istio). It holds one signing
// key (a self-signed root kept in a folder, or a plugged-in intermediate from
// Istio's `cacerts` layout), issues workload certificates from verified CSRs
// for an identity the caller proved elsewhere, publishes the trust bundle,
// and rotates a self-signed root without downtime. See docs/architecture/ca.md.
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../../common/clock.js';
import { keyKind, signatureScheme } from './algorithms.js';
import { CaError, CsrError } from './ca-error.js';
import {
  CaFileReader, PLUGGED_FILES, SELF_SIGNED_FILES, exists, issuedBy, loadedCert, writeFileAtomic, type LoadedCert,
} from './ca-files.js';
import { buildCertificate, type Signer } from './certificate-builder.js';
import { spkiPublicKeyBits } from './certificate-info.js';
import { decodeCsr } from './csr.js';
import { CA_DEFAULTS } from './defaults.js';
import { LeafIssuer } from './leaf-issuer.js';
import { pemEncode } from './pem.js';
import { TrustBundle } from './trust-bundle.js';
import { spiffeId, validateIdentity, validateTrustDomain, type WorkloadIdentity } from './workload-identity.js';
import {
  KEY_USAGE, basicConstraintsExtension, keyIdentifier, keyUsageExtension, organizationName, subjectKeyIdExtension,
  type SubjectAltNames,
} from './x509-extensions.js';

/** Where the CA's key material comes from. */
export type CaSource =
  /** A root generated at first start and kept in `dir` (key file mode 0600). */
  | { kind: 'self-signed'; dir: string }
  /** Istio's plugged-in layout in `dir`: ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem. Read only. */
  | { kind: 'plugged'; dir: string };

export interface CertificateAuthorityOptions {
  trustDomain?: string;
  defaultCertTtlMs?: number;
  maxCertTtlMs?: number;
  /** Lifetime of a generated root. */
  rootCertTtlMs?: number;
  /** Key type of a generated root. */
  rootKeyType?: 'ec-p256' | 'rsa';
  clock?: Clock;
}

export interface SignOptions {
  /** Requested lifetime; 0 or unset means the default (Istio: validity_duration <= 0). */
  ttlMs?: number;
  /** See DecodeCsrOptions.verifySignature; only the benchmark turns it off. */
  verifySignature?: boolean;
}

export interface IssuedCertificate {
  /** PEM certificates, leaf first and root last (Istio's `cert_chain`), each ending in a newline. */
  readonly certChain: readonly string[];
  readonly spiffeId: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface RootStatus {
  readonly fingerprint: string;
  readonly notAfter: number;
  /** The root that anchors newly issued leaves. */
  readonly signing: boolean;
  /** Prepared by beginRootRotation and not yet signing. */
  readonly next: boolean;
  /** Until when leaves anchored at this root may still be valid (0: none issued). */
  readonly leavesValidUntil: number;
}

interface SigningState {
  readonly cert: LoadedCert;
  readonly key: KeyObject;
  readonly issuer: LeafIssuer;
  /** Fingerprint of the root the chain ends at. */
  readonly rootFingerprint: string;
  /** Certificates served after the leaf: intermediates, then the root. */
  readonly chainTail: readonly string[];
}

function signerOf(cert: LoadedCert, key: KeyObject): Signer {
  const kind = keyKind(key) as Exclude<ReturnType<typeof keyKind>, { unsupported: string }>;
  return { key, scheme: signatureScheme(kind), subjectName: cert.info.subjectName, keyId: cert.info.subjectKeyId };
}

/** Generates a self-signed root as Istio's self-signed CA does: subject O=<trust domain>, keyCertSign, cA, SKI. */
export function generateRoot(trustDomain: string, keyType: 'ec-p256' | 'rsa', now: number, ttlMs: number): { cert: LoadedCert; key: KeyObject } {
  const { privateKey } = keyType === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const name = organizationName(trustDomain);
  const kid = keyIdentifier(spkiPublicKeyBits(spki));
  const kind = keyType === 'rsa' ? 'rsa' : 'ec-p256';
  // self-signed: no authority key identifier, as Go's crypto/x509 writes roots
  const der = buildCertificate({
    notBefore: now,
    notAfter: now + ttlMs,
    subjectName: name,
    spki,
    extensions: [keyUsageExtension([KEY_USAGE.keyCertSign]), basicConstraintsExtension(true), subjectKeyIdExtension(kid)],
  }, { key: privateKey, scheme: signatureScheme(kind), subjectName: name, keyId: undefined });
  return { cert: loadedCert(der), key: privateKey };
}

const keyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

export class CertificateAuthority {
  readonly trustDomain: string;
  readonly trustBundle: TrustBundle;
  private readonly defaultTtl: number;
  private readonly maxTtl: number;
  private readonly rootTtl: number;
  private readonly rootKeyType: 'ec-p256' | 'rsa';
  private readonly clock: Clock;
  private signing!: SigningState;
  private roots: LoadedCert[] = [];
  private next: { cert: LoadedCert; key: KeyObject } | undefined;
  private readonly leavesValidUntil = new Map<string, number>();

  private constructor(readonly source: CaSource, options: CertificateAuthorityOptions) {
    this.clock = options.clock ?? systemClock;
    this.trustDomain = options.trustDomain ?? CA_DEFAULTS.trustDomain;
    this.defaultTtl = options.defaultCertTtlMs ?? CA_DEFAULTS.defaultCertTtlMs;
    this.maxTtl = options.maxCertTtlMs ?? CA_DEFAULTS.maxCertTtlMs;
    this.rootTtl = options.rootCertTtlMs ?? CA_DEFAULTS.rootCertTtlMs;
    this.rootKeyType = options.rootKeyType ?? CA_DEFAULTS.rootKeyType;
    const problems: string[] = [];
    const td = validateTrustDomain(this.trustDomain);
    if (td) problems.push(`trustDomain: ${td}`);
    for (const [name, v] of [['defaultCertTtlMs', this.defaultTtl], ['maxCertTtlMs', this.maxTtl], ['rootCertTtlMs', this.rootTtl]] as const) {
      if (!(Number.isFinite(v) && v > 0)) problems.push(`${name}: must be a positive number of milliseconds`);
    }
    if (this.defaultTtl > this.maxTtl) problems.push('defaultCertTtlMs: must not exceed maxCertTtlMs');
    if (this.rootKeyType !== 'ec-p256' && this.rootKeyType !== 'rsa') problems.push(`rootKeyType: "${this.rootKeyType}" is not ec-p256 or rsa`);
    if (problems.length) throw new CaError('CA_OPTIONS_INVALID', `CA options refused: ${problems.join('; ')}`);
    if (source.kind === 'plugged') this.loadPlugged(source.dir);
    else this.loadSelfSigned(source.dir);
    this.trustBundle = new TrustBundle(this.roots.map((r) => r.pem));
  }

  /**
   * Opens the CA: loads and checks its files, or (self-signed, first start)
   * generates a root and writes it. Throws CaError CA_REJECTED listing every
   * bad file with its path and reason.
   */
  static open(source: CaSource, options: CertificateAuthorityOptions = {}): CertificateAuthority {
    return new CertificateAuthority(source, options);
  }

  // --- loading ---

  private loadPlugged(dir: string): void {
    const now = this.clock.wallNow();
    const r = new CaFileReader(now);
    const f = (name: string): string => path.join(dir, name);
    const certText = r.read(f(PLUGGED_FILES.signingCert));
    const keyText = r.read(f(PLUGGED_FILES.signingKey));
    const rootText = r.read(f(PLUGGED_FILES.rootCert));
    const chainText = r.read(f(PLUGGED_FILES.certChain));
    const [cert] = certText !== undefined ? r.certificates(f(PLUGGED_FILES.signingCert), certText) : [];
    if (cert) r.checkCa(f(PLUGGED_FILES.signingCert), cert, 'signing certificate');
    const key = keyText !== undefined ? r.privateKey(f(PLUGGED_FILES.signingKey), keyText) : undefined;
    if (cert && key) r.checkKeyMatches(f(PLUGGED_FILES.signingKey), key, f(PLUGGED_FILES.signingCert), cert);
    const roots = rootText !== undefined ? r.certificates(f(PLUGGED_FILES.rootCert), rootText) : [];
    for (const root of roots) r.checkCa(f(PLUGGED_FILES.rootCert), root, 'root certificate');
    const chain = chainText !== undefined ? r.certificates(f(PLUGGED_FILES.certChain), chainText) : [];
    let anchor: LoadedCert | undefined;
    const chainPath = f(PLUGGED_FILES.certChain);
    if (cert && chain.length && roots.length) {
      const bad = (reason: string): void => { r.issues.push({ path: chainPath, code: 'CA_CHAIN_INVALID', reason }); };
      if (chain[0].fingerprint !== cert.fingerprint) bad(`must begin with the certificate of ${PLUGGED_FILES.signingCert}`);
      for (let i = 1; i < chain.length; i++) {
        if (!issuedBy(chain[i - 1], chain[i])) bad(`certificate ${i} is not issued by certificate ${i + 1}`);
        if (!roots.some((x) => x.fingerprint === chain[i].fingerprint)) r.checkCa(chainPath, chain[i], `certificate ${i + 1}`);
      }
      const last = chain[chain.length - 1];
      anchor = roots.find((x) => x.fingerprint === last.fingerprint) ?? roots.find((x) => issuedBy(last, x));
      if (!anchor) bad(`does not end at a root of ${PLUGGED_FILES.rootCert}`);
    }
    if (r.issues.length || !cert || !key || !anchor) throw new CaError('CA_REJECTED', `plugged-in CA in ${dir} refused`, r.issues);
    this.roots = roots;
    const tail = chain.filter((c) => !roots.some((x) => x.fingerprint === c.fingerprint)).map((c) => c.pem);
    this.setSigning(cert, key, anchor, [...tail, anchor.pem]);
    // leaves issued before this start may be valid for up to the longest TTL
    for (const root of roots) this.leavesValidUntil.set(root.fingerprint, now + this.maxTtl);
  }

  private loadSelfSigned(dir: string): void {
    const now = this.clock.wallNow();
    const f = (name: string): string => path.join(dir, name);
    const F = SELF_SIGNED_FILES;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!exists(f(F.signingCert)) && !exists(f(F.signingKey))) {
      const root = generateRoot(this.trustDomain, this.rootKeyType, now, this.rootTtl);
      writeFileAtomic(f(F.signingKey), keyPem(root.key), 0o600);
      writeFileAtomic(f(F.signingCert), root.cert.pem, 0o644);
      this.roots = [root.cert];
      this.setSigning(root.cert, root.key, root.cert, [root.cert.pem]);
      return;
    }
    // finish an activation a crash interrupted: the key was moved, the certificate not yet
    if (exists(f(F.nextKey)) && exists(f(F.nextCert)) && exists(f(F.signingKey))
      && fs.readFileSync(f(F.nextKey), 'utf8') === fs.readFileSync(f(F.signingKey), 'utf8')) {
      writeFileAtomic(f(F.signingCert), fs.readFileSync(f(F.nextCert), 'utf8'), 0o644);
      fs.rmSync(f(F.nextCert));
      fs.rmSync(f(F.nextKey));
    }
    const r = new CaFileReader(now);
    const pair = (certFile: string, keyFile: string, label: string): { cert: LoadedCert; key: KeyObject } | undefined => {
      const certText = r.read(certFile);
      const keyText = r.read(keyFile);
      const [cert] = certText !== undefined ? r.certificates(certFile, certText) : [];
      if (cert) {
        r.checkCa(certFile, cert, label);
        if (!issuedBy(cert, cert)) r.issues.push({ path: certFile, code: 'CA_CERT_INVALID', reason: `${label} is not self-signed` });
      }
      const key = keyText !== undefined ? r.privateKey(keyFile, keyText) : undefined;
      if (cert && key) r.checkKeyMatches(keyFile, key, certFile, cert);
      return cert && key ? { cert, key } : undefined;
    };
    const signing = pair(f(F.signingCert), f(F.signingKey), 'root certificate');
    let next: { cert: LoadedCert; key: KeyObject } | undefined;
    if (exists(f(F.nextCert)) || exists(f(F.nextKey))) next = pair(f(F.nextCert), f(F.nextKey), 'next root certificate');
    let roots: LoadedCert[] = signing ? [signing.cert] : [];
    if (exists(f(F.trustBundle))) {
      const text = r.read(f(F.trustBundle));
      roots = text !== undefined ? r.certificates(f(F.trustBundle), text) : [];
      for (const root of roots) r.checkCa(f(F.trustBundle), root, 'trusted root');
      if (signing && roots.length && !roots.some((x) => x.fingerprint === signing.cert.fingerprint)) {
        r.issues.push({ path: f(F.trustBundle), code: 'CA_BUNDLE_INVALID', reason: `does not hold the signing root of ${F.signingCert}` });
      }
    }
    if (r.issues.length || !signing) throw new CaError('CA_REJECTED', `self-signed CA in ${dir} refused`, r.issues);
    if (next && !roots.some((x) => x.fingerprint === next!.cert.fingerprint)) {
      // the prepared root was written but the bundle not yet: trust it now, as beginRootRotation meant to
      roots.push(next.cert);
      writeFileAtomic(f(F.trustBundle), roots.map((x) => x.pem).join(''), 0o644);
    }
    this.roots = roots;
    this.next = next;
    this.setSigning(signing.cert, signing.key, signing.cert, [signing.cert.pem]);
    for (const root of roots) if (root !== next?.cert) this.leavesValidUntil.set(root.fingerprint, now + this.maxTtl);
  }

  private setSigning(cert: LoadedCert, key: KeyObject, root: LoadedCert, chainTail: string[]): void {
    this.signing = { cert, key, issuer: new LeafIssuer(signerOf(cert, key)), rootFingerprint: root.fingerprint, chainTail };
  }

  // --- issuing ---

  /**
   * Signs a workload certificate for `identity` (which the caller has
   * authenticated; the CSR only supplies the public key). Any SAN the CSR
   * asks for must be that identity's SPIFFE ID. Throws CsrError.
   */
  sign(csrPem: string, identity: WorkloadIdentity, options: SignOptions = {}): IssuedCertificate {
    const idProblems = validateIdentity(identity);
    if (idProblems.length) throw new CaError('IDENTITY_INVALID', `identity refused: ${idProblems.join('; ')}`);
    const csr = decodeCsr(csrPem, { verifySignature: options.verifySignature });
    const id = spiffeId(this.trustDomain, identity);
    for (const u of csr.uriSans) if (u !== id) throw new CsrError('CSR_IDENTITY_MISMATCH', `CSR asks for ${u}; the caller is ${id}`);
    if (csr.dnsSans.length) throw new CsrError('CSR_IDENTITY_MISMATCH', `CSR asks for DNS names ${csr.dnsSans.join(', ')}; workload certificates carry only ${id}`);
    const requested = options.ttlMs ?? 0;
    if (requested > this.maxTtl) {
      throw new CsrError('CSR_TTL_TOO_LONG', `requested TTL ${requested / 1000}s is greater than the max allowed TTL ${this.maxTtl / 1000}s`);
    }
    const ttl = requested > 0 ? requested : this.defaultTtl;
    const now = this.clock.wallNow();
    const s = this.signing;
    // never outlive the signer: a leaf valid after its CA expired would fail verification anyway
    const notAfter = Math.min(now + ttl, s.cert.info.notAfter);
    const notBefore = now - CA_DEFAULTS.clockSkewGraceMs;
    const der = s.issuer.issue({ spki: csr.spki, names: { uris: [id] }, notBefore, notAfter });
    const until = this.leavesValidUntil.get(s.rootFingerprint) ?? 0;
    if (notAfter > until) this.leavesValidUntil.set(s.rootFingerprint, notAfter);
    return {
      certChain: [pemEncode('CERTIFICATE', der), ...s.chainTail],
      spiffeId: id,
      notBefore: Math.floor(notBefore / 1000) * 1000,
      notAfter: Math.floor(notAfter / 1000) * 1000,
    };
  }

  /**
   * A certificate and fresh key for the CA's own TLS server (DNS names and IP
   * addresses, as istiod's), signed by the current signer. The chain holds
   * the leaf and any intermediates, not the root.
   */
  issueServingCertificate(names: SubjectAltNames, ttlMs: number = CA_DEFAULTS.serverCertTtlMs): { certChainPem: string; keyPem: string; notAfter: number } {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const now = this.clock.wallNow();
    const s = this.signing;
    const notAfter = Math.min(now + ttlMs, s.cert.info.notAfter);
    const der = s.issuer.issue({ spki, names, notBefore: now - CA_DEFAULTS.clockSkewGraceMs, notAfter });
    const intermediates = s.chainTail.slice(0, -1);
    return { certChainPem: [pemEncode('CERTIFICATE', der), ...intermediates].join(''), keyPem: keyPem(privateKey), notAfter };
  }

  /** PEM of the root that anchors new leaves. */
  get signingRootPem(): string {
    return this.signing.chainTail[this.signing.chainTail.length - 1];
  }

  // --- root rotation (self-signed only) ---

  private selfSignedDir(): string {
    if (this.source.kind !== 'self-signed') {
      throw new CaError('CA_ROTATION_UNSUPPORTED', 'a plugged-in CA is rotated by replacing its cacerts files (root-cert.pem may hold old and new roots)');
    }
    return this.source.dir;
  }

  /**
   * Step 1: generates the next root and adds it to the trust bundle; it signs
   * nothing yet, so workloads learn to trust it before they meet it.
   * Returns its fingerprint.
   */
  beginRootRotation(): string {
    const dir = this.selfSignedDir();
    if (this.next) throw new CaError('CA_ROTATION_IN_PROGRESS', `root ${this.next.cert.fingerprint} is already prepared; activate it first`);
    const next = generateRoot(this.trustDomain, this.rootKeyType, this.clock.wallNow(), this.rootTtl);
    writeFileAtomic(path.join(dir, SELF_SIGNED_FILES.nextKey), keyPem(next.key), 0o600);
    writeFileAtomic(path.join(dir, SELF_SIGNED_FILES.nextCert), next.cert.pem, 0o644);
    const roots = [...this.roots, next.cert];
    writeFileAtomic(path.join(dir, SELF_SIGNED_FILES.trustBundle), roots.map((r) => r.pem).join(''), 0o644);
    this.next = next;
    this.roots = roots;
    this.trustBundle.update(roots.map((r) => r.pem));
    return next.cert.fingerprint;
  }

  /**
   * Step 2: the prepared root signs from now on. The old root stays trusted
   * until retireRoot, which refuses while leaves it anchors may be valid.
   */
  activateNextRoot(): void {
    const dir = this.selfSignedDir();
    const next = this.next;
    if (!next) throw new CaError('CA_ROTATION_NOT_STARTED', 'no prepared root: call beginRootRotation first');
    // key first: loadSelfSigned completes an activation interrupted between the two writes
    writeFileAtomic(path.join(dir, SELF_SIGNED_FILES.signingKey), keyPem(next.key), 0o600);
    writeFileAtomic(path.join(dir, SELF_SIGNED_FILES.signingCert), next.cert.pem, 0o644);
    fs.rmSync(path.join(dir, SELF_SIGNED_FILES.nextCert), { force: true });
    fs.rmSync(path.join(dir, SELF_SIGNED_FILES.nextKey), { force: true });
    this.next = undefined;
    this.setSigning(next.cert, next.key, next.cert, [next.cert.pem]);
  }

  /**
   * Step 3: removes a root from the trust bundle. Refused (CA_ROOT_STILL_NEEDED)
   * for the signing or prepared root, and while leaves it anchors may still
   * be valid, unless `force` (e.g. every workload is known to have rotated).
   */
  retireRoot(fingerprint: string, options: { force?: boolean } = {}): void {
    const dir = this.selfSignedDir();
    const root = this.roots.find((r) => r.fingerprint === fingerprint);
    if (!root) throw new CaError('CA_ROOT_UNKNOWN', `no root ${fingerprint} in the trust bundle`);
    if (fingerprint === this.signing.rootFingerprint || fingerprint === this.next?.cert.fingerprint) {
      throw new CaError('CA_ROOT_STILL_NEEDED', `root ${fingerprint} signs (or is about to sign) leaves`);
    }
    const until = this.leavesValidUntil.get(fingerprint) ?? 0;
    if (!options.force && until > this.clock.wallNow()) {
      throw new CaError('CA_ROOT_STILL_NEEDED', `leaves anchored at root ${fingerprint} may be valid until ${new Date(until).toISOString()}`);
    }
    const roots = this.roots.filter((r) => r !== root);
    writeFileAtomic(path.join(dir, SELF_SIGNED_FILES.trustBundle), roots.map((r) => r.pem).join(''), 0o644);
    this.roots = roots;
    this.leavesValidUntil.delete(fingerprint);
    this.trustBundle.update(roots.map((r) => r.pem));
  }

  /** Every trusted root and its part in rotation. */
  rootStatus(): RootStatus[] {
    return this.roots.map((r) => ({
      fingerprint: r.fingerprint,
      notAfter: r.info.notAfter,
      signing: r.fingerprint === this.signing.rootFingerprint,
      next: r.fingerprint === this.next?.cert.fingerprint,
      leavesValidUntil: this.leavesValidUntil.get(r.fingerprint) ?? 0,
    }));
  }
}
