// One xDS resource of one snapshot, encoded at most once however many streams
// receive it (go-control-plane's cached_resource: marshalling is what costs CPU
// under load). The bytes are built lazily, so a resource no stream asks for is
// never encoded, and kept, so the thousandth stream costs a memcpy.
import { createHash } from 'node:crypto';
import { encodeBinary } from '../../xds/codec.js';
import { typeNameFromUrl } from '../../xds/type-urls.js';
import { ldFieldSize, utf8, writeLdField, writeLdHeader } from './wire-bytes.js';

/** Field numbers in google.protobuf.Any, DiscoveryResponse and discovery.v3.Resource. */
const ANY_TYPE_URL = 1;
const ANY_VALUE = 2;
const RESPONSE_RESOURCES = 2;
const RESOURCE_VERSION = 1;
const RESOURCE_RESOURCE = 2;
const RESOURCE_NAME = 3;

export class CachedResource {
  private encoded: Uint8Array | undefined;
  private anyBody: Uint8Array | undefined;
  private sotwBytes: Uint8Array | undefined;
  private deltaBytes: Uint8Array | undefined;
  private hash: string | undefined;

  /**
   * `message` is the resource in weft's canonical shape (no '@type'). The
   * cache owns it from here on: the caller must not mutate it, since its bytes
   * may already have been sent.
   */
  constructor(readonly typeUrl: string, readonly name: string, readonly message: object) {}

  /** The resource message's own wire bytes. Throws ProtoCodecError when `message` does not fit its schema. */
  bytes(): Uint8Array {
    return (this.encoded ??= encodeBinary(typeNameFromUrl(this.typeUrl), this.message));
  }

  /** google.protobuf.Any{type_url, value} wrapping the resource. */
  private any(): Uint8Array {
    if (this.anyBody) return this.anyBody;
    const url = utf8(this.typeUrl);
    const value = this.bytes();
    const out = new Uint8Array(ldFieldSize(url.length) + ldFieldSize(value.length));
    writeLdField(out, writeLdField(out, 0, ANY_TYPE_URL, url), ANY_VALUE, value);
    return (this.anyBody = out);
  }

  /** The whole `resources` field (2) of a DiscoveryResponse carrying this resource: tag, length, Any. */
  sotwField(): Uint8Array {
    if (this.sotwBytes) return this.sotwBytes;
    const any = this.any();
    const out = new Uint8Array(ldFieldSize(any.length));
    writeLdField(out, 0, RESPONSE_RESOURCES, any);
    return (this.sotwBytes = out);
  }

  /**
   * Content version for delta xDS: a digest of the encoded bytes, so a
   * resource rebuilt with the same content keeps its version and is not resent.
   */
  version(): string {
    return (this.hash ??= createHash('sha256').update(this.bytes()).digest('base64url').slice(0, 16));
  }

  /** The whole `resources` field (2) of a DeltaDiscoveryResponse: Resource{version, resource: Any, name}. */
  deltaField(): Uint8Array {
    if (this.deltaBytes) return this.deltaBytes;
    const version = utf8(this.version());
    const name = utf8(this.name);
    const any = this.any();
    const bodyLen = ldFieldSize(version.length) + ldFieldSize(any.length) + ldFieldSize(name.length);
    const out = new Uint8Array(ldFieldSize(bodyLen));
    let pos = writeLdHeader(out, 0, RESPONSE_RESOURCES, bodyLen);
    pos = writeLdField(out, pos, RESOURCE_VERSION, version);
    pos = writeLdField(out, pos, RESOURCE_RESOURCE, any);
    writeLdField(out, pos, RESOURCE_NAME, name);
    return (this.deltaBytes = out);
  }
}
