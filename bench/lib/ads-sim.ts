// Simulated ADS proxies for the xDS benchmark: each holds one HTTP/2
// connection (node:http2, gRPC framing written here) with one ADS stream,
// SotW or delta, subscribes to CDS and LDS by wildcard and to EDS and RDS by
// name as Envoy does, and ACKs every response at once with its nonce (SotW:
// version_info and the full resource_names list again; delta: the nonce
// only). Responses are not decoded: a streaming reader picks out version,
// type URL and nonce (and, for delta, each resource's name and version, which
// a reconnecting proxy sends back as initial_resource_versions), so one
// process can hold thousands of proxies.
import http2 from 'node:http2';

export const ADS_SOTW_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
export const ADS_DELTA_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

/** Envoy's default HTTP/2 windows for its gRPC clients (256 MiB). */
const ENVOY_WINDOW = 256 * 1024 * 1024;

// ---------------------------------------------------------------- protobuf bits

function varint(v: number): number[] {
  const out: number[] = [];
  while (v > 127) {
    out.push((v & 127) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** One length-delimited field. */
export function ld(field: number, body: Uint8Array | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(b.length)]), b]);
}

/** gRPC length-prefixed message made of `parts` (concatenated protobuf fields), in one allocation. */
export function grpcFrame(...parts: Buffer[]): Buffer {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = Buffer.allocUnsafe(5 + len);
  out[0] = 0;
  out.writeUInt32BE(len, 1);
  let pos = 5;
  for (const p of parts) pos += p.copy(out, pos);
  return out;
}

/** The top-level fields a proxy needs from a (Delta)DiscoveryResponse. */
export interface ResponseHead {
  version: string;
  typeUrl: string;
  nonce: string;
  /** Delta: resource name → version. */
  resources?: Map<string, string>;
  /** Delta: removed_resources. */
  removed?: string[];
  /** Number of `resources` fields. */
  count: number;
  bytes: number;
}

/**
 * Reads gRPC messages from DATA chunks without joining them: top-level
 * protobuf fields 1, 4, 5 are kept (small strings), field 2 is skipped (SotW)
 * or kept and parsed for name and version (delta), field 6 kept (delta).
 */
export class ResponseReader {
  private hdr = Buffer.alloc(5);
  private hdrFill = 0;
  private msgLeft = 0;
  private msgLen = 0;
  // Field reader state.
  private stage: 'tag' | 'len' | 'body' | 'skipv' = 'tag';
  private vv = 0;
  private vs = 0;
  private field = 0;
  private wire = 0;
  private bodyLeft = 0;
  private keep: Buffer[] | undefined;
  private head!: ResponseHead;

  constructor(private readonly delta: boolean, private readonly onMessage: (h: ResponseHead) => void) {
    this.reset();
  }

