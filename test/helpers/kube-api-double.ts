// A Kubernetes API server test double: no kube-apiserver can run on these
// machines, so the Kubernetes-mode code is tested against this server over
// real HTTP(S), through the real @kubernetes/client-node. It keeps the parts
// of the API server's contract that list/watch clients depend on:
// - one global, monotonic resourceVersion (etcd's revision) stamped on every
//   write; lists carry the revision they were read at;
// - lists: resourceVersion unset (latest), "0" (any), N with
//   resourceVersionMatch NotOlderThan/Exact; chunking with limit/continue,
//   every page read at the first page's revision; 410 Expired when that
//   revision was compacted away;
// - watches: newline-delimited JSON events ADDED/MODIFIED/DELETED, BOOKMARK
//   when allowWatchBookmarks=true, an ERROR event with a 410 Expired Status
//   for a resourceVersion older than the retained history, label and field
//   selectors (an object leaving the selector is DELETED for that watcher),
//   timeoutSeconds;
// - create/get/update/patch (merge, JSON patch; strategic merge as merge for
//   built-in kinds)/delete, finalizers, generateName, 409 AlreadyExists and
//   409 Conflict on a stale resourceVersion, the status subresource,
//   namespaced and cluster-scoped kinds, namespaces that must exist,
//   discovery (/api, /apis, APIResourceLists), CRDs registered by
//   group/version/plural (directly or by creating a CustomResourceDefinition);
// - bearer-token auth (401), HTTPS with a self-signed certificate;
// - service-account tokens: TokenRequest (POST .../serviceaccounts/<sa>/token)
//   and issueServiceAccountToken() mint JWT-shaped tokens with audiences and
//   an expiry; TokenReview (POST /apis/authentication.k8s.io/v1/tokenreviews)
//   authenticates them as system:serviceaccount:<ns>:<sa> when they are
//   known, unexpired, their service account still exists and they carry one
//   of the requested audiences (none requested: the API server's own).
// What it does not model is listed in docs/kubernetes.md.
// Faults for tests: compact() (older revisions expire), breakWatches(),
// goOffline()/goOnline() (the port refuses connections, then serves again),
// bookmark().
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** One kind the double serves. */
export interface KindInfo {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Has a /status subresource: writes to the main resource keep status, /status writes only status. */
  readonly statusSubresource: boolean;
  /** A custom resource (list items keep kind/apiVersion; no strategic merge; unconditional update refused). */
  readonly custom: boolean;
  readonly shortNames?: readonly string[];
}

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

interface StoredEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Object after the event (for DELETED: the last state, with the deletion's resourceVersion). */
  readonly obj: KubeObject;
  /** Object before the event (undefined for ADDED). */
  readonly prev: KubeObject | undefined;
}

interface Watcher {
  readonly kind: KindInfo;
  readonly namespace: string | undefined;
  readonly labelSelector: LabelSelector;
  readonly fieldSelector: FieldSelector;
  readonly bookmarks: boolean;
  readonly res: http.ServerResponse;
  timer?: NodeJS.Timeout;
}

export interface KubeApiDoubleOptions {
  /** Serve HTTPS with a self-signed certificate (openssl must be installed). Default false. */
  readonly tls?: boolean;
  /** Require `Authorization: Bearer <token>`. Default: no auth. */
  readonly token?: string;
  /** Watch events kept per kind before older resourceVersions expire (410). Default 1000 (the watch cache's default order). */
  readonly historyLimit?: number;
  /** Namespaced objects need their Namespace to exist (the NamespaceLifecycle admission plugin). Default true. */
  readonly namespaceLifecycle?: boolean;
  /** Send BOOKMARK events to watchers that allow them every `bookmarkIntervalMs`. Default: only on bookmark(). */
  readonly bookmarkIntervalMs?: number;
}

/** The audience of service-account tokens minted without one, and of TokenReviews that ask for none. */
export const DOUBLE_API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

interface IssuedToken {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly uid: string;
  readonly audiences: readonly string[];
  /** ms since the epoch. */
  readonly expiresAt: number;
}

/** One request the double answered, for assertions (e.g. how many pages a chunked list took). */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
}

export const BUILTIN_KINDS: readonly KindInfo[] = [
  core('namespaces', 'Namespace', false, true, ['ns']),
  core('nodes', 'Node', false, true, ['no']),
  core('services', 'Service', true, true, ['svc']),
  core('endpoints', 'Endpoints', true, false, ['ep']),
  core('pods', 'Pod', true, true, ['po']),
  core('secrets', 'Secret', true, false),
  core('configmaps', 'ConfigMap', true, false, ['cm']),
  core('serviceaccounts', 'ServiceAccount', true, false, ['sa']),
  builtin('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true, false),
  builtin('apps', 'v1', 'deployments', 'Deployment', true, true, ['deploy']),
  builtin('apps', 'v1', 'replicasets', 'ReplicaSet', true, true, ['rs']),
  builtin('apps', 'v1', 'daemonsets', 'DaemonSet', true, true, ['ds']),
  builtin('apps', 'v1', 'statefulsets', 'StatefulSet', true, true, ['sts']),
  builtin('batch', 'v1', 'jobs', 'Job', true, true),
  builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', true, false),
  builtin('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, false),
  builtin('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, false),
  builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, true, ['crd', 'crds']),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false, false),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false, false),
  builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true, false),
  builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true, false),
];

function core(plural: string, kind: string, namespaced: boolean, status: boolean, shortNames?: string[]): KindInfo {
  return builtin('', 'v1', plural, kind, namespaced, status, shortNames);
}
function builtin(group: string, version: string, plural: string, kind: string, namespaced: boolean, statusSubresource: boolean, shortNames?: string[]): KindInfo {
  return { group, version, plural, kind, namespaced, statusSubresource, custom: false, ...(shortNames ? { shortNames } : {}) };
}

