// The Authorization service's messages, written and read by hand with weft's
// wire writer and reader: envoy.service.auth.v3.CheckRequest out,
// CheckResponse in. The check is on the request path, so there is no proto
// reflection and no intermediate object tree: field numbers are those of
// external_auth.proto and attribute_context.proto (envoy.service.auth.v3).
import { WireReader } from '../../../xds/wire-reader.js';
import { WireWriter } from '../../../xds/wire-writer.js';
import type { HeaderMap } from '../../http/headers.js';

/** One side of the connection (AttributeContext.Peer). */
export interface PeerInput {
  readonly address: string;
  readonly port: number;
  /** URI SAN of the certificate (else its subject); '' without TLS. */
  readonly principal: string;
  /** URL-encoded PEM (include_peer_certificate); '' when not sent. */
  readonly certificate: string;
}

/** What one CheckRequest carries. */
export interface CheckRequestInput {
  readonly source: PeerInput;
  readonly destination: PeerInput;
  /** Request start, ms since the epoch. */
  readonly timeMs: number;
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly scheme: string;
  readonly protocol: string;
  /** content-length, or -1 when unknown (Envoy's size). */
  readonly size: number;
  /** Headers already filtered by allowed_headers/disallowed_headers; parallel arrays, duplicates joined. */
  readonly headerNames: readonly string[];
  readonly headerValues: readonly string[];
  readonly body: Buffer | undefined;
  readonly packAsBytes: boolean;
  readonly contextExtensions: Readonly<Record<string, string>> | undefined;
  /** tls_session.sni (include_tls_session); undefined: not sent. */
  readonly sni: string | undefined;
}

let shared: WireWriter | undefined;

/** Encodes a CheckRequest as one length-prefixed gRPC message (5-byte frame header included). */
export function encodeCheckRequestFrame(r: CheckRequestInput): Buffer {
  const w = shared ?? new WireWriter(2048);
  shared = undefined;
  // CheckRequest.attributes = 1
  w.uint32((1 << 3) | 2);
  const attrs = w.fork();
  writePeer(w, 1, r.source);
  writePeer(w, 2, r.destination);
  // request = 4 { time = 1, http = 2 }
  w.uint32((4 << 3) | 2);
  const req = w.fork();
  w.uint32((1 << 3) | 2);
  const ts = w.fork();
  const seconds = Math.floor(r.timeMs / 1000);
  if (seconds) w.uint32(1 << 3).int64(seconds);
  const nanos = Math.round((r.timeMs - seconds * 1000) * 1e6);
  if (nanos) w.uint32(2 << 3).int32(nanos);
  w.ldelim(ts);
  w.uint32((2 << 3) | 2);
  const http = w.fork();
  if (r.id) w.uint32((1 << 3) | 2).string(r.id);
  w.uint32((2 << 3) | 2).string(r.method);
  for (let i = 0; i < r.headerNames.length; i++) {
    w.uint32((3 << 3) | 2);
    const e = w.fork();
    w.uint32((1 << 3) | 2).string(r.headerNames[i]!);
    w.uint32((2 << 3) | 2).string(r.headerValues[i]!);
    w.ldelim(e);
  }
  w.uint32((4 << 3) | 2).string(r.path);
  w.uint32((5 << 3) | 2).string(r.host);
  if (r.scheme) w.uint32((6 << 3) | 2).string(r.scheme);
  if (r.size !== 0) w.uint32(9 << 3).int64(r.size);
  w.uint32((10 << 3) | 2).string(r.protocol);
  if (r.body && r.body.length > 0) {
    if (r.packAsBytes) w.uint32((12 << 3) | 2).bytes(r.body);
    else w.uint32((11 << 3) | 2).string(r.body.toString('utf8'));
  }
  w.ldelim(http);
  w.ldelim(req);
  // context_extensions = 10 (map<string, string>)
  if (r.contextExtensions) {
    for (const k in r.contextExtensions) {
      w.uint32((10 << 3) | 2);
      const e = w.fork();
      w.uint32((1 << 3) | 2).string(k);
      w.uint32((2 << 3) | 2).string(r.contextExtensions[k]!);
      w.ldelim(e);
    }
  }
  // tls_session = 12 { sni = 1 }
  if (r.sni !== undefined) {
    w.uint32((12 << 3) | 2);
    const t = w.fork();
    if (r.sni) w.uint32((1 << 3) | 2).string(r.sni);
    w.ldelim(t);
  }
  w.ldelim(attrs);
  const msg = w.finish();
  if (w.reusable) shared = w;
  const out = Buffer.allocUnsafe(5 + msg.length);
  out[0] = 0;
  out.writeUInt32BE(msg.length, 1);
  out.set(msg, 5);
  return out;
}

function writePeer(w: WireWriter, field: number, p: PeerInput): void {
  w.uint32((field << 3) | 2);
  const peer = w.fork();
  // address = 1 { socket_address = 1 { address = 2, port_value = 3 } }
  if (p.address) {
    w.uint32((1 << 3) | 2);
    const a = w.fork();
    w.uint32((1 << 3) | 2);
    const sa = w.fork();
    w.uint32((2 << 3) | 2).string(p.address);
    if (p.port) w.uint32(3 << 3).uint32(p.port);
    w.ldelim(sa);
    w.ldelim(a);
  }
  if (p.principal) w.uint32((4 << 3) | 2).string(p.principal);
  if (p.certificate) w.uint32((5 << 3) | 2).string(p.certificate);
  w.ldelim(peer);
}

