// The one seam between weft and the Kubernetes API server. Informers, the
// status writer and leader election depend on the narrow KubeClient
// interface; createKubeClient implements it with @kubernetes/client-node
// (its KubeConfig for the server, credentials and TLS; its Watch for watch
// streams; its fetch-based HTTP library for everything else). Objects stay
// plain JSON as the API server sends them: weft reads the fields it needs
// itself, at one boundary per kind (kube-objects.ts).
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext, Watch } from '@kubernetes/client-node';

/** One kind of object, by the parts of its API path. */
export interface KubeResource {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural of the API path, e.g. services. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** The parts of an object's metadata weft reads. */
export interface KubeMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  [field: string]: unknown;
}

export interface KubeList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  /** Continue token of the next page; absent on the last page. */
  readonly continueToken?: string;
}

export interface ListOptions {
  readonly limit?: number;
  readonly continueToken?: string;
  readonly labelSelector?: string;
  /** Only for tests and special reads; informers always list the latest state. */
  readonly resourceVersion?: string;
}

export interface WatchOptions {
  readonly resourceVersion: string;
  readonly allowWatchBookmarks: boolean;
  /** The server ends the watch after this long (the informer then watches again from where it was). */
  readonly timeoutSeconds?: number;
  readonly labelSelector?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  /** Ends the watch; the done callback is called (with no error). */
  abort(): void;
}

