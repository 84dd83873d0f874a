// VirtualService `headers` → header mutations, as Istio's
// TranslateHeadersOperations: `set` overwrites (OVERWRITE_IF_EXISTS_OR_ADD),
// `add` appends (APPEND_IF_EXISTS_OR_ADD, the enum's zero value, so left out of
// the canonical shape); keys sorted; pseudo-headers and Host are not mutated
// but a set/add of :authority or Host becomes the route's host rewrite.
import type { Headers } from '../../api/networking.js';
import type { envoy_config_core_v3_HeaderValueOption } from '../../xds/gen/types.js';
import { sortedKeys } from './proto-helpers.js';

export interface HeaderOperations {
  requestHeadersToAdd: envoy_config_core_v3_HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: envoy_config_core_v3_HeaderValueOption[];
  responseHeadersToRemove: string[];
  /** Host rewrite asked for through :authority / Host, or ''. */
  authority: string;
}

const isInternal = (k: string) => k.startsWith(':') || k.toLowerCase() === 'host';
const isAuthority = (k: string) => k.toLowerCase() === ':authority' || k.toLowerCase() === 'host';

function options(m: Record<string, string> | undefined, append: boolean): { list: envoy_config_core_v3_HeaderValueOption[]; authority: string } {
  let authority = '';
  const list: envoy_config_core_v3_HeaderValueOption[] = [];
  for (const key of sortedKeys(m)) {
    const value = m![key]!;
    if (isAuthority(key)) authority = value;
    if (isInternal(key)) continue;
    const header = value === '' ? { key } : { key, value };
    list.push(append ? { header } : { header, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  }
  return { list, authority };
}

export function translateHeaderOperations(h: Headers | undefined): HeaderOperations {
  const reqSet = options(h?.request?.set, false);
  const reqAdd = options(h?.request?.add, true);
  const respSet = options(h?.response?.set, false);
  const respAdd = options(h?.response?.add, true);
  return {
    requestHeadersToAdd: [...reqSet.list, ...reqAdd.list],
    requestHeadersToRemove: (h?.request?.remove ?? []).filter((k) => !isInternal(k)),
    responseHeadersToAdd: [...respSet.list, ...respAdd.list],
    responseHeadersToRemove: (h?.response?.remove ?? []).filter((k) => !isInternal(k)),
    // A `set` wins over an `add` of the authority.
    authority: reqSet.authority || reqAdd.authority,
  };
}

/** Sets the non-empty header operation lists on a route or weighted cluster entry. */
export function applyHeaderOperations(target: {
  request_headers_to_add?: envoy_config_core_v3_HeaderValueOption[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: envoy_config_core_v3_HeaderValueOption[];
  response_headers_to_remove?: string[];
}, ops: HeaderOperations): void {
  const add = <T>(field: keyof typeof target, xs: T[]) => {
    if (xs.length === 0) return;
    const prev = (target[field] ?? []) as T[];
    (target as Record<string, unknown>)[field] = [...prev, ...xs];
  };
  add('request_headers_to_add', ops.requestHeadersToAdd);
  add('request_headers_to_remove', ops.requestHeadersToRemove);
  add('response_headers_to_add', ops.responseHeadersToAdd);
  add('response_headers_to_remove', ops.responseHeadersToRemove);
}
