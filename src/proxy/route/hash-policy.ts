// RouteAction.hash_policy compiled for ring-hash / Maglev load balancing.
// Each policy hashes one request attribute with xxHash64 (seed 0); results are
// combined as Envoy does: rotate the running hash left by one bit, XOR the new
// one, so identical policies do not cancel out. A terminal policy that produced
// a hash stops the walk.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_route_v3_RouteAction_HashPolicy } from '../../xds/gen/types.js';
import { xxHash64 } from '../lb/xxhash64.js';
import { RegexSubstitution } from './re2-regex.js';
import type { RequestView } from './route-request.js';

const MASK64 = (1n << 64n) - 1n;

interface HashMethod {
  readonly terminal: boolean;
  evaluate(view: RequestView, sourceIp: string | undefined): bigint | undefined;
}

/** A route's compiled hash policies. */
export class HashPolicy {
  constructor(private readonly methods: readonly HashMethod[]) {}

  /** The request's hash, or undefined when no policy produced one (the LB then picks at random). */
  compute(view: RequestView, sourceIp: string | undefined): bigint | undefined {
    let hash: bigint | undefined;
    for (const m of this.methods) {
      const h = m.evaluate(view, sourceIp);
      if (h !== undefined) {
        const rotated = hash === undefined ? 0n : ((hash << 1n) | (hash >> 63n)) & MASK64;
        hash = rotated ^ h;
      }
      if (m.terminal && hash !== undefined) break;
    }
    return hash;
  }
}

/** Combines hashes as HashPolicy.compute does; exported for tests and for callers that hash elsewhere. */
export function combineHashes(prev: bigint | undefined, next: bigint): bigint {
  return (prev === undefined ? 0n : ((prev << 1n) | (prev >> 63n)) & MASK64) ^ next;
}

/** The value of cookie `name` from every Cookie header, unquoted; undefined when absent or empty. */
export function cookieValue(view: RequestView, name: string): string | undefined {
  for (const header of view.req.headers.getAll('cookie')) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
      let v = pair.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      if (v !== '') return v;
    }
  }
  return undefined;
}

/** Decodes hash_policy; undefined when the list is empty or unusable (errors reported). */
export function decodeHashPolicies(list: readonly envoy_config_route_v3_RouteAction_HashPolicy[] | undefined, path: string, errs: ConfigErrors): HashPolicy | undefined {
  if (!list || list.length === 0) return undefined;
  const methods: HashMethod[] = [];
  let ok = true;
  list.forEach((hp, i) => {
    const p = joinPath(path, i);
    checkSupported(hp, p, errs, ['header', 'cookie', 'connection_properties', 'query_parameter', 'terminal']);
    const terminal = hp.terminal === true;
    const kinds = (['header', 'cookie', 'connection_properties', 'query_parameter', 'filter_state'] as const).filter((k) => hp[k] !== undefined);
    if (kinds.length !== 1) {
      if (kinds.length === 0) errs.required(p, 'one of header, cookie, connection_properties, query_parameter is required');
      else errs.error(p, `only one of header, cookie, connection_properties, query_parameter may be set (found ${kinds.join(', ')})`, CFG.CONFLICT);
      ok = false;
      return;
    }
    if (hp.header) {
      const hPath = joinPath(p, 'header');
      checkSupported(hp.header, hPath, errs, ['header_name', 'regex_rewrite']);
      const name = (hp.header.header_name ?? '').toLowerCase();
      if (name === '') {
        errs.required(joinPath(hPath, 'header_name'), 'header_name is required');
        ok = false;
        return;
      }
      const rewrite = hp.header.regex_rewrite ? RegexSubstitution.decode(hp.header.regex_rewrite, joinPath(hPath, 'regex_rewrite'), errs) : undefined;
      if (hp.header.regex_rewrite && !rewrite) {
        ok = false;
        return;
      }
      methods.push({
        terminal,
        evaluate(view) {
          let values = view.headerValues(name);
          if (values.length === 0) return undefined;
          if (rewrite) values = values.map((v) => rewrite.replaceAll(v));
          // Sorted so the hash does not depend on the order of repeated headers;
          // Envoy streams the values into one xxHash64, i.e. hashes their concatenation.
          if (values.length === 1) return xxHash64(values[0]!);
          return xxHash64(values.sort().join(''));
        },
      });
    } else if (hp.cookie) {
      const cPath = joinPath(p, 'cookie');
      // With ttl Envoy generates and sets a cookie on the response; weft does not.
      checkSupported(hp.cookie, cPath, errs, ['name']);
      const name = hp.cookie.name ?? '';
      if (name === '') {
        errs.required(joinPath(cPath, 'name'), 'name is required');
        ok = false;
        return;
      }
      methods.push({
        terminal,
        evaluate(view) {
          const v = cookieValue(view, name);
          return v === undefined ? undefined : xxHash64(v);
        },
      });
    } else if (hp.connection_properties) {
      checkSupported(hp.connection_properties, joinPath(p, 'connection_properties'), errs, ['source_ip']);
      // source_ip: false configures nothing, as in Envoy.
      if (hp.connection_properties.source_ip === true) {
        methods.push({ terminal, evaluate: (_v, ip) => (ip ? xxHash64(ip) : undefined) });
      }
    } else if (hp.query_parameter) {
      const qPath = joinPath(p, 'query_parameter');
      checkSupported(hp.query_parameter, qPath, errs, ['name']);
      const name = hp.query_parameter.name ?? '';
      if (name === '') {
        errs.required(joinPath(qPath, 'name'), 'name is required');
        ok = false;
        return;
      }
      methods.push({
        terminal,
        evaluate(view) {
          const v = view.rawQueryParam(name);
          return v === undefined ? undefined : xxHash64(v);
        },
      });
    }
  });
  if (!ok || methods.length === 0) return undefined;
  return new HashPolicy(methods);
}
