// The protobuf codec every part of weft uses: strict proto3 JSON in (bootstrap
// files), binary in and out (xDS), proto3 JSON out (/config_dump), all on one
// canonical in-memory shape. See docs/architecture/protobuf.md.
export { fromJson } from './json-decode.js';
export { decodeBinary, isUnknownAny, type UnknownAny } from './binary-decode.js';
export { encodeBinary } from './binary-encode.js';
export { toJson } from './json-encode.js';
export { loadDescriptor } from './descriptor.js';
export { hasMessageType } from './schema.js';
export { ProtoCodecError } from './codec-error.js';
export { unsupportedTypeMessage } from './unsupported-type.js';
export {
  typeUrl, typeNameFromUrl, TYPE_URL_PREFIX, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, CLUSTER_TYPE_URL,
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, SECRET_TYPE_URL, XDS_RESOURCE_TYPE_URLS,
} from './type-urls.js';