/** A config.core.v3.HeaderValueOption as the filter applies it. */
export interface HeaderOption {
  readonly key: string;
  readonly value: string;
  /** The `append` wrapper; undefined when unset. */
  readonly append: boolean | undefined;
  /** HeaderAppendAction: 0 APPEND_IF_EXISTS_OR_ADD, 1 ADD_IF_ABSENT, 2 OVERWRITE_IF_EXISTS_OR_ADD, 3 OVERWRITE_IF_EXISTS. */
  readonly appendAction: number;
}

export interface OkResponse {
  readonly headers: HeaderOption[];
  readonly headersToRemove: string[];
  readonly responseHeadersToAdd: HeaderOption[];
  readonly queryParametersToSet: [string, string][];
  readonly queryParametersToRemove: string[];
}

export interface DeniedResponse {
  /** 0 when unset. */
  readonly status: number;
  readonly headers: HeaderOption[];
  readonly body: string;
}

export interface CheckResponse {
  /** google.rpc.Status code; 0 (OK) allows. */
  readonly code: number;
  readonly ok: OkResponse | undefined;
  readonly denied: DeniedResponse | undefined;
  /** The authorizer sent dynamic_metadata (weft does not apply it). */
  readonly dynamicMetadata: boolean;
}

/** Decodes a CheckResponse message (without its gRPC frame header). Throws RangeError on malformed input. */
export function decodeCheckResponse(buf: Buffer): CheckResponse {
  const r = new WireReader(buf);
  let code = 0;
  let ok: OkResponse | undefined;
  let denied: DeniedResponse | undefined;
  let dynamicMetadata = false;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2: {
        const end = r.delimitedEnd();
        while (r.pos < end) {
          const t = r.uint32();
          if (t === (1 << 3)) code = r.int32();
          else r.skipType(t & 7);
        }
        break;
      }
      case (2 << 3) | 2:
        denied = readDenied(r, r.delimitedEnd());
        ok = undefined;
        break;
      case (3 << 3) | 2:
        ok = readOk(r, r.delimitedEnd());
        denied = undefined;
        break;
      case (4 << 3) | 2:
        dynamicMetadata = true;
        r.skipType(2);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { code, ok, denied, dynamicMetadata };
}

function readOk(r: WireReader, end: number): OkResponse {
  const out: OkResponse = { headers: [], headersToRemove: [], responseHeadersToAdd: [], queryParametersToSet: [], queryParametersToRemove: [] };
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case (2 << 3) | 2: out.headers.push(readHeaderOption(r, r.delimitedEnd())); break;
      case (5 << 3) | 2: out.headersToRemove.push(r.string().toLowerCase()); break;
      case (6 << 3) | 2: out.responseHeadersToAdd.push(readHeaderOption(r, r.delimitedEnd())); break;
      case (7 << 3) | 2: {
        const e = r.delimitedEnd();
        let k = '';
        let v = '';
        while (r.pos < e) {
          const f = r.uint32();
          if (f === ((1 << 3) | 2)) k = r.string();
          else if (f === ((2 << 3) | 2)) v = r.string();
          else r.skipType(f & 7);
        }
        out.queryParametersToSet.push([k, v]);
        break;
      }
      case (8 << 3) | 2: out.queryParametersToRemove.push(r.string()); break;
      default: r.skipType(t & 7);
    }
  }
  r.pos = end;
  return out;
}

function readDenied(r: WireReader, end: number): DeniedResponse {
  let status = 0;
  const headers: HeaderOption[] = [];
  let body = '';
  while (r.pos < end) {
    const t = r.uint32();
    if (t === ((1 << 3) | 2)) {
      const e = r.delimitedEnd();
      while (r.pos < e) {
        const f = r.uint32();
        if (f === (1 << 3)) status = r.int32();
        else r.skipType(f & 7);
      }
    } else if (t === ((2 << 3) | 2)) headers.push(readHeaderOption(r, r.delimitedEnd()));
    else if (t === ((3 << 3) | 2)) body = r.string();
    else r.skipType(t & 7);
  }
  r.pos = end;
  return { status, headers, body };
}

function readHeaderOption(r: WireReader, end: number): HeaderOption {
  let key = '';
  let value = '';
  let append: boolean | undefined;
  let appendAction = 0;
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case (1 << 3) | 2: {
        // header = 1 { key = 1, value = 2, raw_value = 3 }
        const e = r.delimitedEnd();
        while (r.pos < e) {
          const f = r.uint32();
          if (f === ((1 << 3) | 2)) key = r.string().toLowerCase();
          else if (f === ((2 << 3) | 2)) value = r.string();
          else if (f === ((3 << 3) | 2)) value = r.string();
          else r.skipType(f & 7);
        }
        break;
      }
      case (2 << 3) | 2: {
        // append = 2 (BoolValue { value = 1 })
        const e = r.delimitedEnd();
        append = false;
        while (r.pos < e) {
          const f = r.uint32();
          if (f === (1 << 3)) append = r.bool();
          else r.skipType(f & 7);
        }
        break;
      }
      case 3 << 3: appendAction = r.uint32(); break;
      default: r.skipType(t & 7);
    }
  }
  r.pos = end;
  return { key, value, append, appendAction };
}

/**
 * Applies one HeaderValueOption to `h` as Envoy's ext_authz does: an explicit
 * `append` decides (true appends, false overwrites); without it the
 * append_action does, and an unset append_action overwrites (Envoy's ext_authz
 * treats an absent `append` as false).
 */
export function applyHeaderOption(h: HeaderMap, o: HeaderOption): void {
  if (!o.key) return;
  if (o.append !== undefined) {
    if (o.append) h.add(o.key, o.value);
    else h.set(o.key, o.value);
    return;
  }
  switch (o.appendAction) {
    case 1: if (!h.has(o.key)) h.add(o.key, o.value); return;
    case 3: if (h.has(o.key)) h.set(o.key, o.value); return;
    default: h.set(o.key, o.value);
  }
}