const apiVersionOf = (k: KindInfo): string => (k.group ? `${k.group}/${k.version}` : k.version);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** Istio's CRDs (the kinds weft reads), for registerCrd: all namespaced, all with a status subresource. */
export const ISTIO_CRDS: readonly KindInfo[] = [
  ...['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'WorkloadEntry', 'WorkloadGroup'].flatMap((kind) =>
    ['v1', 'v1beta1', 'v1alpha3'].map((version) => crd('networking.istio.io', version, kind)),
  ),
  ...['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'].flatMap((kind) => ['v1', 'v1beta1'].map((version) => crd('security.istio.io', version, kind))),
  ...['v1', 'v1alpha1'].map((version) => crd('telemetry.istio.io', version, 'Telemetry')),
];

function crd(group: string, version: string, kind: string): KindInfo {
  const lower = kind.toLowerCase();
  const plural = /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`; // gateways, authorizationpolicies
  return { group, version, plural, kind, namespaced: true, statusSubresource: true, custom: true };
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The double. start() it, point a kubeconfig at `url` (kubeconfigYaml()), stop() it. */
export class KubeApiDouble {
  /** Base URL, e.g. https://127.0.0.1:41234. */
  url = '';
  /** Every request answered, in order. */
  readonly requests: LoggedRequest[] = [];
  /** PEM of the self-signed serving certificate (tls only). */
  caPem = '';

  private readonly kinds = new Map<string, KindInfo>(); // "group/version/plural"
  private readonly store = new Map<string, Map<string, KubeObject>>(); // "group/plural" → "ns/name" → obj
  private readonly history = new Map<string, StoredEvent[]>(); // "group/plural" → events, oldest first
  /** Lowest resourceVersion a watch or exact list can start from, per "group/plural". */
  private readonly floor = new Map<string, number>();
  private rev = 1;
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<net.Socket>();
  private server: http.Server | undefined;
  private port = 0;
  private key = '';
  private cert = '';
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private nextIp = 10;
  /** Service-account tokens minted, by token text. */
  private readonly saTokens = new Map<string, IssuedToken>();

  private constructor(private readonly opts: KubeApiDoubleOptions) {
    for (const k of BUILTIN_KINDS) this.addKind(k);
  }

  static async start(opts: KubeApiDoubleOptions = {}): Promise<KubeApiDouble> {
    const d = new KubeApiDouble(opts);
    if (opts.tls) d.makeCertificate();
    await d.listen(0);
    if (opts.bookmarkIntervalMs) {
      d.bookmarkTimer = setInterval(() => d.bookmark(), opts.bookmarkIntervalMs);
      d.bookmarkTimer.unref();
    }
    return d;
  }

  /** The current global resourceVersion (the last write's). */
  get resourceVersion(): string {
    return String(this.rev);
  }

  /** A kubeconfig (YAML) whose current context points at the double. */
  kubeconfigYaml(namespace = 'default'): string {
    const cluster = this.opts.tls ? `    certificate-authority-data: ${Buffer.from(this.caPem).toString('base64')}\n    server: ${this.url}` : `    insecure-skip-tls-verify: true\n    server: ${this.url}`; // client-node refuses plain http:// otherwise
    const user = this.opts.token ? `    token: ${this.opts.token}` : '    {}';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: double',
      '  cluster:',
      cluster,
      'users:',
      '- name: tester',
      '  user:',
      user,
      'contexts:',
      '- name: double',
      '  context:',
      '    cluster: double',
      '    user: tester',
      `    namespace: ${namespace}`,
      'current-context: double',
      '',
    ].join('\n');
  }

  /** Writes kubeconfigYaml() to a file in `dir` (default: a new temp folder) and returns its path. */
  writeKubeconfig(dir?: string): string {
    const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kubeconfig-'));
    const p = path.join(d, 'kubeconfig');
    fs.writeFileSync(p, this.kubeconfigYaml());
    return p;
  }

  /** Serves a custom resource kind (as if its CRD were established). */
  registerCrd(k: Omit<KindInfo, 'custom' | 'statusSubresource'> & { statusSubresource?: boolean }): void {
    this.addKind({ statusSubresource: true, ...k, custom: true });
  }

  /** Registers every Istio kind weft reads (ISTIO_CRDS). */
  registerIstioCrds(): void {
    for (const k of ISTIO_CRDS) this.addKind(k);
  }

  /** Creates or replaces an object directly (no HTTP), with the same bookkeeping as an API write. Returns the stored copy. */
  put(obj: KubeObject): KubeObject {
    const kind = this.kindOfObject(obj);
    const ns = kind.namespaced ? obj.metadata?.namespace ?? 'default' : undefined;
    const existing = this.get(kind, ns, obj.metadata?.name ?? '');
    const body = clone(obj);
    if (ns !== undefined) body.metadata!.namespace = ns;
    if (existing) {
      body.metadata!.resourceVersion = existing.metadata!.resourceVersion;
      return this.update(kind, ns, body, 'all', existing);
    }
    return this.create(kind, ns, body);
  }

  /** Deletes an object directly (no HTTP); false when absent. */
  remove(apiVersion: string, kindName: string, namespace: string | undefined, name: string): boolean {
    const kind = this.kindByName(apiVersion, kindName);
    const existing = this.get(kind, kind.namespaced ? namespace ?? 'default' : undefined, name);
    if (!existing) return false;
    this.deleteObject(kind, existing);
    return true;
  }

  /** A stored object (a copy), or undefined. */
  object(apiVersion: string, kindName: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const kind = this.kindByName(apiVersion, kindName);
    return clone(this.get(kind, kind.namespaced ? namespace ?? 'default' : undefined, name));
  }

  /**
   * Mints a service-account token for `namespace`/`serviceAccount` (which
   * must exist), as TokenRequest does; `expiresAt` (ms) may lie in the past,
   * for tests of expired tokens. Default: audience DOUBLE_API_AUDIENCE, 1 hour.
   */
  issueServiceAccountToken(namespace: string, serviceAccount: string, opts: { audiences?: readonly string[]; expirationSeconds?: number; expiresAt?: number } = {}): string {
    const kind = this.kindByName('v1', 'ServiceAccount');
    const sa = this.get(kind, namespace, serviceAccount);
    if (!sa) throw new HttpError(404, 'NotFound', `serviceaccounts "${serviceAccount}" not found`, { name: serviceAccount, kind: 'serviceaccounts' });
    const audiences = opts.audiences?.length ? [...opts.audiences] : [DOUBLE_API_AUDIENCE];
    const now = Date.now();
    const expiresAt = opts.expiresAt ?? now + (opts.expirationSeconds ?? 3600) * 1000;
    const uid = String(sa.metadata?.uid ?? '');
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    // JWT-shaped like the API server's (claims readable); the signature is random bytes: only this double can vouch for it
    const token = [
      b64({ alg: 'RS256', kid: 'weft-double' }),
      b64({
        aud: audiences, exp: Math.floor(expiresAt / 1000), iat: Math.floor(now / 1000), iss: DOUBLE_API_AUDIENCE,
        sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
        'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount, uid } },
      }),
      randomBytes(32).toString('base64url'),
    ].join('.');
    this.saTokens.set(token, { namespace, serviceAccount, uid, audiences, expiresAt });
    return token;
  }

  /** A TokenReview's status for `token` and the requested audiences. */
  private reviewToken(token: string, requested: readonly string[]): Record<string, unknown> {
    const t = this.saTokens.get(token);
    const fail = (error: string): Record<string, unknown> => ({ authenticated: false, user: {}, error });
    if (!t) return fail('[invalid bearer token, square/go-jose: error in cryptographic primitive]');
    if (t.expiresAt <= Date.now()) return fail('[invalid bearer token, service account token has expired]');
    const sa = this.get(this.kindByName('v1', 'ServiceAccount'), t.namespace, t.serviceAccount);
    if (!sa || String(sa.metadata?.uid ?? '') !== t.uid) return fail(`[invalid bearer token, service account ${t.namespace}/${t.serviceAccount} has been deleted]`);
    const wanted = requested.length ? requested : [DOUBLE_API_AUDIENCE];
    const audiences = t.audiences.filter((a) => wanted.includes(a));
    if (!audiences.length) return fail(`[invalid bearer token, token audiences ${JSON.stringify(t.audiences)} is invalid for the target audiences ${JSON.stringify(wanted)}]`);
    return {
      authenticated: true,
      audiences,
      user: {
        username: `system:serviceaccount:${t.namespace}:${t.serviceAccount}`,
        uid: t.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${t.namespace}`, 'system:authenticated'],
      },
    };
  }

  /** TokenReview and TokenRequest, which store nothing; undefined for any other request. */
  private routeTokens(method: string, parts: readonly string[], body: string): { status: number; body: unknown } | undefined {
    if (method !== 'POST') return undefined;
    if (parts.length === 4 && parts[0] === 'apis' && parts[1] === 'authentication.k8s.io' && parts[2] === 'v1' && parts[3] === 'tokenreviews') {
      const obj = parseBody(body) as KubeObject & { spec?: { token?: unknown; audiences?: unknown } };
      if (obj.kind !== 'TokenReview') throw new HttpError(400, 'BadRequest', `kind "${String(obj.kind)}" is not TokenReview`);
      const token = obj.spec?.token;
      if (typeof token !== 'string' || token === '') throw new HttpError(422, 'Invalid', 'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value');
      const aud = Array.isArray(obj.spec?.audiences) ? (obj.spec!.audiences as unknown[]).map(String) : [];
      return { status: 201, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: obj.spec, status: this.reviewToken(token, aud) } };
    }
    // /api/v1/namespaces/<ns>/serviceaccounts/<sa>/token
    if (parts.length === 7 && parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'namespaces' && parts[4] === 'serviceaccounts' && parts[6] === 'token') {
      const obj = parseBody(body) as KubeObject & { spec?: { audiences?: unknown; expirationSeconds?: unknown } };
      const aud = Array.isArray(obj.spec?.audiences) ? (obj.spec!.audiences as unknown[]).map(String) : [];
      const secs = typeof obj.spec?.expirationSeconds === 'number' ? obj.spec.expirationSeconds : 3600;
      if (secs < 600) throw new HttpError(422, 'Invalid', 'spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes');
      const token = this.issueServiceAccountToken(parts[3], parts[5], { audiences: aud, expirationSeconds: secs });
      const t = this.saTokens.get(token)!;
      return {
        status: 201,
        body: {
          apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: parts[5], namespace: parts[3] },
          spec: { audiences: [...t.audiences], expirationSeconds: secs },
          status: { token, expirationTimestamp: new Date(t.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') },
        },
      };
    }
    return undefined;
  }

  /** Forgets history up to the current revision: watches and exact lists from older resourceVersions get 410 Expired. */
  compact(): void {
    for (const key of this.store.keys()) {
      this.history.set(key, []);
      this.floor.set(key, this.rev);
    }
  }

  /** Ends every open watch stream (the server side closes), as an API server restart or a load balancer would. */
  breakWatches(): void {
    for (const w of [...this.watchers]) this.endWatch(w, true);
  }

  /** Sends a BOOKMARK at the current revision to every watcher that allowed bookmarks. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      this.send(w, { type: 'BOOKMARK', object: { kind: w.kind.kind, apiVersion: apiVersionOf(w.kind), metadata: { resourceVersion: String(this.rev) } } });
    }
  }

  /** Number of open watch streams (optionally of one plural). */
  watchCount(plural?: string): number {
    let n = 0;
    for (const w of this.watchers) if (!plural || w.kind.plural === plural) n++;
    return n;
  }

  /** Closes the listening socket and every connection: clients see connection refused until goOnline(). */
  async goOffline(): Promise<void> {
    for (const w of [...this.watchers]) this.endWatch(w, true);
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      for (const sock of this.sockets) sock.destroy();
    });
  }

  /** Serves again on the same port. */
  async goOnline(): Promise<void> {
    if (this.server) return;
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    await this.goOffline();
  }

  // ---- HTTP ----

  private listen(port: number): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => this.onRequest(req, res);
    const server = this.opts.tls ? https.createServer({ key: this.key, cert: this.cert }, handler) : http.createServer(handler);
    server.keepAliveTimeout = 60_000;
    server.on(this.opts.tls ? 'secureConnection' : 'connection', (sock: net.Socket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address() as net.AddressInfo;
        this.port = addr.port;
        this.url = `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}`;
        resolve();
      });
    });
  }

  private makeCertificate(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kube-double-'));
    try {
      const r = spawnSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
        '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      ], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
      this.key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
      this.cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      this.caPem = this.cert;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://double');
      const query = Object.fromEntries(u.searchParams);
      const log = (status: number): void => {
        this.requests.push({ method: req.method ?? 'GET', path: u.pathname, query, status });
      };
      try {
        if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
        const body = Buffer.concat(chunks).toString('utf8');
        const out = this.route(req.method ?? 'GET', u.pathname, u.searchParams, body, req.headers['content-type'] ?? '', res);
        if (out === 'streaming') {
          log(200);
          return;
        }
        log(out.status);
        reply(res, out.status, out.body);
      } catch (e) {
        const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', e instanceof Error ? e.message : String(e));
        log(err.code);
        reply(res, err.code, statusObject(err));
      }
    });
  }

  /** Dispatches one request; 'streaming' when a watch took the response. */
  private route(method: string, pathname: string, q: URLSearchParams, body: string, contentType: string, res: http.ServerResponse): { status: number; body: unknown } | 'streaming' {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'GET' && parts.length === 1 && parts[0] === 'api') return { status: 200, body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } };
    if (method === 'GET' && parts.length === 1 && parts[0] === 'apis') return { status: 200, body: this.groupList() };
    if (method === 'GET' && parts[0] === 'version' && parts.length === 1) return { status: 200, body: { major: '1', minor: '31', gitVersion: 'v1.31.0-weft-double', platform: 'linux/amd64' } };
    const tokens = this.routeTokens(method, parts, body);
    if (tokens) return tokens;
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api') {
      group = '';
      version = parts[1] ?? '';
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      group = parts[1] ?? '';
      version = parts[2] ?? '';
      rest = parts.slice(3);
      if (method === 'GET' && parts.length === 2) return { status: 200, body: this.groupInfo(group) };
    } else throw new HttpError(404, 'NotFound', `the server could not find the requested resource`);
    if (method === 'GET' && rest.length === 0) return { status: 200, body: this.resourceList(group, version) };
    let namespace: string | undefined;
    // /namespaces/<ns>/<plural>... is a namespaced path; /namespaces/<name>[/status] is the Namespace itself.
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && rest[2] === 'status')) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const kind = this.kinds.get(`${group}/${version}/${rest[0]}`);
    if (!kind) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (namespace !== undefined && !kind.namespaced) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const name = rest[1];
    const sub = rest[2];
    if (rest.length > 3 || (sub !== undefined && sub !== 'status') || (sub === 'status' && !kind.statusSubresource)) {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (name === undefined) {
      if (method === 'GET') {
        const watch = q.get('watch');
        if (watch === 'true' || watch === '1') {
          this.startWatch(kind, namespace, q, res);
          return 'streaming';
        }
        return { status: 200, body: this.list(kind, namespace, q) };
      }
      if (method === 'POST') {
        if (kind.namespaced && namespace === undefined) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const obj = parseBody(body);
        this.checkTypeMeta(kind, obj);
        const objNs = obj.metadata?.namespace;
        if (kind.namespaced && objNs !== undefined && objNs !== '' && objNs !== namespace) {
          throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        }
        if (q.get('dryRun') === 'All') return { status: 201, body: this.prepareCreate(kind, namespace, obj) };
        return { status: 201, body: this.create(kind, namespace, obj) };
      }
      throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const existing = this.get(kind, namespace, name);
    const notFound = (): HttpError =>
      new HttpError(404, 'NotFound', `${kind.plural}${kind.group ? `.${kind.group}` : ''} "${name}" not found`, { name, group: kind.group, kind: kind.plural });
    if (method === 'GET') {
      if (!existing) throw notFound();
      return { status: 200, body: this.typed(kind, existing) };
    }
    if (method === 'PUT') {
      if (!existing) throw notFound();
      const obj = parseBody(body);
      this.checkTypeMeta(kind, obj);
      if (obj.metadata?.name !== undefined && obj.metadata.name !== name) throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
      obj.metadata = { ...obj.metadata, name };
      if (namespace !== undefined) obj.metadata.namespace = namespace;
      const rv = obj.metadata.resourceVersion;
      if (rv === undefined || rv === '') {
        if (kind.custom) throw invalid(kind, name, 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
      } else if (rv !== existing.metadata!.resourceVersion) throw conflict(kind, name);
      return { status: 200, body: this.typed(kind, this.update(kind, namespace, obj, sub === 'status' ? 'status' : 'main', existing)) };
    }
    if (method === 'PATCH') {
      if (!existing) throw notFound();
      const patched = this.applyPatch(kind, existing, body, contentType.split(';')[0]!.trim());
      const rv = patched.metadata?.resourceVersion;
      if (rv !== undefined && rv !== existing.metadata!.resourceVersion) throw conflict(kind, name);
      patched.metadata = { ...patched.metadata, name, resourceVersion: existing.metadata!.resourceVersion };
      if (namespace !== undefined) patched.metadata.namespace = namespace;
      return { status: 200, body: this.typed(kind, this.update(kind, namespace, patched, sub === 'status' ? 'status' : 'main', existing)) };
    }
    if (method === 'DELETE') {
      if (!existing) throw notFound();
      if (sub) throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const opts = body ? parseBody(body) : {};
      const pre = (opts as { preconditions?: { resourceVersion?: string } }).preconditions?.resourceVersion;
      if (pre !== undefined && pre !== existing.metadata!.resourceVersion) throw conflict(kind, name);
      const after = this.deleteObject(kind, existing);
      // Held by finalizers: the object (now with deletionTimestamp); deleted at once: a Success Status, as the API server answers.
      if (after.metadata!.deletionTimestamp && this.get(kind, namespace, name)) return { status: 200, body: this.typed(kind, after) };
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: kind.group, kind: kind.plural, uid: after.metadata!.uid } } };
    }
    throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  // ---- store ----

  /** A response copy of a stored object, with its kind and apiVersion. */
  private typed(kind: KindInfo, o: KubeObject): KubeObject {
    return { ...clone(o), apiVersion: o.apiVersion ?? apiVersionOf(kind), kind: kind.kind };
  }

  private addKind(k: KindInfo): void {
    this.kinds.set(`${k.group}/${k.version}/${k.plural}`, k);
    const sk = storeKey(k);
    if (!this.store.has(sk)) {
      this.store.set(sk, new Map());
      this.history.set(sk, []);
      this.floor.set(sk, this.rev);
    }
  }

  private kindOfObject(obj: KubeObject): KindInfo {
    if (!obj.apiVersion || !obj.kind) throw new Error('object needs apiVersion and kind');
    return this.kindByName(obj.apiVersion, obj.kind);
  }

  private kindByName(apiVersion: string, kindName: string): KindInfo {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    for (const k of this.kinds.values()) if (k.group === group && k.version === version && k.kind === kindName) return k;
    throw new Error(`the double does not serve ${apiVersion} ${kindName}`);
  }

  private get(kind: KindInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(storeKey(kind))!.get(objKey(namespace, name));
  }

  private checkTypeMeta(kind: KindInfo, obj: KubeObject): void {
    if (obj.kind !== undefined && obj.kind !== kind.kind) throw new HttpError(400, 'BadRequest', `the kind of the object (${obj.kind}) does not match the kind on the URL (${kind.kind})`);
    // An apiVersion of another version of the same group is accepted (the server converts; the double stores as sent).
  }

  private prepareCreate(kind: KindInfo, namespace: string | undefined, input: KubeObject): KubeObject {
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(kind);
    obj.kind = kind.kind;
    const md = (obj.metadata = { ...(obj.metadata ?? {}) });
    if (!md.name && md.generateName) md.name = `${md.generateName}${randomUUID().slice(0, 5)}`;
    if (!md.name) throw invalid(kind, '', 'metadata.name: Required value: name or generateName is required');
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(md.name) || md.name.length > 253) {
      throw invalid(kind, md.name, `metadata.name: Invalid value: "${md.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
    }
    if (kind.namespaced) {
      md.namespace = namespace ?? md.namespace ?? 'default';
      if ((this.opts.namespaceLifecycle ?? true) && !this.store.get('/namespaces')!.has(objKey(undefined, md.namespace))) {
        throw new HttpError(404, 'NotFound', `namespaces "${md.namespace}" not found`, { name: md.namespace, kind: 'namespaces' });
      }
    } else delete md.namespace;
    if (this.get(kind, kind.namespaced ? md.namespace : undefined, md.name)) {
      throw new HttpError(409, 'AlreadyExists', `${kind.plural}${kind.group ? `.${kind.group}` : ''} "${md.name}" already exists`, { name: md.name, group: kind.group, kind: kind.plural });
    }
    md.uid = randomUUID();
    md.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    md.generation = 1;
    delete md.resourceVersion;
    delete md.deletionTimestamp;
    if (kind.statusSubresource && kind.custom) delete obj.status; // status is set only through /status
    this.defaults(kind, obj);
    return obj;
  }

  private create(kind: KindInfo, namespace: string | undefined, input: KubeObject): KubeObject {
    const obj = this.prepareCreate(kind, namespace, input);
    obj.metadata!.resourceVersion = String(++this.rev);
    this.store.get(storeKey(kind))!.set(objKey(obj.metadata!.namespace, obj.metadata!.name!), obj);
    this.record(kind, 'ADDED', obj, undefined);
    if (kind.plural === 'customresourcedefinitions' && kind.group === 'apiextensions.k8s.io') this.establishCrd(obj);
    return clone(obj);
  }

  /** part: 'main' keeps status when the kind has a status subresource; 'status' changes only status; 'all' (direct put) takes everything. */
  private update(kind: KindInfo, namespace: string | undefined, input: KubeObject, part: 'main' | 'status' | 'all', existing: KubeObject): KubeObject {
    let next: KubeObject;
    if (part === 'status') {
      next = { ...clone(existing), status: clone(input.status) };
      if (input.status === undefined) delete next.status;
    } else {
      next = clone(input);
      next.apiVersion = apiVersionOf(kind);
      next.kind = kind.kind;
      const md = (next.metadata = { ...(next.metadata ?? {}) });
      const old = existing.metadata!;
      md.uid = old.uid;
      md.creationTimestamp = old.creationTimestamp;
      md.generation = old.generation;
      if (old.deletionTimestamp) md.deletionTimestamp = old.deletionTimestamp;
      else delete md.deletionTimestamp;
      if (kind.namespaced) md.namespace = namespace ?? old.namespace;
      if (part === 'main' && kind.statusSubresource) {
        if (existing.status === undefined) delete next.status;
        else next.status = clone(existing.status);
      }
      if (specOf(next) !== specOf(existing)) md.generation = (old.generation ?? 1) + 1;
    }
    if (JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: '' } }) === JSON.stringify({ ...existing, metadata: { ...existing.metadata, resourceVersion: '' } })) {
      return clone(existing); // a no-op write changes nothing, as the API server skips it
    }
    next.metadata!.resourceVersion = String(++this.rev);
    if (next.metadata!.deletionTimestamp && (next.metadata!.finalizers ?? []).length === 0) {
      this.store.get(storeKey(kind))!.delete(objKey(next.metadata!.namespace, next.metadata!.name!));
      this.record(kind, 'DELETED', next, existing);
      return clone(next);
    }
    this.store.get(storeKey(kind))!.set(objKey(next.metadata!.namespace, next.metadata!.name!), next);
    this.record(kind, 'MODIFIED', next, existing);
    return clone(next);
  }

  private deleteObject(kind: KindInfo, existing: KubeObject): KubeObject {
    const md = existing.metadata!;
    if ((md.finalizers ?? []).length > 0) {
      if (md.deletionTimestamp) return clone(existing);
      const next = clone(existing);
      next.metadata!.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      next.metadata!.resourceVersion = String(++this.rev);
      this.store.get(storeKey(kind))!.set(objKey(md.namespace, md.name!), next);
      this.record(kind, 'MODIFIED', next, existing);
      return clone(next);
    }
    const gone = clone(existing);
    gone.metadata!.resourceVersion = String(++this.rev);
    this.store.get(storeKey(kind))!.delete(objKey(md.namespace, md.name!));
    this.record(kind, 'DELETED', gone, existing);
    return clone(gone);
  }

  private defaults(kind: KindInfo, obj: KubeObject): void {
    if (kind.group === '' && kind.kind === 'Service') {
      const spec = ((obj.spec as Record<string, unknown> | undefined) ?? (obj.spec = {})) as Record<string, unknown>;
      spec.type ??= 'ClusterIP';
      if (spec.type !== 'ExternalName' && (spec.clusterIP === undefined || spec.clusterIP === '')) {
        const ip = `10.96.${Math.floor(this.nextIp / 250)}.${(this.nextIp % 250) + 1}`;
        this.nextIp++;
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      for (const p of (spec.ports as Record<string, unknown>[] | undefined) ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
    }
    if (kind.group === '' && kind.kind === 'Namespace') {
      const md = obj.metadata!;
      md.labels = { ...(md.labels ?? {}), 'kubernetes.io/metadata.name': md.name! };
    }
  }

  private establishCrd(crdObj: KubeObject): void {
    const spec = crdObj.spec as { group?: string; names?: { plural?: string; kind?: string; shortNames?: string[] }; scope?: string; versions?: { name: string; served?: boolean; subresources?: { status?: unknown } }[] } | undefined;
    if (!spec?.group || !spec.names?.plural || !spec.names.kind) return;
    for (const v of spec.versions ?? []) {
      if (v.served === false) continue;
      this.addKind({
        group: spec.group,
        version: v.name,
        plural: spec.names.plural,
        kind: spec.names.kind,
        namespaced: spec.scope !== 'Cluster',
        statusSubresource: v.subresources?.status !== undefined,
        custom: true,
        ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
      });
    }
  }

  private record(kind: KindInfo, type: StoredEvent['type'], obj: KubeObject, prev: KubeObject | undefined): void {
    const sk = storeKey(kind);
    const h = this.history.get(sk)!;
    h.push({ rv: Number(obj.metadata!.resourceVersion), type, obj: clone(obj), prev: clone(prev) });
    const limit = this.opts.historyLimit ?? 1000;
    while (h.length > limit) {
      const dropped = h.shift()!;
      this.floor.set(sk, dropped.rv);
    }
    for (const w of this.watchers) if (storeKey(w.kind) === sk) this.deliver(w, type, obj, prev);
  }

  // ---- list ----

  /** Objects of a kind as they were at revision `at` (from the retained history); 410 when compacted. */
  private snapshotAt(kind: KindInfo, at: number): Map<string, KubeObject> {
    const sk = storeKey(kind);
    if (at >= this.rev) return this.store.get(sk)!;
    if (at < this.floor.get(sk)!) throw expired(`The resourceVersion for the provided list is too old.`);
    const snap = new Map(this.store.get(sk)!);
    const h = this.history.get(sk)!;
    for (let i = h.length - 1; i >= 0 && h[i]!.rv > at; i--) {
      const ev = h[i]!;
      const k = objKey(ev.obj.metadata!.namespace, ev.obj.metadata!.name!);
      if (ev.prev === undefined) snap.delete(k);
      else snap.set(k, ev.prev);
    }
    return snap;
  }

  private list(kind: KindInfo, namespace: string | undefined, q: URLSearchParams): unknown {
    const labelSel = parseLabelSelector(q.get('labelSelector') ?? '');
    const fieldSel = parseFieldSelector(q.get('fieldSelector') ?? '');
    const limit = Number(q.get('limit') ?? '0');
    const cont = q.get('continue');
    let at = this.rev;
    let after = '';
    if (cont) {
      let token: { rv: number; start: string };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { rv: number; start: string };
      } catch {
        throw new HttpError(400, 'BadRequest', 'continue key is not valid');
      }
      if (q.get('resourceVersion')) throw new HttpError(400, 'BadRequest', 'specifying resource version is not allowed when using continue');
      if (token.rv < this.floor.get(storeKey(kind))!) {
        throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      at = token.rv;
      after = token.start;
    } else {
      const rv = q.get('resourceVersion');
      const match = q.get('resourceVersionMatch');
      if (match && !rv) throw new HttpError(422, 'Invalid', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (rv && rv !== '0') {
        const n = Number(rv);
        if (!Number.isInteger(n) || n < 0) throw new HttpError(400, 'BadRequest', `invalid resource version: ${rv}`);
        if (match === 'Exact') at = n;
        else if (n > this.rev) {
          // The real server waits up to 3 s for the watch cache to catch up, then gives up.
          throw new HttpError(504, 'Timeout', `Too large resource version: ${n}, current: ${this.rev}`, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
        }
      }
    }
    const snap = this.snapshotAt(kind, at);
    const keys = [...snap.keys()].filter((k) => k > after).sort();
    const items: KubeObject[] = [];
    let next: string | undefined;
    let remaining = 0;
    for (const k of keys) {
      const o = snap.get(k)!;
      if (namespace !== undefined && o.metadata!.namespace !== namespace) continue;
      if (!labelSel(o.metadata!.labels ?? {}) || !fieldSel(o)) continue;
      if (limit > 0 && items.length >= limit) {
        remaining++;
        continue;
      }
      items.push(o);
      next = k;
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(at) };
    if (remaining > 0 && next !== undefined) {
      metadata.continue = Buffer.from(JSON.stringify({ rv: at, start: next })).toString('base64url');
      if (labelSel === ALL && fieldSel === ALL_FIELDS) metadata.remainingItemCount = remaining;
    }
    // Built-in lists' items carry no kind/apiVersion (the list's type says it); custom resources' do.
    const shaped = items.map((o) => {
      const c = clone(o);
      if (!kind.custom) {
        delete c.kind;
        delete c.apiVersion;
      }
      return c;
    });
    return { kind: `${kind.kind}List`, apiVersion: apiVersionOf(kind), metadata, items: shaped };
  }

  // ---- watch ----

  private startWatch(kind: KindInfo, namespace: string | undefined, q: URLSearchParams, res: http.ServerResponse): void {
    const rvParam = q.get('resourceVersion') ?? '';
    const w: Watcher = {
      kind,
      namespace,
      labelSelector: parseLabelSelector(q.get('labelSelector') ?? ''),
      fieldSelector: parseFieldSelector(q.get('fieldSelector') ?? ''),
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      res,
    };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    const sk = storeKey(kind);
    if (rvParam === '' || rvParam === '0') {
      // "Start at most recent" (unset) / "any" ("0"): synthetic ADDED for the current state, then changes.
      for (const k of [...this.store.get(sk)!.keys()].sort()) {
        const o = this.store.get(sk)!.get(k)!;
        if (this.visible(w, o)) this.send(w, { type: 'ADDED', object: o });
      }
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from) || from < this.floor.get(sk)!) {
        const err = expired(`too old resource version: ${rvParam} (${this.floor.get(sk)! + 1})`);
        res.end(`${JSON.stringify({ type: 'ERROR', object: statusObject(err) })}\n`);
        return;
      }
      for (const ev of this.history.get(sk)!) if (ev.rv > from) this.deliver(w, ev.type, ev.obj, ev.prev);
    }
    this.watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    if (timeout > 0) {
      w.timer = setTimeout(() => this.endWatch(w, false), timeout * 1000);
      w.timer.unref();
    }
    res.on('close', () => this.endWatch(w, false));
  }

  private visible(w: Watcher, o: KubeObject): boolean {
    if (w.namespace !== undefined && o.metadata!.namespace !== w.namespace) return false;
    return w.labelSelector(o.metadata!.labels ?? {}) && w.fieldSelector(o);
  }

  private deliver(w: Watcher, type: StoredEvent['type'], obj: KubeObject, prev: KubeObject | undefined): void {
    const now = this.visible(w, obj);
    const before = prev !== undefined && this.visible(w, prev);
    if (type === 'DELETED') {
      if (before || now) this.send(w, { type, object: obj });
      return;
    }
    if (now && (type === 'ADDED' || !before)) this.send(w, { type: 'ADDED', object: obj });
    else if (now) this.send(w, { type: 'MODIFIED', object: obj });
    else if (before) this.send(w, { type: 'DELETED', object: obj }); // left the selector
  }

  private send(w: Watcher, ev: { type: string; object: unknown }): void {
    if (w.res.writableEnded || w.res.destroyed) return;
    w.res.write(`${JSON.stringify(ev)}\n`);
  }

  private endWatch(w: Watcher, abrupt: boolean): void {
    if (!this.watchers.delete(w)) return;
    if (w.timer) clearTimeout(w.timer);
    if (abrupt) w.res.socket?.destroy();
    else if (!w.res.writableEnded) w.res.end();
  }

  // ---- patch ----

  private applyPatch(kind: KindInfo, existing: KubeObject, body: string, contentType: string): KubeObject {
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch (e) {
      throw new HttpError(400, 'BadRequest', `error decoding patch: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (contentType === 'application/merge-patch+json') return mergePatch(clone(existing), patch) as KubeObject;
    if (contentType === 'application/strategic-merge-patch+json') {
      if (kind.custom) throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
      return mergePatch(clone(existing), patch) as KubeObject; // the double does not model patchMergeKey: lists are replaced
    }
    if (contentType === 'application/json-patch+json') {
      if (!Array.isArray(patch)) throw new HttpError(400, 'BadRequest', 'json patch must be an array of operations');
      return jsonPatch(clone(existing), patch as JsonPatchOp[]) as KubeObject;
    }
    throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${kind.custom ? '' : ', application/strategic-merge-patch+json'}`);
  }

  // ---- discovery ----

  private resourceList(group: string, version: string): unknown {
    const resources: unknown[] = [];
    for (const k of this.kinds.values()) {
      if (k.group !== group || k.version !== version) continue;
      const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
      resources.push({ name: k.plural, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs, ...(k.shortNames ? { shortNames: k.shortNames } : {}) });
      if (k.statusSubresource) resources.push({ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: ['get', 'patch', 'update'] });
    }
    if (resources.length === 0) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  private groupInfo(group: string): unknown {
    const g = (this.groupList() as { groups: { name: string }[] }).groups.find((x) => x.name === group);
    if (!g) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    return { kind: 'APIGroup', apiVersion: 'v1', ...g };
  }

  private groupList(): unknown {
    const groups = new Map<string, string[]>();
    for (const k of this.kinds.values()) {
      if (!k.group) continue;
      const vs = groups.get(k.group) ?? [];
      if (!vs.includes(k.version)) vs.push(k.version);
      groups.set(k.group, vs);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, vs]) => ({
        name,
        versions: vs.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${vs[0]}`, version: vs[0] },
      })),
    };
  }
}

