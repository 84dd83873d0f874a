// *_headers_to_add / *_headers_to_remove compiled into one ordered list of
// operations. Within one level Envoy removes first, then adds; across levels the
// route table concatenates levels in the order they must apply (see
// route-entry.ts), so a request pays for one loop, not one per level.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { HeaderMap } from '../http/headers.js';
import type { envoy_config_core_v3_HeaderValueOption, envoy_config_core_v3_HeaderValueOption_HeaderAppendAction } from '../../xds/gen/types.js';
import { compileHeaderValue, formatHeaderValue, HeaderFormatContext, HeaderValueFormatter } from './header-formatter.js';

export type AppendAction = envoy_config_core_v3_HeaderValueOption_HeaderAppendAction;

/** One step of a header mutation. */
export type HeaderOp =
  | { readonly kind: 'remove'; readonly name: string }
  | { readonly kind: 'add'; readonly name: string; readonly value: HeaderValueFormatter; readonly action: AppendAction; readonly keepEmpty: boolean };

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const HEADER_VALUE_BAD = /[\0\r\n]/;
const ACTIONS: readonly AppendAction[] = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'];

/** An immutable, ordered list of header operations. */
export class HeaderMutation {
  static readonly EMPTY = new HeaderMutation([]);

  constructor(readonly ops: readonly HeaderOp[]) {}

  get isEmpty(): boolean {
    return this.ops.length === 0;
  }

  /** Concatenates mutations; each keeps its own remove-then-add order. */
  static concat(list: readonly HeaderMutation[]): HeaderMutation {
    const nonEmpty = list.filter((m) => !m.isEmpty);
    if (nonEmpty.length === 0) return HeaderMutation.EMPTY;
    if (nonEmpty.length === 1) return nonEmpty[0]!;
    return new HeaderMutation(nonEmpty.flatMap((m) => m.ops));
  }

  /** Applies every operation in order. Values that format to "" are skipped unless keep_empty_value. */
  apply(headers: HeaderMap, ctx: HeaderFormatContext): void {
    for (const op of this.ops) {
      if (op.kind === 'remove') {
        headers.remove(op.name);
        continue;
      }
      const value = formatHeaderValue(op.value, ctx);
      if (value === '' && !op.keepEmpty) continue;
      switch (op.action) {
        case 'APPEND_IF_EXISTS_OR_ADD':
          headers.add(op.name, value);
          break;
        case 'ADD_IF_ABSENT':
          if (!headers.has(op.name)) headers.add(op.name, value);
          break;
        case 'OVERWRITE_IF_EXISTS_OR_ADD':
          headers.set(op.name, value);
          break;
        case 'OVERWRITE_IF_EXISTS':
          if (headers.has(op.name)) headers.set(op.name, value);
          break;
      }
    }
  }
}

// Envoy refuses to let route config touch pseudo-headers or Host.
function checkModifiable(name: string, path: string, errs: ConfigErrors, verb: string): boolean {
  if (name.startsWith(':') || name === 'host') {
    errs.error(path, `:-prefixed or host headers may not be ${verb} (${name})`);
    return false;
  }
  if (!HEADER_NAME.test(name)) {
    errs.error(path, `invalid header name ${JSON.stringify(name)}`);
    return false;
  }
  return true;
}

/**
 * Decodes one level's `headers_to_remove` and `headers_to_add` (`addPath` and
 * `removePath` are the two fields' paths) into one mutation, removes first.
 */
export function decodeHeaderMutation(
  add: readonly envoy_config_core_v3_HeaderValueOption[] | undefined,
  addPath: string,
  remove: readonly string[] | undefined,
  removePath: string,
  errs: ConfigErrors,
): HeaderMutation {
  const ops: HeaderOp[] = [];
  (remove ?? []).forEach((raw, i) => {
    const name = raw.toLowerCase();
    if (checkModifiable(name, joinPath(removePath, i), errs, 'removed')) ops.push({ kind: 'remove', name });
  });
  (add ?? []).forEach((o, i) => {
    const op = decodeHeaderValueOption(o, joinPath(addPath, i), errs);
    if (op) ops.push(op);
  });
  return ops.length === 0 ? HeaderMutation.EMPTY : new HeaderMutation(ops);
}

function decodeHeaderValueOption(o: envoy_config_core_v3_HeaderValueOption, path: string, errs: ConfigErrors): HeaderOp | undefined {
  checkSupported(o, path, errs, ['header', 'append', 'append_action', 'keep_empty_value']);
  const hPath = joinPath(path, 'header');
  const h = o.header;
  if (!h) {
    errs.required(hPath, 'header is required');
    return undefined;
  }
  checkSupported(h, hPath, errs, ['key', 'value', 'raw_value']);
  const name = (h.key ?? '').toLowerCase();
  let ok = checkModifiable(name, joinPath(hPath, 'key'), errs, 'modified');
  if (h.value !== undefined && h.raw_value !== undefined) {
    errs.error(hPath, 'only one of value, raw_value may be set', CFG.CONFLICT);
    ok = false;
  }
  const rawText = h.raw_value !== undefined ? Buffer.from(h.raw_value).toString('latin1') : h.value ?? '';
  const valuePath = joinPath(hPath, h.raw_value !== undefined ? 'raw_value' : 'value');
  if (HEADER_VALUE_BAD.test(rawText)) {
    errs.error(valuePath, 'header values must not contain NUL, CR or LF');
    ok = false;
  }
  const value = compileHeaderValue(rawText, valuePath, errs);
  let action: AppendAction = 'APPEND_IF_EXISTS_OR_ADD';
  if (o.append !== undefined && o.append_action !== undefined) {
    errs.error(path, 'both append and append_action are set; use only append_action');
    ok = false;
  } else if (o.append !== undefined) {
    // Deprecated bool: true appends, false overwrites.
    action = o.append.value === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD';
  } else if (o.append_action !== undefined) {
    if (!ACTIONS.includes(o.append_action)) {
      errs.error(joinPath(path, 'append_action'), `unknown append_action ${String(o.append_action)}`);
      ok = false;
    } else action = o.append_action;
  }
  if (!ok || value === undefined) return undefined;
  return { kind: 'add', name, value, action, keepEmpty: o.keep_empty_value === true };
}

/** Lower-cases and validates a list of header names (e.g. internal_only_headers). */
export function decodeHeaderNames(list: readonly string[] | undefined, path: string, errs: ConfigErrors): string[] {
  const out: string[] = [];
  (list ?? []).forEach((raw, i) => {
    const name = raw.toLowerCase();
    if (checkModifiable(name, joinPath(path, i), errs, 'removed')) out.push(name);
  });
  return out;
}
