// credentialName secrets from Kubernetes Secrets of one namespace (Istio reads
// a gateway's credentials from the namespace its pods run in: istio-system for
// the default ingress gateway), checked exactly as the secrets folder's
// credentials: `tls.crt`/`tls.key`/`ca.crt` (kubernetes.io/tls) or
// `cert`/`key`/`cacert` (Istio's generic form), the certificate valid now, the
// key parsing and matching it. A Secret with none of those keys is not a
// credential (service account tokens, registry pulls...) and is ignored. A
// Secret whose new version fails keeps its last good version serving, with the
// issue. Same snapshot type and listener contract as CredentialSource.
import { systemClock, type Clock } from '../common/clock.js';
import { CaFileReader } from '../control/ca/ca-files.js';
import { CREDENTIAL_FILES, type Credential, type CredentialIssue, type CredentialIssueCode, type CredentialSnapshot } from '../control/ingest/credential-folder.js';
import type { Informer } from './informer.js';
import type { KubeObject } from './kube-client.js';

/** One Secret → a credential, or every problem with it; undefined when it holds no credential keys at all. */
export function credentialFromSecret(secret: KubeObject, now: number): { credential: Credential } | { issues: Omit<CredentialIssue, 'keptLastGood'>[] } | undefined {
  const name = secret.metadata.name;
  const where = `kubernetes://${secret.metadata.namespace ?? ''}/${name}`;
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const value = (k: string): string | undefined => (typeof data[k] === 'string' ? Buffer.from(data[k] as string, 'base64').toString('utf8') : undefined);
  const g = CREDENTIAL_FILES.generic;
  const t = CREDENTIAL_FILES.tls;
  const pair = value(g.cert) !== undefined || value(g.key) !== undefined ? g : t;
  const certText = value(pair.cert);
  const keyText = value(pair.key);
  const caKey = value(g.ca) !== undefined ? g.ca : value(t.ca) !== undefined ? t.ca : undefined;
  if (certText === undefined && keyText === undefined && caKey === undefined) return undefined;
  const problems: Omit<CredentialIssue, 'keptLastGood'>[] = [];
  if ((certText === undefined) !== (keyText === undefined)) {
    const missing = certText === undefined ? pair.cert : pair.key;
    problems.push({ name, path: `${where}/${missing}`, code: 'CREDENTIAL_INCOMPLETE', reason: `${missing} is missing: a certificate and its private key go together` });
  }
  const reader = new CaFileReader(now);
  let notAfter: number | undefined;
  if (certText !== undefined && keyText !== undefined) {
    const certs = reader.certificates(`${where}/${pair.cert}`, certText);
    const key = reader.privateKey(`${where}/${pair.key}`, keyText);
    const leaf = certs[0];
    if (leaf) {
      reader.checkValidity(`${where}/${pair.cert}`, leaf, 'the certificate');
      notAfter = leaf.info.notAfter;
      if (key) reader.checkKeyMatches(`${where}/${pair.key}`, key, `${where}/${pair.cert}`, leaf);
    }
  }
  const caText = caKey !== undefined ? value(caKey) : undefined;
  if (caText !== undefined) for (const c of reader.certificates(`${where}/${caKey}`, caText)) reader.checkValidity(`${where}/${caKey}`, c, `CA certificate ${c.info.serialHex}`);
  for (const i of reader.issues) problems.push({ name, path: i.path, code: i.code.replace(/^CA_/, 'CREDENTIAL_') as CredentialIssueCode, reason: i.reason });
  if (problems.length > 0) return { issues: problems };
  return {
    credential: {
      name,
      ...(certText !== undefined ? { certChainPem: certText } : {}),
      ...(keyText !== undefined ? { privateKeyPem: keyText } : {}),
      ...(caText !== undefined ? { caPem: caText } : {}),
      files: [where],
      ...(notAfter !== undefined ? { notAfter } : {}),
    },
  };
}

export class KubeCredentialSource {
  /** Where the credentials come from, for messages ("Secrets of namespace istio-system"). */
  readonly dir: string;
  private current: CredentialSnapshot;
  private fingerprint = '';
  private readonly listeners = new Set<(s: CredentialSnapshot) => void>();
  private scheduled = false;
  private readonly clock: Clock;

  constructor(
    private readonly informer: Informer,
    readonly namespace: string,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
    this.dir = `Secrets of namespace ${namespace}`;
    this.current = { dir: this.dir, credentials: new Map(), issues: [] };
    informer.onEvent(() => this.schedule());
  }

  get snapshot(): CredentialSnapshot {
    return this.current;
  }

  onChange(cb: (s: CredentialSnapshot) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Resolves with the first snapshot once the Secrets have been listed (the informer is started by its owner). */
  async start(): Promise<CredentialSnapshot> {
    await this.informer.whenSynced();
    this.rebuild();
    return this.current;
  }

  stop(): void {
    this.listeners.clear();
  }

  /** Re-reads every Secret; listeners hear a changed snapshot. */
  rebuild(): CredentialSnapshot {
    this.scheduled = false;
    const credentials = new Map<string, Credential>();
    const issues: CredentialIssue[] = [];
    const secrets = this.informer.list().filter((s) => (s.metadata.namespace ?? '') === this.namespace).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    for (const s of secrets) {
      const r = credentialFromSecret(s, this.clock.wallNow());
      if (!r) continue;
      const old = this.current.credentials.get(s.metadata.name);
      if ('credential' in r) {
        const same = old && old.certChainPem === r.credential.certChainPem && old.privateKeyPem === r.credential.privateKeyPem && old.caPem === r.credential.caPem;
        credentials.set(s.metadata.name, same ? old : r.credential);
        continue;
      }
      if (old) credentials.set(s.metadata.name, old);
      for (const i of r.issues) issues.push({ ...i, keptLastGood: old !== undefined });
    }
    const fp = JSON.stringify([[...credentials.values()].map((c) => [c.name, c.certChainPem, c.caPem, c.privateKeyPem]), issues]);
    if (fp !== this.fingerprint) {
      this.fingerprint = fp;
      this.current = { dir: this.dir, credentials, issues };
      for (const cb of [...this.listeners]) cb(this.current);
    }
    return this.current;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.rebuild());
  }
}
