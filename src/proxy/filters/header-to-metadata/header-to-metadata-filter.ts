// envoy.filters.http.header_to_metadata: request rules run on the request
// head, response rules on the response head. A present header's value (or
// the rule's fixed value) becomes dynamic metadata on the stream info, where
// %DYNAMIC_METADATA(ns:key)% reads it; a missing header sets on_header_missing's
// value. NUMBER values that do not parse, and empty values, are skipped as in
// Envoy. `remove` deletes the header once read.
import { CONTINUE, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import type { HeaderMap } from '../../http/headers.js';
import type { HeaderRule, HeaderToMetadataSettings, MetadataTarget } from './decode.js';

export class HeaderToMetadataFactory implements HttpFilterFactory {
  /** Stateless: one object serves every stream. */
  private readonly filter: HttpFilter;

  constructor(readonly name: string, readonly settings: HeaderToMetadataSettings) {
    const f: HttpFilter = {};
    if (settings.requestRules.length > 0) f.decodeHeaders = (s: FilterStream): FilterStatus => {
      applyRules(settings.requestRules, s.headers, s);
      return CONTINUE;
    };
    if (settings.responseRules.length > 0) f.encodeHeaders = (s: FilterStream, _status: number, h: HeaderMap) => applyRules(settings.responseRules, h, s);
    this.filter = f;
  }

  create(): HttpFilter {
    return this.filter;
  }
}

export function applyRules(rules: readonly HeaderRule[], headers: HeaderMap, stream: FilterStream): void {
  for (const r of rules) {
    const v = headers.get(r.header);
    if (v !== undefined) {
      if (r.onPresent) set(r.onPresent, r.onPresent.value ?? v, stream);
      if (r.remove) headers.remove(r.header);
    } else if (r.onMissing) set(r.onMissing, r.onMissing.value!, stream);
  }
}

function set(t: MetadataTarget, raw: string, stream: FilterStream): void {
  let v = raw;
  if (t.base64) v = Buffer.from(v, 'base64').toString('utf8');
  if (v === '') return;
  if (t.type === 'NUMBER') {
    const n = Number(v);
    if (!Number.isFinite(n) || v.trim() === '') return;
    stream.info.setDynamicMetadata(t.namespace, t.key, n);
  } else stream.info.setDynamicMetadata(t.namespace, t.key, v);
}