  private reset(): void {
    this.head = { version: '', typeUrl: '', nonce: '', count: 0, bytes: 0 };
    if (this.delta) {
      this.head.resources = new Map();
      this.head.removed = [];
    }
    this.stage = 'tag';
    this.vv = 0;
    this.vs = 0;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.msgLeft === 0 && this.hdrFill < 5) {
        const n = Math.min(5 - this.hdrFill, chunk.length - pos);
        chunk.copy(this.hdr, this.hdrFill, pos, pos + n);
        this.hdrFill += n;
        pos += n;
        if (this.hdrFill < 5) return;
        this.msgLen = this.msgLeft = this.hdr.readUInt32BE(1);
        this.reset();
        if (this.msgLeft === 0) this.finish();
        continue;
      }
      const n = Math.min(this.msgLeft, chunk.length - pos);
      this.fields(chunk, pos, pos + n);
      pos += n;
      this.msgLeft -= n;
      if (this.msgLeft === 0) this.finish();
    }
  }

  private finish(): void {
    this.hdrFill = 0;
    this.head.bytes = this.msgLen;
    this.onMessage(this.head);
  }

  private fields(b: Buffer, pos: number, end: number): void {
    while (pos < end) {
      switch (this.stage) {
        case 'tag':
        case 'len':
        case 'skipv': {
          const c = b[pos++];
          this.vv += (c & 127) * 2 ** this.vs;
          this.vs += 7;
          if (c & 128) continue;
          const v = this.vv;
          this.vv = 0;
          this.vs = 0;
          if (this.stage === 'tag') {
            this.field = Math.floor(v / 8);
            this.wire = v & 7;
            if (this.wire === 2) this.stage = 'len';
            else if (this.wire === 0) this.stage = 'skipv';
            else {
              this.bodyLeft = this.wire === 1 ? 8 : 4;
              this.keep = undefined;
              this.stage = 'body';
            }
          } else if (this.stage === 'len') {
            this.bodyLeft = v;
            const f = this.field;
            if (f === 2) this.head.count++;
            this.keep = f === 1 || f === 4 || f === 5 || (this.delta && (f === 2 || f === 6)) ? [] : undefined;
            this.stage = 'body';
            if (v === 0) this.endField();
          } else this.stage = 'tag';
          break;
        }
        case 'body': {
          const n = Math.min(this.bodyLeft, end - pos);
          if (this.keep) this.keep.push(b.subarray(pos, pos + n));
          pos += n;
          this.bodyLeft -= n;
          if (this.bodyLeft === 0) this.endField();
          break;
        }
      }
    }
  }

  private endField(): void {
    this.stage = 'tag';
    const parts = this.keep;
    this.keep = undefined;
    if (!parts || this.wire !== 2) return;
    const body = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    switch (this.field) {
      case 1: this.head.version = body.toString('utf8'); break;
      case 4: this.head.typeUrl = body.toString('utf8'); break;
      case 5: this.head.nonce = body.toString('utf8'); break;
      case 6: this.head.removed?.push(body.toString('utf8')); break;
      case 2: {
        const r = resourceNameVersion(body);
        this.head.resources?.set(r.name, r.version);
        break;
      }
    }
  }
}

/** name (3) and version (1) of a discovery.v3.Resource. */
function resourceNameVersion(b: Buffer): { name: string; version: string } {
  let pos = 0;
  let name = '';
  let version = '';
  const rv = (): number => {
    let v = 0, s = 0, c: number;
    do { c = b[pos++]; v += (c & 127) * 2 ** s; s += 7; } while (c & 128);
    return v;
  };
  while (pos < b.length) {
    const tag = rv();
    const wt = tag & 7, f = tag >>> 3;
    if (wt === 2) {
      const len = rv();
      if (f === 3) name = b.toString('utf8', pos, pos + len);
      else if (f === 1) version = b.toString('utf8', pos, pos + len);
      pos += len;
    } else if (wt === 0) rv();
    else pos += wt === 1 ? 8 : 4;
  }
  return { name, version };
}

// ---------------------------------------------------------------- the proxy

export interface SimConfig {
  port: number;
  protocol: 'sotw' | 'delta';
  /** Type URLs in the order Envoy first asks for them: CDS, EDS, LDS, RDS. */
  types: readonly string[];
  /** Names subscribed per type; empty = wildcard. */
  names: ReadonlyMap<string, readonly string[]>;
  /** Called for every response (after the ACK is written). */
  onResponse(proxy: SimProxy, head: ResponseHead): void;
  /** The stream or connection ended; the proxy reconnects when asked (reconnect()). */
  onClosed?(proxy: SimProxy): void;
}

/** Per-type request bytes that never change: type_url field and (SotW) the resource_names fields. */
interface TypeFields {
  typeUrl: Buffer;
  names: Buffer;
}

const fieldCache = new WeakMap<SimConfig, Map<string, TypeFields>>();
function typeFields(cfg: SimConfig, typeUrl: string): TypeFields {
  let m = fieldCache.get(cfg);
  if (!m) fieldCache.set(cfg, (m = new Map()));
  let f = m.get(typeUrl);
  if (!f) {
    const sotw = cfg.protocol === 'sotw';
    const names = cfg.names.get(typeUrl) ?? [];
    // SotW: type_url 4, resource_names 3. Delta: type_url 2, resource_names_subscribe 3.
    f = { typeUrl: ld(sotw ? 4 : 2, typeUrl), names: Buffer.concat(names.map((n) => ld(3, n))) };
    m.set(typeUrl, f);
  }
  return f;
}

