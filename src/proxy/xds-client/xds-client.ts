// weft proxy's xDS client: subscribes over ADS (state-of-the-world or
// delta), decodes and validates every resource (a bad one NACKs the whole
// response with every error and the last good config keeps serving), warms
// new clusters and listeners as Envoy does, and applies config to the
// running proxy without dropping requests. LDS and CDS may instead come from
// files (path_config_source, see file-subscription.ts): the same decoding and
// applying, with the file's errors logged and counted instead of a NACK.
// Secrets (SDS over ADS) ride the same stream, subscribed by name on demand;
// the SDS manager (tls/sds/) decodes them and answers ACK or NACK.
import { CFG, ConfigErrors } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import { SECRET_TYPE_URL } from '../../xds/type-urls.js';
import type {
  AnyMessage,
  envoy_config_cluster_v3_Cluster,
  envoy_config_listener_v3_Listener,
  envoy_service_discovery_v3_DeltaDiscoveryRequest,
  envoy_service_discovery_v3_DeltaDiscoveryResponse,
  envoy_service_discovery_v3_DiscoveryRequest,
  envoy_service_discovery_v3_DiscoveryResponse,
} from '../../xds/gen/types.js';
import type { ClusterConfig } from '../config/cluster.js';
import { grpcTarget } from '../config/address.js';
import type { DynamicResourcesConfig } from '../config/dynamic-resources.js';
import type { ListenerConfig } from '../config/listener.js';
import type { RouteTable } from '../route/route-table.js';
import type { DynamicState, XdsRuntime } from '../runtime.js';
import { ADS_DELTA_METHOD, ADS_SOTW_METHOD, AdsStream, type AdsTransport, type AdsTransportFactory } from './ads-stream.js';
import { FileSubscription } from './file-subscription.js';
import { nodeProto } from './node.js';
import type { AdsSecretChannel, AdsSecretTarget, SecretWarming } from '../tls/sds/secret-sources.js';
import { checkSdsRefs, clusterSdsRefs, listenerSdsRefs, type PlacedSdsRef, type SdsRefEnv } from '../tls/sds/sds-refs.js';

/** The per-type EDS service (eds_config.api_config_source). */
const EDS_SOTW_METHOD = '/envoy.service.endpoint.v3.EndpointDiscoveryService/StreamEndpoints';
import { CDS, EDS, LDS, RDS, RESOURCE_TYPES, statPrefix, type Endpoints, type ResourceType, type XdsKind } from './resource-types.js';

const REQ = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESP = 'envoy.service.discovery.v3.DiscoveryResponse';
const DREQ = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';
const DRESP = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';

/** A decoded resource as held by the client, with what config_dump shows of it. */
export interface Held<T> {
  value: T;
  version: string;
  source: unknown;
  lastUpdated: string;
}

interface TypeState {
  /** version_info of the last accepted (ACKed) SotW response. */
  version: string;
  nonce: string;
  /** Names subscribed (RDS/EDS); LDS/CDS are wildcard. */
  names: Set<string>;
  /** Whether a response was ever accepted. */
  received: boolean;
  lastNack?: string;
  /** A file source's first read was rejected: like Envoy, initialization does not wait for it. */
  initialFailed?: boolean;
}

/** Per-type sync status, for admin and `weft status`. */
export interface XdsTypeStatus {
  type: XdsKind;
  version: string;
  nonce: string;
  received: boolean;
  lastNack?: string;
}

export class XdsClient implements AdsSecretChannel {
  /** Absent when every dynamic type comes from a file (no ads_config). */
  private stream: AdsTransport | undefined;
  private readonly files: FileSubscription[] = [];
  private readonly state = new Map<XdsKind, TypeState>();
  private readonly listeners = new Map<string, Held<ListenerConfig>>();
  private readonly clusters = new Map<string, Held<ClusterConfig>>();
  private readonly routes = new Map<string, Held<RouteTable>>();
  private readonly endpoints = new Map<string, Held<Endpoints>>();
  /** EDS clusters waiting for their first endpoints (Envoy's cluster warming). */
  private readonly warming = new Set<string>();
  private live = false;
  private readonly log: Logger;
  private applyChain: Promise<void> = Promise.resolve();
  private initTimer: { cancel(): void } | undefined;
  /** SDS over ADS: names asked for by TLS contexts, and the stream state of the Secret type. */
  private readonly secretSub = { names: new Set<string>(), version: '', nonce: '' };

