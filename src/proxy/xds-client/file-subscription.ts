// LDS, CDS or SDS from a file, as Envoy's filesystem subscription: the file holds a
// DiscoveryResponse (YAML or JSON, `resources:` of Listener, Cluster or Secret), is
// read at start and again when it changes. Envoy's convention is an atomic
// replacement: write a new file next to it and `mv` it over the old one; with
// path_config_source.watched_directory, a move into that directory triggers
// the read (how Kubernetes swaps a ConfigMap's `..data` link). A bad file is
// rejected with every error logged and counted (update_rejected), and the
// last good config keeps serving; an unreadable one counts update_failure.
import fs from 'node:fs';
import path from 'node:path';
import { CFG, ConfigErrors, ConfigRejectedError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { fromJson } from '../../xds/codec.js';
import type { AnyMessage, envoy_service_discovery_v3_DiscoveryResponse } from '../../xds/gen/types.js';
import type { ClusterConfig } from '../config/cluster.js';
import { parseConfigText } from '../config/config-text.js';
import type { PathSourceConfig } from '../config/dynamic-resources.js';
import type { ListenerConfig } from '../config/listener.js';
import { statPrefix, type ResourceType } from './resource-types.js';

const DISCOVERY_RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

/** What a file subscription feeds: the xDS client's own decode-and-apply path. */
export interface FileUpdateTarget {
  /** Decodes and applies the resources (errors already in `errs` reject the update); true when accepted. */
  applySotw(t: ResourceType<unknown>, version: string, resources: AnyMessage[], errs: ConfigErrors, check?: (decoded: Map<string, { value: unknown }>, errs: ConfigErrors) => void): boolean;
  /** The first read failed: initialization does not wait for this type. */
  initialUpdateFailed(t: ResourceType<unknown>): void;
}

interface CounterSource {
  counter(name: string): { inc(): void };
}

export class FileSubscription {
  private watcher: fs.FSWatcher | undefined;
  private scheduled = false;
  private stopped = false;
  /** Text of the last read, so that repeated events for one change apply it once. */
  private lastText: string | undefined;

  /**
   * @param hasAds whether an ADS stream exists for what these resources refer
   *   to (RDS of a listener, EDS of a cluster); without one they are refused.
   */
  constructor(
    readonly type: ResourceType<unknown>,
    private readonly source: PathSourceConfig,
    private readonly target: FileUpdateTarget,
    private readonly stats: CounterSource,
    private readonly hasAds: boolean,
    private readonly log: Logger,
    /** Where read failures are counted; default the type's (SDS counts per secret: `sds.<name>`). */
    private readonly failureStatPrefix = statPrefix(type.kind),
  ) {}

  /** Reads the file and starts watching. A missing file refuses the start, as in Envoy. */
  start(): void {
    const { path: file, watchedDirectory } = this.source;
    if (!fs.existsSync(file)) {
      throw new ConfigRejectedError([{ path: this.source.fieldPath, message: `file "${file}" does not exist`, severity: 'error', code: CFG.REQUIRED }], `${this.type.kind} file source`);
    }
    if (watchedDirectory !== undefined && !fs.existsSync(watchedDirectory)) {
      throw new ConfigRejectedError([{ path: this.source.fieldPath.replace(/\.path$/, '.watched_directory.path'), message: `directory "${watchedDirectory}" does not exist`, severity: 'error', code: CFG.REQUIRED }], `${this.type.kind} file source`);
    }
    // The directory is watched, not the file: a file replaced by rename is a
    // new inode, and a watch on the old one would see nothing more.
    const dir = watchedDirectory ?? path.dirname(file);
    const base = path.basename(file);
    this.watcher = fs.watch(dir, (event, name) => {
      if (watchedDirectory !== undefined) {
        // Envoy's WatchedDirectory: anything moved into the directory.
        if (event === 'rename') this.schedule();
      } else if (name === null || name === base) this.schedule();
    });
    this.watcher.on('error', (err) => this.log.warn(`watching ${dir} for ${this.type.kind}: ${err.message}`));
    this.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
  }

  /** One read per burst of events (a rename raises several). */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.refresh();
    });
  }

  private refresh(): void {
    const file = this.source.path;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      // Mid-swap or deleted: nothing to apply; the last good config stays.
      this.stats.counter(`${this.failureStatPrefix}.update_attempt`).inc();
      this.stats.counter(`${this.failureStatPrefix}.update_failure`).inc();
      this.log.warn(`${this.type.kind} file ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); keeping the last good config`);
      this.target.initialUpdateFailed(this.type);
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    const errs = new ConfigErrors();
    const resp = this.parse(text, errs);
    const accepted = this.target.applySotw(this.type, resp?.version_info ?? '', resp?.resources ?? [], errs, (decoded, e) => this.checkRefs(decoded, e));
    if (accepted) this.log.info(`${this.type.kind} file ${file}: applied version "${resp?.version_info ?? ''}" (${resp?.resources?.length ?? 0} resources)`);
    else this.target.initialUpdateFailed(this.type);
  }

  private parse(text: string, errs: ConfigErrors): envoy_service_discovery_v3_DiscoveryResponse | undefined {
    let json: unknown;
    try {
      json = parseConfigText(text, errs);
    } catch (err) {
      // The YAML parser's own limits (alias expansion) end up here: a refusal, never a crash.
      errs.error('', `cannot parse: ${(err as Error).message}`);
      return undefined;
    }
    if (errs.hasErrors) return undefined;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      errs.error('', 'the file must hold a DiscoveryResponse (an object with `resources:`)');
      return undefined;
    }
    // With field errors the resources that did decode still go through the
    // resource decoders, so one read reports every error (nothing is applied).
    const resp = fromJson<envoy_service_discovery_v3_DiscoveryResponse>(DISCOVERY_RESPONSE, json, '', errs);
    if (resp?.type_url && resp.type_url !== this.type.typeUrl) errs.error('type_url', `expected ${this.type.typeUrl} for ${this.type.kind}, got ${resp.type_url}`);
    return resp;
  }

  /** Without an ADS stream, a listener's RDS or a cluster's EDS could never arrive. */
  private checkRefs(decoded: Map<string, { value: unknown }>, errs: ConfigErrors): void {
    if (this.hasAds) return;
    for (const [name, h] of decoded) {
      const where = `${this.type.kind}[${name}]`;
      if (this.type.kind === 'LDS') {
        const l = h.value as ListenerConfig;
        for (const fc of [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])]) {
          if (fc.terminal.kind === 'http' && fc.terminal.hcm.rdsName !== undefined) errs.error(where, `rds "${fc.terminal.hcm.rdsName}" needs dynamic_resources.ads_config (RDS from files is not supported by weft)`);
        }
      } else if (this.type.kind === 'CDS' && (h.value as ClusterConfig).type === 'EDS') {
        errs.error(where, 'an EDS cluster needs dynamic_resources.ads_config (EDS from files is not supported by weft)');
      }
    }
  }
}