// ---- helpers ----

function storeKey(k: KindInfo): string {
  return `${k.group}/${k.plural}`;
}
function objKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}
function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}
function parseBody(body: string): KubeObject {
  try {
    const v = JSON.parse(body) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as KubeObject;
  } catch (e) {
    throw new HttpError(400, 'BadRequest', `the object provided is unrecognized: ${e instanceof Error ? e.message : String(e)}`);
  }
}
function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
function statusObject(e: HttpError): unknown {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, ...(e.details ? { details: e.details } : {}), code: e.code };
}
function expired(message: string): HttpError {
  return new HttpError(410, 'Expired', message);
}
function conflict(kind: KindInfo, name: string): HttpError {
  const gr = `${kind.plural}${kind.group ? `.${kind.group}` : ''}`;
  return new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${gr} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: kind.group, kind: kind.plural });
}
function invalid(kind: KindInfo, name: string, cause: string): HttpError {
  return new HttpError(422, 'Invalid', `${kind.kind} "${name}" is invalid: ${cause}`, { name, group: kind.group, kind: kind.kind });
}

type LabelSelector = (labels: Record<string, string>) => boolean;
type FieldSelector = (o: KubeObject) => boolean;
const ALL: LabelSelector = () => true;
const ALL_FIELDS: FieldSelector = () => true;