  /**
   * @param secrets where Secret responses go and what listeners and clusters
   *   warm on (the SDS manager); without it Secret responses are ignored and
   *   nothing waits for secrets.
   */
  constructor(private readonly proxy: XdsRuntime, private readonly cfg: DynamicResourcesConfig, private readonly secrets?: AdsSecretTarget & SecretWarming, transport?: AdsTransportFactory) {
    this.log = proxy.logs.logger('xds');
    for (const t of RESOURCE_TYPES) this.state.set(t.kind, { version: '', nonce: '', names: new Set(), received: false });
    const ctx = proxy.ctx;
    const delta = cfg.apiType === 'DELTA_GRPC';
    if (cfg.ldsPath) this.files.push(new FileSubscription(LDS as ResourceType<unknown>, cfg.ldsPath, this, proxy.ctx.stats, !cfg.withoutAds, this.log));
    if (cfg.cdsPath) this.files.push(new FileSubscription(CDS as ResourceType<unknown>, cfg.cdsPath, this, proxy.ctx.stats, !cfg.withoutAds, this.log));
    const make: AdsTransportFactory = transport ?? ((target, method, authority, handlers) => new AdsStream(target, method, authority, handlers, ctx.clock, ctx.random, this.log));
    this.stream = cfg.withoutAds ? undefined : make(
      () => {
        const c = ctx.clusters.get(cfg.cluster);
        const h = c?.pickHost();
        return h ? grpcTarget(h.address, h.port) : undefined;
      },
      cfg.edsOnly ? EDS_SOTW_METHOD : delta ? ADS_DELTA_METHOD : ADS_SOTW_METHOD,
      cfg.authority,
      {
        onOpen: () => this.onOpen(),
        onMessage: (b) => (delta ? this.onDeltaResponse(b) : this.onSotwResponse(b)),
        onClose: () => undefined,
      },
    );
    proxy.dynamicState = () => this.dynamicState();
    // A secret that arrives (or times out) may complete a warming listener or cluster.
    this.unwatchSecrets = secrets?.onSettled(() => {
      this.afterUpdate('CDS');
      this.afterUpdate('LDS');
    });
  }

  private readonly unwatchSecrets: (() => void) | undefined;

  /** Envoy's warming on secrets: every SDS secret a resource names has arrived or timed out. */
  private secretsWarm(refs: readonly PlacedSdsRef[]): boolean {
    if (!this.secrets) return true;
    let warm = true;
    // Every ref is asked for (fetching starts), not just up to the first cold one.
    for (const r of refs) if (!this.secrets.warmed(r.ref, r.initialFetchTimeoutMs)) warm = false;
    return warm;
  }

  start(): void {
    // Static EDS clusters are warming from the start.
    for (const c of this.proxy.bootstrap.clusters) if (c.type === 'EDS') this.state.get('EDS')!.names.add(c.edsServiceName ?? c.name);
    for (const l of this.proxy.bootstrap.listeners) this.addRdsNames(l, this.state.get('RDS')!.names);
    // initial_fetch_timeout 0 means wait for the first config without a time limit.
    if (this.cfg.initialFetchTimeoutMs > 0) this.initTimer = this.proxy.ctx.clock.setTimer(this.cfg.initialFetchTimeoutMs, () => {
      if (!this.live) {
        this.log.warn(`initial_fetch_timeout (${this.cfg.initialFetchTimeoutMs} ms) passed without a complete config; going LIVE with what there is`);
        this.goLive();
      }
    });
    // Files are read at once (and a missing one refuses the start, as in Envoy).
    for (const f of this.files) f.start();
    this.stream?.start();
  }

  stop(): void {
    this.unwatchSecrets?.();
    this.initTimer?.cancel();
    for (const f of this.files) f.stop();
    this.stream?.stop();
  }

  status(): XdsTypeStatus[] {
    return RESOURCE_TYPES.map((t) => {
      const s = this.state.get(t.kind)!;
      return { type: t.kind, version: s.version, nonce: s.nonce, received: s.received, ...(s.lastNack ? { lastNack: s.lastNack } : {}) };
    });
  }