export class SimProxy {
  private session: http2.ClientHttp2Session | undefined;
  private stream: http2.ClientHttp2Stream | undefined;
  /** Delta: what the proxy holds, per type (sent back as initial_resource_versions on reconnect). */
  readonly held = new Map<string, Map<string, string>>();
  /** SotW: last version accepted per type (sent as version_info). */
  readonly versions = new Map<string, string>();
  /** Type URLs answered at least once on the current stream. */
  answered = new Set<string>();
  /** Increments on each new stream. */
  generation = 0;
  closed = false;

  constructor(readonly index: number, readonly nodeBytes: Buffer, private readonly cfg: SimConfig) {}

  connect(): void {
    this.closed = false;
    this.generation++;
    this.answered = new Set();
    const session = http2.connect(`http://127.0.0.1:${this.cfg.port}`, {
      settings: { initialWindowSize: ENVOY_WINDOW, enablePush: false },
    });
    this.session = session;
    session.on('error', () => {});
    session.on('connect', () => session.setLocalWindowSize(ENVOY_WINDOW));
    const sotw = this.cfg.protocol === 'sotw';
    const stream = session.request({
      ':method': 'POST', ':path': sotw ? ADS_SOTW_PATH : ADS_DELTA_PATH,
      'content-type': 'application/grpc', te: 'trailers',
    });
    this.stream = stream;
    const reader = new ResponseReader(!sotw, (h) => this.onMessage(h));
    stream.on('data', (c: Buffer) => reader.push(c));
    stream.on('error', () => {});
    // The server ending the stream (trailers) or the connection going away ends this proxy's stream.
    const ended = (): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.session = undefined;
      session.destroy();
      this.closed = true;
      this.cfg.onClosed?.(this);
    };
    stream.on('end', ended);
    stream.on('close', ended);
    // Initial requests: node on the first only (Istio's bootstrap sets set_node_on_first_message_only).
    let first = true;
    for (const url of this.cfg.types) {
      const f = typeFields(this.cfg, url);
      const parts: Buffer[] = [];
      if (sotw) {
        const v = this.versions.get(url);
        if (v) parts.push(ld(1, v));
        if (first) parts.push(ld(2, this.nodeBytes));
        parts.push(f.names, f.typeUrl);
      } else {
        if (first) parts.push(ld(1, this.nodeBytes));
        parts.push(f.typeUrl, f.names);
        const held = this.held.get(url);
        // initial_resource_versions (5): map<string,string> entries {key 1, value 2}.
        if (held) for (const [k, v] of held) parts.push(ld(5, Buffer.concat([ld(1, k), ld(2, v)])));
      }
      first = false;
      stream.write(grpcFrame(...parts));
    }
  }

  private onMessage(h: ResponseHead): void {
    const stream = this.stream;
    if (!stream) return;
    const f = typeFields(this.cfg, h.typeUrl);
    const nonce = ld(this.cfg.protocol === 'sotw' ? 5 : 6, h.nonce);
    if (this.cfg.protocol === 'sotw') {
      this.versions.set(h.typeUrl, h.version);
      stream.write(grpcFrame(ld(1, h.version), f.names, f.typeUrl, nonce));
    } else {
      let held = this.held.get(h.typeUrl);
      if (!held) this.held.set(h.typeUrl, (held = new Map()));
      for (const [k, v] of h.resources!) held.set(k, v);
      for (const k of h.removed!) held.delete(k);
      stream.write(grpcFrame(f.typeUrl, nonce));
    }
    this.answered.add(h.typeUrl);
    this.cfg.onResponse(this, h);
  }

  /** Ends the stream and connection. */
  close(): void {
    const s = this.session;
    this.stream = undefined;
    this.session = undefined;
    this.closed = true;
    s?.destroy();
  }
}
