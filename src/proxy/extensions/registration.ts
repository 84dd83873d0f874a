// The shape every extension registers, and the registry that looks them up.
// As in Envoy, an extension is found by the type URL of its typed_config
// (`name` is informational); each position in the config (HTTP filters,
// network filters, listener filters, access loggers, transport sockets) has
// its own registry, so an error names what is supported in THAT position.
//
// Adding an extension: write its folder (config decoder, runtime, stats, a
// `registration.ts` exporting one registration object), then add that object
// to the list in the position's registry file beside this one.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { AnyMessage } from '../../xds/gen/types.js';
import { TYPE_URL_PREFIX } from '../../xds/type-urls.js';
import { successorTypeUrl } from '../../xds/unsupported-type.js';

/** The stats an extension emits, declared beside it as Envoy does (names relative to `prefix`). */
export interface DeclaredStats {
  /** e.g. `http.<stat_prefix>.fault.`; placeholders in angle brackets. */
  readonly prefix: string;
  readonly counters?: readonly string[];
  readonly gauges?: readonly string[];
  readonly histograms?: readonly string[];
}

/**
 * One extension. `TConfig` is its decoded, validated, immutable config;
 * `TContext` what its decoder needs from the position it sits in.
 */
export interface ExtensionRegistration<TConfig = unknown, TContext = undefined> {
  /** Envoy's canonical name, e.g. `envoy.filters.http.fault`. */
  readonly name: string;
  /** Type URLs of the typed_config it accepts; the first is the current one. */
  readonly typeUrls: readonly string[];
  /**
   * Decodes typed_config (the Any, `@type` included) at `path`. Reports every
   * problem to `errs` with its field path and returns undefined when the
   * config cannot be used; never throws on input.
   */
  decode(cfg: AnyMessage, path: string, errs: ConfigErrors, ctx: TContext): TConfig | undefined;
  readonly stats?: DeclaredStats;
  /**
   * The config type has no descriptor in weft (Istio's own filters): it is
   * accepted only inside an xds.type.v3.TypedStruct naming it.
   */
  readonly typedStructOnly?: boolean;
}

/** Type URLs of the TypedStruct messages: an extension's config as a Struct, named by the struct's `type_url`. */
export const TYPED_STRUCT_TYPE_URLS: readonly string[] = [
  TYPE_URL_PREFIX + 'xds.type.v3.TypedStruct',
  TYPE_URL_PREFIX + 'udpa.type.v1.TypedStruct',
];

/**
 * The type URL that selects the extension for `cfg`: its `@type`, or for a
 * TypedStruct the `type_url` inside it. Envoy finds an extension's factory the
 * same way, which is how Istio configures its own filters
 * (`istio.metadata_exchange`, `istio.stats`) without shipping their protos.
 */
export function extensionTypeUrl(cfg: AnyMessage): string {
  const t = cfg['@type'];
  if (!TYPED_STRUCT_TYPE_URLS.includes(t)) return t;
  const inner = (cfg as { type_url?: unknown }).type_url;
  return typeof inner === 'string' && inner !== '' ? inner : t;
}

/** Strips `type.googleapis.com/` for messages. */
export function shortType(url: string): string {
  return url.startsWith(TYPE_URL_PREFIX) ? url.slice(TYPE_URL_PREFIX.length) : url;
}

/** The extensions allowed in one position of the config. Built once, at module load. */
export class ExtensionRegistry<R extends ExtensionRegistration<unknown, never>> {
  private readonly byUrl = new Map<string, R>();
  private readonly byName = new Map<string, R>();

  /**
   * @param what how messages name the position, e.g. "HTTP filter".
   * Duplicate names or type URLs are a programming error and throw at load.
   */
  constructor(readonly what: string, readonly registrations: readonly R[]) {
    for (const r of registrations) {
      if (this.byName.has(r.name)) throw new Error(`${what} ${r.name} registered twice`);
      this.byName.set(r.name, r);
      for (const u of r.typeUrls) {
        if (this.byUrl.has(u)) throw new Error(`${what} type ${u} registered twice`);
        this.byUrl.set(u, r);
      }
    }
  }

  forTypeUrl(url: string): R | undefined {
    return this.byUrl.get(url);
  }

  /** The registration for an Any, looking through a TypedStruct to the type it names (as Envoy does). */
  forAny(cfg: AnyMessage): R | undefined {
    return this.byUrl.get(extensionTypeUrl(cfg));
  }

  forName(name: string): R | undefined {
    return this.byName.get(name);
  }

  /** Every registered type URL (e.g. for tests checking the codec can read them). */
  typeUrls(): string[] {
    return [...this.byUrl.keys()];
  }

  /** Canonical names of the registrations `pick` selects (e.g. the terminal filters), for messages. */
  namesWhere(pick: (r: R) => boolean): string {
    return this.registrations.filter(pick).map((r) => r.name).join(' or ');
  }

  /** Canonical names of what this position supports, for messages. */
  supportedList(): string {
    return this.registrations.map((r) => r.name).join(', ');
  }

  /** The message for a typed_config this position does not support. */
  unsupportedMessage(url: string, configName?: string): string {
    const named = configName && configName !== url ? ` (name "${configName}")` : '';
    // A v2 type whose v3 successor this position runs: say so.
    const successor = successorTypeUrl(url);
    const hint = successor && this.byUrl.has(successor) ? `; did you mean "${successor}"?` : '';
    return `${this.what} "${shortType(url)}"${named} is not supported by weft (supported here: ${this.supportedList()})${hint}`;
  }

  /**
   * The registration for `tc`'s type. Reports a missing typed_config (at
   * `path.typed_config`) or an unsupported type (at `path.typed_config`),
   * and returns undefined; the caller goes on decoding its siblings.
   */
  lookup(tc: AnyMessage | undefined, path: string, errs: ConfigErrors, configName?: string): R | undefined {
    const tp = joinPath(path, 'typed_config');
    if (!tc) {
      errs.required(tp, `typed_config is required (supported here: ${this.supportedList()})`);
      return undefined;
    }
    return this.find(tc, tp, errs, { name: configName });
  }

  /**
   * The registration for the Any `cfg` at `path` (the Any's own path). Claims
   * the path from the codec (ConfigErrors.unknownType) and reports an
   * unsupported type here, unless `optional` (Envoy's is_optional: skip what
   * is not known).
   */
  find(cfg: AnyMessage, path: string, errs: ConfigErrors, opts: { name?: string; optional?: boolean } = {}): R | undefined {
    errs.claimExtension(path);
    const url = extensionTypeUrl(cfg);
    const r = this.byUrl.get(url);
    if (!r && !opts.optional) errs.unsupportedExtension(path, this.unsupportedMessage(url, opts.name));
    return r;
  }
}