  private node() {
    return nodeProto(this.proxy.bootstrap.node);
  }

  /** AdsSecretChannel: adds a secret to the Secret subscription (sent now when connected, else on connect). */
  subscribeSecret(name: string): void {
    const sub = this.secretSub;
    if (sub.names.has(name)) return;
    sub.names.add(name);
    if (!this.stream?.connected) return;
    if (this.cfg.apiType === 'DELTA_GRPC') this.sendDelta({ type_url: SECRET_TYPE_URL, resource_names_subscribe: [name] });
    else this.sendSecretRequest(sub.nonce);
  }

  private sendSecretRequest(nonce: string, error?: string): void {
    const sub = this.secretSub;
    const req: envoy_service_discovery_v3_DiscoveryRequest = {
      node: this.node(),
      type_url: SECRET_TYPE_URL,
      ...(sub.version ? { version_info: sub.version } : {}),
      resource_names: [...sub.names].sort(),
      ...(nonce ? { response_nonce: nonce } : {}),
      ...(error ? { error_detail: { code: 3, message: error } } : {}),
    };
    this.stream?.send(encodeBinary(REQ, req));
  }

  private onSecretResponse(version: string, nonce: string, resources: AnyMessage[], removed: string[], delta: boolean): void {
    const sub = this.secretSub;
    sub.nonce = nonce;
    const rejected = this.secrets ? this.secrets.adsUpdate(version, resources, removed) : undefined;
    if (rejected === undefined) sub.version = version;
    if (delta) this.sendDelta({ type_url: SECRET_TYPE_URL, response_nonce: nonce, ...(rejected !== undefined ? { error_detail: { code: 3, message: rejected } } : {}) });
    else this.sendSecretRequest(nonce, rejected);
  }

  private subscribedKinds(): ResourceType<unknown>[] {
    const out: ResourceType<unknown>[] = [];
    if (this.cfg.cds && !this.cfg.cdsPath) out.push(CDS as ResourceType<unknown>);
    out.push(EDS as ResourceType<unknown>);
    if (this.cfg.lds && !this.cfg.ldsPath) out.push(LDS as ResourceType<unknown>);
    out.push(RDS as ResourceType<unknown>);
    return out;
  }

  private onOpen(): void {
    // (Re)subscribe everything: CDS, EDS, LDS, RDS, with what we already have.
    for (const t of this.subscribedKinds()) {
      const st = this.state.get(t.kind)!;
      if (!t.wildcard && st.names.size === 0) continue;
      st.nonce = '';
      if (this.cfg.apiType === 'DELTA_GRPC') {
        const held = this.heldFor(t.kind);
        const initial: Record<string, string> = {};
        for (const [name, h] of held) initial[name] = h.version;
        this.sendDelta({ type_url: t.typeUrl, resource_names_subscribe: t.wildcard ? [] : [...st.names], ...(Object.keys(initial).length ? { initial_resource_versions: initial } : {}) });
      } else {
        this.sendSotw(t, st.version, '');
      }
    }
    const sub = this.secretSub;
    if (sub.names.size > 0) {
      sub.nonce = '';
      if (this.cfg.apiType === 'DELTA_GRPC') this.sendDelta({ type_url: SECRET_TYPE_URL, resource_names_subscribe: [...sub.names].sort() });
      else this.sendSecretRequest('');
    }
  }

  private heldFor(kind: XdsKind): Map<string, Held<unknown>> {
    switch (kind) {
      case 'LDS': return this.listeners as Map<string, Held<unknown>>;
      case 'CDS': return this.clusters as Map<string, Held<unknown>>;
      case 'RDS': return this.routes as Map<string, Held<unknown>>;
      default: return this.endpoints as Map<string, Held<unknown>>;
    }
  }

  private sendSotw(t: ResourceType<unknown>, version: string, nonce: string, error?: string): void {
    const st = this.state.get(t.kind)!;
    const req: envoy_service_discovery_v3_DiscoveryRequest = {
      node: this.node(),
      type_url: t.typeUrl,
      ...(version ? { version_info: version } : {}),
      ...(t.wildcard ? {} : { resource_names: [...st.names].sort() }),
      ...(nonce ? { response_nonce: nonce } : {}),
      ...(error ? { error_detail: { code: 3, message: error } } : {}),
    };
    this.stream?.send(encodeBinary(REQ, req));
  }

