// credentialName secrets in local mode: a folder with one subfolder per
// Kubernetes secret, `<secrets>/<name>/`, holding the secret's keys as files,
// as a mounted secret would: `tls.crt`, `tls.key` and optional `ca.crt` (a
// kubernetes.io/tls secret), or the generic `cert`, `key`, `cacert` that
// Istio also accepts (the generic keys win when both are present, as in
// Istio's pilot/pkg/credentials/kube). A folder with only a CA bundle is a
// CA-only credential (Istio's `<name>-cacert` secret).
//
// Every credential is checked before it is served: PEM that parses, a key
// that belongs to the certificate, certificates inside their validity. Each
// problem is reported with the file's path and a stable code; a credential
// that fails keeps its last good version in force, so a bad edit never takes
// a working gateway down.
import fs from 'node:fs';
import path from 'node:path';
import { CaFileReader } from '../ca/ca-files.js';

/** File names of a credential's keys, in Istio's order of preference. */
export const CREDENTIAL_FILES = {
  generic: { cert: 'cert', key: 'key', ca: 'cacert' },
  tls: { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' },
} as const;

export const CREDENTIAL_DEFAULTS = {
  /** A certificate chain or key is a few KiB; a file larger than this is a mistake and is not read. */
  maxFileBytes: 1024 * 1024,
  /** The secrets folder inside the config folder. */
  folderName: 'secrets',
} as const;

/** One validated credential. PEM text as read; absent parts were not in the folder. */
export interface Credential {
  readonly name: string;
  /** Certificate chain and private key (both or neither). */
  readonly certChainPem?: string;
  readonly privateKeyPem?: string;
  /** CA bundle for verifying clients (MUTUAL) or servers. */
  readonly caPem?: string;
  /** Where each part was read from. */
  readonly files: readonly string[];
  /** notAfter of the leaf, ms since the epoch (for status). */
  readonly notAfter?: number;
}

/** Stable codes of credential problems (the CA's file checks, renamed for credentials, and the folder's own). */
export type CredentialIssueCode =
  | 'CREDENTIAL_FILE_MISSING' // removed while being read
  | 'CREDENTIAL_FILE_UNREADABLE'
  | 'CREDENTIAL_FILE_TOO_LARGE'
  | 'CREDENTIAL_PEM_INVALID'
  | 'CREDENTIAL_CERT_INVALID'
  | 'CREDENTIAL_CERT_EXPIRED'
  | 'CREDENTIAL_CERT_NOT_YET_VALID'
  | 'CREDENTIAL_KEY_INVALID'
  | 'CREDENTIAL_KEY_UNSUPPORTED'
  | 'CREDENTIAL_KEY_MISMATCH'
  | 'CREDENTIAL_INCOMPLETE' // a certificate without its key, or a key without its certificate
  | 'CREDENTIAL_EMPTY'; // a folder without any of the key files

export interface CredentialIssue {
  /** The credential (folder) name. */
  readonly name: string;
  /** The file (or folder) responsible. */
  readonly path: string;
  readonly code: CredentialIssueCode;
  readonly reason: string;
  /** True when an earlier good version of this credential keeps being served. */
  readonly keptLastGood: boolean;
}

/** The credentials in force and what was wrong with the folder when it was last read. */
export interface CredentialSnapshot {
  readonly dir: string;
  readonly credentials: ReadonlyMap<string, Credential>;
  readonly issues: readonly CredentialIssue[];
}

export const EMPTY_CREDENTIALS = (dir: string): CredentialSnapshot => ({ dir, credentials: new Map(), issues: [] });

/**
 * Reads and checks every credential under `dir` at wall time `now` (ms).
 * A credential that fails keeps its version from `previous`, if it had one.
 * A missing folder is no credentials, not an error. Unchanged credentials
 * keep their object from `previous` (so what is built from them is reused).
 */
export function readCredentialFolder(dir: string, now: number, previous?: CredentialSnapshot): CredentialSnapshot {
  const credentials = new Map<string, Credential>();
  const issues: CredentialIssue[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch {
    names = [];
  }
  for (const name of names) {
    const r = readCredential(path.join(dir, name), name, now);
    const old = previous?.credentials.get(name);
    if ('credential' in r) {
      credentials.set(name, old && sameCredential(old, r.credential) ? old : r.credential);
      continue;
    }
    if (old) credentials.set(name, old);
    for (const i of r.issues) issues.push({ ...i, name, keptLastGood: old !== undefined });
  }
  return { dir, credentials, issues };
}

function sameCredential(a: Credential, b: Credential): boolean {
  return a.certChainPem === b.certChainPem && a.privateKeyPem === b.privateKeyPem && a.caPem === b.caPem && a.files.join('\n') === b.files.join('\n');
}

type Problem = Omit<CredentialIssue, 'name' | 'keptLastGood'>;

/** One credential folder: the credential, or every problem found. */
export function readCredential(folder: string, name: string, now: number): { credential: Credential } | { issues: Problem[] } {
  const problems: Problem[] = [];
  const present = (f: string) => fs.existsSync(path.join(folder, f));
  const g = CREDENTIAL_FILES.generic;
  const t = CREDENTIAL_FILES.tls;
  const pair = present(g.cert) || present(g.key) ? g : t;
  const caFile = present(g.ca) ? g.ca : present(t.ca) ? t.ca : undefined;
  const hasCert = present(pair.cert);
  const hasKey = present(pair.key);
  if (!hasCert && !hasKey && !caFile) {
    return { issues: [{ path: folder, code: 'CREDENTIAL_EMPTY', reason: `no ${t.cert}/${t.key}/${t.ca} (or ${g.cert}/${g.key}/${g.ca}) files` }] };
  }
  if (hasCert !== hasKey) {
    const missing = hasCert ? pair.key : pair.cert;
    problems.push({ path: path.join(folder, missing), code: 'CREDENTIAL_INCOMPLETE', reason: `${missing} is missing: a certificate and its private key go together` });
  }
  const reader = new CaFileReader(now);
  const files: string[] = [];
  const text = (f: string): string | undefined => {
    const file = path.join(folder, f);
    try {
      const st = fs.statSync(file);
      if (st.size > CREDENTIAL_DEFAULTS.maxFileBytes) {
        problems.push({ path: file, code: 'CREDENTIAL_FILE_TOO_LARGE', reason: `file is ${st.size} bytes, over the limit of ${CREDENTIAL_DEFAULTS.maxFileBytes}; it is not read` });
        return undefined;
      }
    } catch {
      // read() reports it
    }
    const s = reader.read(file);
    if (s !== undefined) files.push(file);
    return s;
  };
  let certChainPem: string | undefined;
  let privateKeyPem: string | undefined;
  let notAfter: number | undefined;
  if (hasCert && hasKey) {
    const certFile = path.join(folder, pair.cert);
    const keyFile = path.join(folder, pair.key);
    const certText = text(pair.cert);
    const keyText = text(pair.key);
    const certs = certText !== undefined ? reader.certificates(certFile, certText) : [];
    const key = keyText !== undefined ? reader.privateKey(keyFile, keyText) : undefined;
    const leaf = certs[0];
    if (leaf) {
      reader.checkValidity(certFile, leaf, 'the certificate');
      notAfter = leaf.info.notAfter;
      if (key) reader.checkKeyMatches(keyFile, key, certFile, leaf);
    }
    certChainPem = certText;
    privateKeyPem = keyText;
  }
  let caPem: string | undefined;
  if (caFile) {
    const file = path.join(folder, caFile);
    const caText = text(caFile);
    if (caText !== undefined) {
      for (const c of reader.certificates(file, caText)) reader.checkValidity(file, c, `CA certificate ${c.info.serialHex}`);
      caPem = caText;
    }
  }
  for (const i of reader.issues) {
    problems.push({ path: i.path, code: i.code.replace(/^CA_/, 'CREDENTIAL_') as CredentialIssueCode, reason: i.reason });
  }
  if (problems.length) return { issues: problems };
  return {
    credential: {
      name,
      ...(certChainPem !== undefined ? { certChainPem } : {}),
      ...(privateKeyPem !== undefined ? { privateKeyPem } : {}),
      ...(caPem !== undefined ? { caPem } : {}),
      files,
      ...(notAfter !== undefined ? { notAfter } : {}),
    },
  };
}
