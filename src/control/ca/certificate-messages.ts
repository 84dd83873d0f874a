// Wire codec of istio.v1.auth.IstioCertificateService messages
// (istio/api security/v1alpha1/ca.proto), written with weft's wire reader and
// writer: two tiny messages do not justify loading a .proto at run time.
//
//   IstioCertificateRequest  { string csr = 1; int64 validity_duration = 3; google.protobuf.Struct metadata = 4; }
//   IstioCertificateResponse { repeated string cert_chain = 1; }
import { WireReader } from '../../xds/wire-reader.js';
import { WireWriter } from '../../xds/wire-writer.js';

export const CERTIFICATE_SERVICE = 'istio.v1.auth.IstioCertificateService';
export const CREATE_CERTIFICATE_METHOD = 'CreateCertificate';
export const CREATE_CERTIFICATE_PATH = `/${CERTIFICATE_SERVICE}/${CREATE_CERTIFICATE_METHOD}`;

export interface IstioCertificateRequest {
  csr: string;
  /** Requested lifetime in seconds; <= 0 asks for the default. */
  validityDuration: number;
  /**
   * `metadata` fields: string values as strings, other kinds as `undefined`
   * (the CA only reads Istio's string keys, e.g. ImpersonatedIdentity, CertSigner).
   */
  metadata: Map<string, string | undefined>;
}

/** One google.protobuf.Struct: its keys, with string values kept. */
function readStruct(r: WireReader, end: number, into: Map<string, string | undefined>): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag !== 0x0a) { // fields (1): map entry
      r.skipType(tag & 7);
      continue;
    }
    const entryEnd = r.delimitedEnd();
    let key = '';
    let value: string | undefined;
    while (r.pos < entryEnd) {
      const t = r.uint32();
      if (t === 0x0a) key = r.string();
      else if (t === 0x12) { // Value
        const vEnd = r.delimitedEnd();
        value = undefined;
        while (r.pos < vEnd) {
          const vt = r.uint32();
          if (vt === 0x1a) value = r.string(); // string_value (3)
          else r.skipType(vt & 7);
        }
      } else r.skipType(t & 7);
    }
    into.set(key, value);
  }
}

/** Decodes a request; throws RangeError on malformed protobuf. */
export function decodeCertificateRequest(buf: Buffer): IstioCertificateRequest {
  const r = new WireReader(buf);
  const out: IstioCertificateRequest = { csr: '', validityDuration: 0, metadata: new Map() };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a: out.csr = r.string(); break;
      case 0x18: out.validityDuration = r.int64(); break;
      case 0x22: { const end = r.delimitedEnd(); readStruct(r, end, out.metadata); break; }
      default: r.skipType(tag & 7); // subject_id (2, deprecated) and unknown fields
    }
  }
  if (r.pos !== r.len) throw new RangeError('message overruns its length');
  return out;
}

/** Encodes a request (the client side: tests now, the sidecar's CA client later). */
export function encodeCertificateRequest(req: { csr: string; validityDuration?: number; metadata?: Record<string, string> }): Buffer {
  const w = new WireWriter(req.csr.length + 64);
  w.uint32(0x0a).string(req.csr);
  if (req.validityDuration) w.uint32(0x18).int64(req.validityDuration);
  const meta = Object.entries(req.metadata ?? {});
  if (meta.length) {
    w.uint32(0x22);
    const s = w.fork();
    for (const [k, v] of meta) {
      w.uint32(0x0a);
      const e = w.fork();
      w.uint32(0x0a).string(k);
      w.uint32(0x12);
      const val = w.fork();
      w.uint32(0x1a).string(v);
      w.ldelim(val);
      w.ldelim(e);
    }
    w.ldelim(s);
  }
  return Buffer.from(w.finish());
}

export function encodeCertificateResponse(certChain: readonly string[]): Buffer {
  let size = 16;
  for (const c of certChain) size += c.length + 4;
  const w = new WireWriter(size);
  for (const c of certChain) w.uint32(0x0a).string(c);
  return Buffer.from(w.finish());
}

export function decodeCertificateResponse(buf: Buffer): string[] {
  const r = new WireReader(buf);
  const out: string[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) out.push(r.string());
    else r.skipType(tag & 7);
  }
  return out;
}