  private sendDelta(req: envoy_service_discovery_v3_DeltaDiscoveryRequest): void {
    this.stream?.send(encodeBinary(DREQ, { node: this.node(), ...req }));
  }

  private typeOf(url: string | undefined): ResourceType<unknown> | undefined {
    return RESOURCE_TYPES.find((t) => t.typeUrl === url) as ResourceType<unknown> | undefined;
  }

  // ---- state of the world ----

  private onSotwResponse(bytes: Buffer): void {
    let resp: envoy_service_discovery_v3_DiscoveryResponse;
    try {
      resp = decodeBinary<envoy_service_discovery_v3_DiscoveryResponse>(RESP, bytes);
    } catch (err) {
      this.log.error(`undecodable DiscoveryResponse: ${(err as Error).message}`);
      return;
    }
    if (resp.type_url === SECRET_TYPE_URL) {
      this.onSecretResponse(resp.version_info ?? '', resp.nonce ?? '', resp.resources ?? [], [], false);
      return;
    }
    const t = this.typeOf(resp.type_url);
    if (!t) {
      this.log.warn(`ignoring response for unsubscribed type ${resp.type_url}`);
      return;
    }
    if (this.files.some((f) => f.type === t)) {
      this.log.warn(`ignoring ${t.kind} over ADS: it is read from a file`);
      return;
    }
    const nonce = resp.nonce ?? '';
    this.state.get(t.kind)!.nonce = nonce;
    const errs = new ConfigErrors();
    const version = resp.version_info ?? '';
    if (this.applySotw(t, version, resp.resources ?? [], errs)) this.sendSotw(t, version, nonce);
    else this.sendSotw(t, this.state.get(t.kind)!.version, nonce, errs.format());
  }

  /**
   * Decodes and applies one state-of-the-world update, from the ADS stream or
   * a file; `errs` may already hold the errors of reading it. Counts Envoy's
   * update_attempt/update_success/update_rejected. Returns whether it was accepted.
   */
  applySotw(t: ResourceType<unknown>, version: string, resources: AnyMessage[], errs: ConfigErrors, check?: (decoded: Map<string, Held<unknown>>, errs: ConfigErrors) => void): boolean {
    const st = this.state.get(t.kind)!;
    this.proxy.ctx.stats.counter(`${statPrefix(t.kind)}.update_attempt`).inc();
    const decoded = this.decodeAll(t, resources, errs, version);
    if (!errs.hasErrors) check?.(decoded, errs);
    if (errs.hasErrors) {
      this.nack(t, st, version, errs);
      return false;
    }
    // LDS/CDS responses carry the whole set; RDS/EDS only what was asked.
    const held = this.heldFor(t.kind);
    if (t.wildcard) for (const name of [...held.keys()]) if (!decoded.has(name)) held.delete(name);
    for (const [name, h] of decoded) held.set(name, h);
    st.version = version;
    st.received = true;
    delete st.lastNack;
    this.proxy.ctx.stats.counter(`${statPrefix(t.kind)}.update_success`).inc();
    this.afterUpdate(t.kind);
    return true;
  }

  /** A file source's first read failed: initialization goes on without it (Envoy's init target becomes ready). */
  initialUpdateFailed(t: ResourceType<unknown>): void {
    const st = this.state.get(t.kind)!;
    if (st.received || st.initialFailed) return;
    st.initialFailed = true;
    // After any apply already queued, so LIVE never comes before its listeners.
    this.applyChain = this.applyChain.then(() => this.checkLive());
  }

  private decodeAll(t: ResourceType<unknown>, resources: AnyMessage[], errs: ConfigErrors, version: string): Map<string, Held<unknown>> {
    const out = new Map<string, Held<unknown>>();
    const now = new Date().toISOString();
    resources.forEach((r, i) => {
      const name = t.nameOf(r);
      const path = `${t.kind}[${name || i}]`;
      if (!name) {
        errs.error(path, 'resource has no name');
        return;
      }
      if (out.has(name)) {
        errs.error(path, `duplicate resource "${name}" in one response`, CFG.DUPLICATE);
        return;
      }
      const value = t.decode(r, path, errs);
      this.checkSecretRefs(t, r, path, errs);
      if (value !== undefined) out.set(name, { value, version, source: stripType(r), lastUpdated: now });
    });
    return out;
  }

