// Test certificates made with openssl in a temporary folder: a root CA and
// leaves with any SANs, key type and validity window (openssl ca, so a leaf
// can be expired or not yet valid). Test support only; nothing is committed.
import fs from 'node:fs';
import path from 'node:path';
import { OPENSSL_MISSING, opensslOk, tempDir } from '../../control/ca/ca-test-kit.js';

export { OPENSSL_MISSING };

export type TestKeyType = 'P-256' | 'P-384' | 'RSA-2048' | 'RSA-1024' | 'Ed25519';

export interface IssueOptions {
  readonly cn?: string;
  readonly dns?: readonly string[];
  readonly uris?: readonly string[];
  readonly ips?: readonly string[];
  readonly key?: TestKeyType;
  /** openssl dates, e.g. "20200101000000Z"; default: from an hour ago for 30 days. */
  readonly startDate?: string;
  readonly endDate?: string;
  /** Issue a CA certificate (basicConstraints CA:TRUE) instead of a leaf. */
  readonly isCa?: boolean;
  /** The issuer; default the kit's root. */
  readonly issuer?: TestCert;
}

export interface TestCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certPath: string;
  readonly keyPath: string;
}

export interface TestPki {
  readonly dir: string;
  readonly root: TestCert;
  issue(name: string, opts?: IssueOptions): TestCert;
  /** Writes `text` to a file in the kit's folder and returns its path. */
  write(name: string, text: string): string;
  cleanup(): void;
}

function genKey(dir: string, file: string, type: TestKeyType): void {
  const args: Record<TestKeyType, string[]> = {
    'P-256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    'P-384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
    'RSA-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    'RSA-1024': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
    Ed25519: ['-algorithm', 'ED25519'],
  };
  opensslOk(['genpkey', ...args[type], '-out', file], dir);
}

function opensslDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/** A root CA (ECDSA P-256) and a way to issue certificates under it. */
export function makeTestPki(prefix = 'weft-tls-'): TestPki {
  const { dir, cleanup } = tempDir(prefix);
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  fs.writeFileSync(path.join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = d', '[d]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'default_md = sha256',
    'policy = p', 'unique_subject = no', 'preserve = yes', '[p]', 'organizationName = optional', 'commonName = supplied', '',
  ].join('\n'));
  genKey(dir, 'root.key', 'P-256');
  opensslOk(['req', '-new', '-x509', '-key', 'root.key', '-subj', '/O=weft test/CN=Test Root CA', '-days', '30', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.crt'], dir);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const root: TestCert = { certPem: read('root.crt'), keyPem: read('root.key'), certPath: path.join(dir, 'root.crt'), keyPath: path.join(dir, 'root.key') };
  const issue = (name: string, opts: IssueOptions = {}): TestCert => {
    const issuer = opts.issuer ?? root;
    genKey(dir, `${name}.key`, opts.key ?? 'P-256');
    opensslOk(['req', '-new', '-key', `${name}.key`, '-subj', `/O=weft test/CN=${opts.cn ?? name}`, '-out', `${name}.csr`], dir);
    const sans = [...(opts.dns ?? []).map((d) => `DNS:${d}`), ...(opts.uris ?? []).map((u) => `URI:${u}`), ...(opts.ips ?? []).map((i) => `IP:${i}`)];
    fs.writeFileSync(path.join(dir, `${name}.ext`), [
      opts.isCa ? 'basicConstraints = critical, CA:TRUE' : 'basicConstraints = critical, CA:FALSE',
      opts.isCa ? 'keyUsage = critical, keyCertSign, cRLSign' : 'keyUsage = critical, digitalSignature, keyEncipherment',
      ...(opts.isCa ? [] : ['extendedKeyUsage = serverAuth, clientAuth']),
      ...(sans.length ? [`subjectAltName = ${sans.join(', ')}`] : []),
      '',
    ].join('\n'));
    const now = Date.now();
    opensslOk(['ca', '-batch', '-config', 'ca.cnf', '-cert', issuer.certPath, '-keyfile', issuer.keyPath, '-in', `${name}.csr`, '-out', `${name}.crt`,
      '-startdate', opts.startDate ?? opensslDate(now - 3600_000), '-enddate', opts.endDate ?? opensslDate(now + 30 * 86400_000),
      '-extfile', `${name}.ext`, '-notext'], dir);
    return { certPem: read(`${name}.crt`), keyPem: read(`${name}.key`), certPath: path.join(dir, `${name}.crt`), keyPath: path.join(dir, `${name}.key`) };
  };
  const write = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  return { dir, root, issue, write, cleanup };
}