/** Kubernetes label selector syntax: a=b, a==b, a!=b, a, !a, a in (x,y), a notin (x,y), comma-joined. */
export function parseLabelSelector(s: string): LabelSelector {
  if (s.trim() === '') return ALL;
  const reqs: LabelSelector[] = [];
  const parts = s.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const key = m[1]!;
      const values = m[3]!.split(',').map((v) => v.trim());
      const inSet = m[2] === 'in';
      reqs.push((l) => (inSet ? key in l && values.includes(l[key]!) : !(key in l) || !values.includes(l[key]!)));
    } else if ((m = /^([\w./-]+)\s*(!=|==|=)\s*([\w./-]*)$/.exec(p))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      reqs.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = /^!([\w./-]+)$/.exec(p))) {
      const key = m[1]!;
      reqs.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(p))) {
      const key = m[1]!;
      reqs.push((l) => key in l);
    } else throw new HttpError(400, 'BadRequest', `unable to parse requirement: ${p}`);
  }
  return (l) => reqs.every((r) => r(l));
}

/** Field selectors on metadata.name and metadata.namespace (= == !=), as every kind supports. */
function parseFieldSelector(s: string): FieldSelector {
  if (s.trim() === '') return ALL_FIELDS;
  const reqs: FieldSelector[] = [];
  for (const raw of s.split(',')) {
    const m = /^(metadata\.name|metadata\.namespace)\s*(!=|==|=)\s*(.*)$/.exec(raw.trim());
    if (!m) throw new HttpError(400, 'BadRequest', `field label not supported: ${raw.split(/[!=]/)[0]}`);
    const field = m[1] === 'metadata.name' ? 'name' : 'namespace';
    const value = m[3]!;
    reqs.push(m[2] === '!=' ? (o) => o.metadata?.[field] !== value : (o) => o.metadata?.[field] === value);
  }
  return (o) => reqs.every((r) => r(o));
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/** RFC 6902 JSON patch; a failed operation (or test) is a 422, as the API server answers. */
export function jsonPatch(doc: unknown, ops: readonly JsonPatchOp[]): unknown {
  let root = doc;
  const pointer = (p: string): string[] => {
    if (p === '') return [];
    if (!p.startsWith('/')) throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: invalid JSON pointer ${p}`);
    return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  };
  const fail = (msg: string): never => {
    throw new HttpError(422, 'Invalid', `the server rejected our request due to an error in our request: ${msg}`);
  };
  const parentOf = (segs: string[]): { parent: unknown; last: string } => {
    let cur: unknown = root;
    for (const s of segs.slice(0, -1)) {
      if (cur === null || typeof cur !== 'object') fail(`path not found: /${segs.join('/')}`);
      cur = (cur as Record<string, unknown>)[s];
    }
    if (cur === null || typeof cur !== 'object') fail(`path not found: /${segs.join('/')}`);
    return { parent: cur, last: segs[segs.length - 1]! };
  };
  const getAt = (segs: string[]): unknown => {
    let cur: unknown = root;
    for (const s of segs) {
      if (cur === null || typeof cur !== 'object' || !(s in (cur as object))) fail(`path not found: /${segs.join('/')}`);
      cur = (cur as Record<string, unknown>)[s];
    }
    return cur;
  };
  const add = (segs: string[], value: unknown): void => {
    if (segs.length === 0) {
      root = value;
      return;
    }
    const { parent, last } = parentOf(segs);
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) fail(`index out of range: ${last}`);
      parent.splice(i, 0, value);
    } else (parent as Record<string, unknown>)[last] = value;
  };
  const remove = (segs: string[]): unknown => {
    const { parent, last } = parentOf(segs);
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (!Number.isInteger(i) || i < 0 || i >= parent.length) fail(`index out of range: ${last}`);
      return parent.splice(i, 1)[0];
    }
    if (!(last in (parent as object))) fail(`path not found: /${segs.join('/')}`);
    const v = (parent as Record<string, unknown>)[last];
    delete (parent as Record<string, unknown>)[last];
    return v;
  };
  for (const op of ops) {
    const segs = pointer(op.path);
    switch (op.op) {
      case 'add':
        add(segs, clone(op.value));
        break;
      case 'remove':
        remove(segs);
        break;
      case 'replace':
        remove(segs);
        add(segs, clone(op.value));
        break;
      case 'move': {
        const v = remove(pointer(op.from ?? ''));
        add(segs, v);
        break;
      }
      case 'copy':
        add(segs, clone(getAt(pointer(op.from ?? ''))));
        break;
      case 'test':
        if (JSON.stringify(getAt(segs)) !== JSON.stringify(op.value)) fail(`testing value /${segs.join('/')} failed`);
        break;
      default:
        fail(`unknown operation ${(op as { op: string }).op}`);
    }
  }
  return root;
}

/** Why the double cannot serve HTTPS here (openssl missing), or undefined when it can. */
export const OPENSSL_FOR_DOUBLE: string | undefined = spawnSync('openssl', ['version']).status === 0 ? undefined : 'openssl is not installed (the double makes its HTTPS certificate with it)';