  /** A dynamic listener's or cluster's SDS references must resolve as a static one's do (static secret, ADS, SDS cluster). */
  private checkSecretRefs(t: ResourceType<unknown>, r: AnyMessage, path: string, errs: ConfigErrors): void {
    if (t.kind !== 'LDS' && t.kind !== 'CDS') return;
    const b = this.proxy.bootstrap;
    const env: SdsRefEnv = { staticSecrets: new Set(b.secrets.map((s) => s.name)), hasAds: !this.cfg.withoutAds, staticClusters: new Set(b.clusters.map((c) => c.name)) };
    const refs = t.kind === 'LDS' ? listenerSdsRefs(r as envoy_config_listener_v3_Listener, path) : clusterSdsRefs(r as envoy_config_cluster_v3_Cluster, path);
    checkSdsRefs(refs, env, errs);
  }

  private nack(t: ResourceType<unknown>, st: TypeState, version: string, errs: ConfigErrors): void {
    st.lastNack = `version ${version}: ${errs.format()}`;
    this.proxy.ctx.stats.counter(`${statPrefix(t.kind)}.update_rejected`).inc();
    this.log.warn(`rejected ${t.kind} version ${version} (keeping ${st.version || 'nothing'}):\n${errs.format()}`);
  }

  // ---- delta ----

  private onDeltaResponse(bytes: Buffer): void {
    let resp: envoy_service_discovery_v3_DeltaDiscoveryResponse;
    try {
      resp = decodeBinary<envoy_service_discovery_v3_DeltaDiscoveryResponse>(DRESP, bytes);
    } catch (err) {
      this.log.error(`undecodable DeltaDiscoveryResponse: ${(err as Error).message}`);
      return;
    }
    if (resp.type_url === SECRET_TYPE_URL) {
      const resources: AnyMessage[] = [];
      for (const r of resp.resources ?? []) if (r.resource) resources.push(r.resource);
      this.onSecretResponse(resp.system_version_info ?? '', resp.nonce ?? '', resources, resp.removed_resources ?? [], true);
      return;
    }
    const t = this.typeOf(resp.type_url);
    if (!t || this.files.some((f) => f.type === t)) return;
    const st = this.state.get(t.kind)!;
    const nonce = resp.nonce ?? '';
    st.nonce = nonce;
    const errs = new ConfigErrors();
    const decoded = new Map<string, Held<unknown>>();
    const now = new Date().toISOString();
    (resp.resources ?? []).forEach((res, i) => {
      const name = res.name ?? '';
      const path = `${t.kind}[${name || i}]`;
      if (!res.resource) {
        errs.error(path, 'resource body missing');
        return;
      }
      if (t.nameOf(res.resource) !== name) errs.error(path, `resource name "${t.nameOf(res.resource)}" differs from its Resource.name "${name}"`);
      const value = t.decode(res.resource, path, errs);
      this.checkSecretRefs(t, res.resource, path, errs);
      if (value !== undefined) decoded.set(name, { value, version: res.version ?? '', source: stripType(res.resource), lastUpdated: now });
    });
    this.proxy.ctx.stats.counter(`${statPrefix(t.kind)}.update_attempt`).inc();
    if (errs.hasErrors) {
      this.nack(t, st, resp.system_version_info ?? '', errs);
      this.sendDelta({ type_url: t.typeUrl, response_nonce: nonce, error_detail: { code: 3, message: errs.format() } });
      return;
    }
    const held = this.heldFor(t.kind);
    for (const name of resp.removed_resources ?? []) held.delete(name);
    for (const [name, h] of decoded) held.set(name, h);
    st.version = resp.system_version_info ?? st.version;
    st.received = true;
    delete st.lastNack;
    this.proxy.ctx.stats.counter(`${statPrefix(t.kind)}.update_success`).inc();
    this.sendDelta({ type_url: t.typeUrl, response_nonce: nonce });
    this.afterUpdate(t.kind);
  }

  // ---- applying ----