/** An error answered by the API server (a Status), or a transport failure (code 0). */
export class KubeApiError extends Error {
  constructor(
    /** HTTP status (410 Gone/Expired, 409 Conflict, 404 Not Found...), 0 when the server was not reached. */
    readonly code: number,
    /** The Status reason (Expired, Conflict, NotFound, AlreadyExists...) or the transport error's code. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/**
 * What weft needs from an API server. Every method rejects with a
 * KubeApiError; none retries (callers decide, with their clock).
 */
export interface KubeClient {
  /** The server's URL, for messages ("waiting for the Kubernetes API server at …"). */
  readonly server: string;
  /** One page of a list (items get kind and apiVersion filled in). */
  list(res: KubeResource, namespace: string | undefined, opts?: ListOptions): Promise<KubeList>;
  /**
   * Opens a watch. `onEvent` gets each event in order (ERROR events carry the
   * Status object); `onDone` is called once when the stream ends, with the
   * error when it failed. Resolves when the request is sent.
   */
  watch(res: KubeResource, namespace: string | undefined, opts: WatchOptions, onEvent: (type: WatchEventType, obj: KubeObject) => void, onDone: (err?: Error) => void): Promise<WatchHandle>;
  get(res: KubeResource, namespace: string | undefined, name: string): Promise<KubeObject>;
  create(res: KubeResource, obj: KubeObject): Promise<KubeObject>;
  /** PUT; 409 when obj.metadata.resourceVersion is stale. */
  replace(res: KubeResource, obj: KubeObject): Promise<KubeObject>;
  /** A JSON merge patch of the status subresource. */
  patchStatus(res: KubeResource, namespace: string | undefined, name: string, patch: unknown): Promise<KubeObject>;
}

/** A KubeConfig from a kubeconfig file, or the pod's own service account (in-cluster). */
export function loadKubeConfig(source: { kubeconfig: string } | { inCluster: true }): KubeConfig {
  const kc = new KubeConfig();
  if ('kubeconfig' in source) kc.loadFromFile(source.kubeconfig);
  else kc.loadFromCluster();
  if (!kc.getCurrentCluster()) throw new Error('the kubeconfig names no current cluster');
  return kc;
}

/** The API path of a collection or an object. */
export function resourcePath(res: KubeResource, namespace: string | undefined, name?: string, sub?: string): string {
  const base = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  const ns = res.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${res.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
}

export function apiVersionOf(res: KubeResource): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

export function createKubeClient(kc: KubeConfig): KubeClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster');
  const server = cluster.server.replace(/\/+$/, '');
  const http = new IsomorphicFetchHttpLibrary();
  const watcher = new Watch(kc);

  async function request(method: HttpMethod, path: string, query: Record<string, string | undefined>, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const ctx = new RequestContext(url.toString(), method);
    ctx.setHeaderParam('Accept', 'application/json');
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType);
      ctx.setBody(JSON.stringify(body));
    }
    let text: string;
    let status: number;
    try {
      await kc.applySecurityAuthentication(ctx);
      const resp = await http.send(ctx).toPromise();
      status = resp.httpStatusCode;
      text = await resp.body.text();
    } catch (e) {
      throw transportError(e);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new KubeApiError(status, 'BadResponse', `${method} ${path}: the API server answered ${status} with a body that is not JSON`);
    }
    if (status < 200 || status > 299) {
      const st = (parsed ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError(status, st.reason ?? `HTTP${status}`, `${method} ${path}: ${status} ${st.reason ?? ''} ${st.message ?? ''}`.trim());
    }
    return parsed;
  }

  const typed = (res: KubeResource, o: KubeObject): KubeObject => {
    if (!o.kind) o.kind = res.kind;
    if (!o.apiVersion) o.apiVersion = apiVersionOf(res);
    return o;
  };

  return {
    server,
    async list(res, namespace, opts = {}) {
      const body = (await request(HttpMethod.GET, resourcePath(res, namespace), {
        limit: opts.limit !== undefined ? String(opts.limit) : undefined,
        continue: opts.continueToken,
        labelSelector: opts.labelSelector,
        resourceVersion: opts.resourceVersion,
      })) as { items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } };
      const items = (body.items ?? []).map((o) => typed(res, o));
      const cont = body.metadata?.continue;
      return { items, resourceVersion: body.metadata?.resourceVersion ?? '', ...(cont ? { continueToken: cont } : {}) };
    },
    async watch(res, namespace, opts, onEvent, onDone) {
      let finished = false;
      const done = (err?: unknown): void => {
        if (finished) return;
        finished = true;
        onDone(err ? (err instanceof KubeApiError ? err : transportError(err)) : undefined);
      };
      const query: Record<string, string | boolean> = { resourceVersion: opts.resourceVersion, allowWatchBookmarks: opts.allowWatchBookmarks };
      if (opts.timeoutSeconds) query.timeoutSeconds = String(opts.timeoutSeconds);
      if (opts.labelSelector) query.labelSelector = opts.labelSelector;
      const controller = await watcher.watch(
        resourcePath(res, namespace),
        query,
        (type: string, obj: KubeObject) => {
          if (finished) return;
          if (type !== 'ERROR' && type !== 'BOOKMARK') typed(res, obj);
          onEvent(type as WatchEventType, obj);
        },
        (err: unknown) => {
          const code = (err as { statusCode?: number } | null)?.statusCode;
          if (code) done(new KubeApiError(code, `HTTP${code}`, `watch ${resourcePath(res, namespace)}: ${code} ${(err as Error).message}`));
          else done(err ?? undefined);
        },
      );
      return {
        abort: () => {
          done();
          controller.abort();
        },
      };
    },
    async get(res, namespace, name) {
      return typed(res, (await request(HttpMethod.GET, resourcePath(res, namespace, name), {})) as KubeObject);
    },
    async create(res, obj) {
      return typed(res, (await request(HttpMethod.POST, resourcePath(res, obj.metadata.namespace), {}, obj)) as KubeObject);
    },
    async replace(res, obj) {
      return typed(res, (await request(HttpMethod.PUT, resourcePath(res, obj.metadata.namespace, obj.metadata.name), {}, obj)) as KubeObject);
    },
    async patchStatus(res, namespace, name, patch) {
      return typed(res, (await request(HttpMethod.PATCH, resourcePath(res, namespace, name, 'status'), {}, patch, 'application/merge-patch+json')) as KubeObject);
    },
  };
}

function transportError(e: unknown): KubeApiError {
  if (e instanceof KubeApiError) return e;
  const err = e as { code?: string; errno?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? err.errno ?? 'ERROR';
  return new KubeApiError(0, String(code), err.message ?? String(e));
}