  private addRdsNames(l: ListenerConfig, into: Set<string>): void {
    for (const fc of [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])]) {
      if (fc.terminal.kind === 'http' && fc.terminal.hcm.rdsName) into.add(fc.terminal.hcm.rdsName);
    }
  }

  private updateSubscription(kind: 'RDS' | 'EDS', wanted: Set<string>): void {
    const st = this.state.get(kind)!;
    const t = kind === 'RDS' ? RDS : EDS;
    const added = [...wanted].filter((n) => !st.names.has(n));
    const removed = [...st.names].filter((n) => !wanted.has(n));
    if (added.length === 0 && removed.length === 0) return;
    st.names = wanted;
    for (const n of removed) this.heldFor(kind).delete(n);
    if (!this.stream?.connected) return;
    if (this.cfg.apiType === 'DELTA_GRPC') {
      this.sendDelta({ type_url: t.typeUrl, resource_names_subscribe: added, resource_names_unsubscribe: removed });
    } else this.sendSotw(t as ResourceType<unknown>, st.version, st.nonce);
  }

  private afterUpdate(kind: XdsKind): void {
    // Serialize applies: listener binding is async.
    this.applyChain = this.applyChain.then(() => this.apply(kind)).catch((err) => this.log.error(`applying ${kind}: ${(err as Error).stack ?? err}`));
  }

  private async apply(kind: XdsKind): Promise<void> {
    const proxy = this.proxy;
    const cm = proxy.ctx.clusters;
    if (kind === 'CDS' || kind === 'EDS') {
      const staticNames = new Set(proxy.bootstrap.clusters.map((c) => c.name));
      const edsNames = new Set<string>();
      for (const c of proxy.bootstrap.clusters) if (c.type === 'EDS') edsNames.add(c.edsServiceName ?? c.name);
      // Clusters that left CDS go once no active route refers to them any more
      // (make-before-break on the client side too: a route update may still be on its way).
      if (kind === 'CDS') {
        for (const name of [...this.warming]) if (!this.clusters.has(name)) this.warming.delete(name);
        this.removeUnreferencedClusters();
      }
      for (const [name, h] of this.clusters) {
        const cfg = h.value;
        // A cluster whose TLS secrets have not arrived warms (the active version, if any, keeps serving).
        if (!this.secretsWarm(clusterSdsRefs(h.source as envoy_config_cluster_v3_Cluster, ''))) {
          if (!cm.get(name)) this.warming.add(name);
          if (cfg.type === 'EDS') edsNames.add(cfg.edsServiceName ?? name);
          continue;
        }
        if (cfg.type === 'EDS') {
          const svc = cfg.edsServiceName ?? name;
          edsNames.add(svc);
          const eps = this.endpoints.get(svc);
          const active = cm.get(name);
          if (!eps && !active) {
            this.warming.add(name);
            continue;
          }
          const live = cm.upsert(cfg);
          live.addedViaApi = true;
          if (eps) live.setEndpoints(eps.value.endpoints, eps.value.overprovisioningFactor);
          this.warming.delete(name);
        } else {
          const live = cm.upsert(cfg);
          live.addedViaApi = true;
          this.warming.delete(name);
        }
      }
      // Static EDS clusters take their endpoints too.
      for (const c of proxy.bootstrap.clusters) {
        if (c.type !== 'EDS') continue;
        const eps = this.endpoints.get(c.edsServiceName ?? c.name);
        if (eps) cm.get(c.name)?.setEndpoints(eps.value.endpoints, eps.value.overprovisioningFactor);
      }
      this.updateSubscription('EDS', edsNames);
    }
    if (kind === 'RDS' || kind === 'CDS' || kind === 'EDS') this.applyRoutes();
    if (kind === 'RDS') this.removeUnreferencedClusters();
    if (kind === 'LDS' || kind === 'RDS') {
      const rdsNames = new Set<string>();
      for (const l of proxy.bootstrap.listeners) this.addRdsNames(l, rdsNames);
      for (const h of this.listeners.values()) this.addRdsNames(h.value, rdsNames);
      this.updateSubscription('RDS', rdsNames);
      await this.applyListeners();
    }
    this.checkLive();
  }

  /**
   * Activates route tables, except a new version that names a cluster still
   * warming: the previous version keeps serving until the cluster is ready,
   * so no request meets a cluster that is not there yet.
   */
  private applyRoutes(): void {
    for (const [name, h] of this.routes) {
      const waiting = [...h.value.clusterNames()].some((c) => this.warming.has(c));
      if (waiting && this.activeRoutes.has(name)) continue;
      if (this.activeRoutes.get(name) !== h.value) {
        this.proxy.setRouteTable(name, h.value);
        this.activeRoutes.set(name, h.value);
      }
    }
    for (const name of [...this.activeRoutes.keys()]) {
      if (!this.routes.has(name)) {
        this.proxy.setRouteTable(name, undefined);
        this.activeRoutes.delete(name);
      }
    }
  }

  private readonly activeRoutes = new Map<string, RouteTable>();

  /** Removes dynamic clusters that left CDS and that no active route table or listener names. */
  private removeUnreferencedClusters(): void {
    const cm = this.proxy.ctx.clusters;
    const staticNames = new Set(this.proxy.bootstrap.clusters.map((c) => c.name));
    const referenced = new Set<string>();
    for (const t of this.activeRoutes.values()) for (const c of t.clusterNames()) referenced.add(c);
    for (const l of this.listeners.values()) {
      for (const fc of l.value.filterChains) {
        if (fc.terminal.kind === 'tcp') for (const c of fc.terminal.tcp.clusters) referenced.add(c.name);
        else if (fc.terminal.kind === 'http' && fc.terminal.hcm.routeTable) for (const c of fc.terminal.hcm.routeTable.clusterNames()) referenced.add(c);
      }
    }
    for (const c of cm.all()) {
      const name = c.config.name;
      if (staticNames.has(name) || this.clusters.has(name)) continue;
      if (referenced.has(name)) continue;
      cm.remove(name);
    }
  }

  /** Static listeners plus dynamic ones whose routes have arrived (listener warming). */
  private async applyListeners(): Promise<void> {
    const proxy = this.proxy;
    const ready: ListenerConfig[] = [...proxy.bootstrap.listeners];
    const active = new Set(proxy.listenerStatuses().map((l) => l.name));
    for (const h of this.listeners.values()) {
      const names = new Set<string>();
      this.addRdsNames(h.value, names);
      // Listener warming: its routes (RDS) and its TLS secrets (SDS).
      const warm = [...names].every((n) => this.routes.has(n)) && this.secretsWarm(listenerSdsRefs(h.source as envoy_config_listener_v3_Listener, ''));
      if (warm) ready.push(h.value);
      else if (active.has(h.value.name)) {
        // Keep the active version until the new one is warm.
        const cur = proxy.activeListenerConfig(h.value.name);
        if (cur) ready.push(cur);
      }
    }
    await proxy.applyListeners(ready);
  }

  private checkLive(): void {
    if (this.live) return;
    const need: XdsKind[] = [];
    if (this.cfg.cds) need.push('CDS');
    if (this.cfg.lds) need.push('LDS');
    if (!need.every((k) => this.state.get(k)!.received || this.state.get(k)!.initialFailed)) return;
    if (this.warming.size > 0) return;
    for (const h of this.listeners.values()) {
      const names = new Set<string>();
      this.addRdsNames(h.value, names);
      if (![...names].every((n) => this.routes.has(n))) return;
      if (!this.secretsWarm(listenerSdsRefs(h.source as envoy_config_listener_v3_Listener, ''))) return;
    }
    this.goLive();
  }

  private goLive(): void {
    if (this.live) return;
    this.live = true;
    this.initTimer?.cancel();
    this.proxy.markLive();
    this.log.info('initial xDS config applied: LIVE');
  }

  private dynamicState(): DynamicState {
    const list = <T>(m: Map<string, Held<T>>) => [...m].map(([name, h]) => ({ name, version: h.version, source: h.source, lastUpdated: h.lastUpdated }));
    return {
      ldsVersion: this.state.get('LDS')!.version,
      cdsVersion: this.state.get('CDS')!.version,
      listeners: list(this.listeners),
      clusters: list(this.clusters),
      routes: list(this.routes),
    };
  }
}

function stripType(r: AnyMessage): unknown {
  const { '@type': _t, ...rest } = r;
  return rest;
}
