// SDS over its own gRPC stream (sds_config.api_config_source, GRPC): one
// SecretDiscoveryService/StreamSecrets stream per secret, to the named
// static cluster's endpoint (an IP:port, or a `pipe` as Istio's sds-grpc
// cluster to istio-agent), as Envoy opens one subscription per SdsApi.
// State of the world: the request names the secret; each response is ACKed
// with its version or NACKed with every error, and the stream reconnects with
// back-off (the xDS stream's own, ads-stream.ts) when it breaks.
// Loaded lazily (it pulls in grpc-js): a proxy without SDS clusters never pays for it.
import type { Clock } from '../../../common/clock.js';
import type { Logger } from '../../../common/log.js';
import { decodeBinary, encodeBinary } from '../../../xds/codec.js';
import { SECRET_TYPE_URL } from '../../../xds/type-urls.js';
import type { envoy_config_core_v3_Node, envoy_service_discovery_v3_DiscoveryRequest, envoy_service_discovery_v3_DiscoveryResponse } from '../../../xds/gen/types.js';
import { AdsStream } from '../../xds-client/ads-stream.js';
import type { RunningSource, SecretUpdateSink } from './secret-sources.js';

export const SDS_STREAM_METHOD = '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets';

const REQ = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESP = 'envoy.service.discovery.v3.DiscoveryResponse';

export interface SdsStreamOptions {
  readonly secretName: string;
  readonly clusterName: string;
  /** The gRPC target of one of the cluster's hosts now (`unix:/path`, `ip:port`), or undefined when it has none. */
  readonly target: () => string | undefined;
  readonly node: envoy_config_core_v3_Node;
  readonly sink: SecretUpdateSink;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
}

export function startSdsStream(o: SdsStreamOptions): RunningSource {
  /** version_info of the last accepted response: sent again after a reconnect. */
  let version = '';
  let stopped = false;
  const send = (nonce: string, errorDetail?: string) => {
    const req: envoy_service_discovery_v3_DiscoveryRequest = {
      node: o.node,
      type_url: SECRET_TYPE_URL,
      resource_names: [o.secretName],
      ...(version ? { version_info: version } : {}),
      ...(nonce ? { response_nonce: nonce } : {}),
      ...(errorDetail ? { error_detail: { code: 3, message: errorDetail } } : {}),
    };
    stream.send(encodeBinary(REQ, req));
  };
  const stream = new AdsStream(
    o.target,
    SDS_STREAM_METHOD,
    o.clusterName,
    {
      onOpen: () => send(''),
      onMessage: (bytes) => {
        let resp: envoy_service_discovery_v3_DiscoveryResponse;
        try {
          resp = decodeBinary<envoy_service_discovery_v3_DiscoveryResponse>(RESP, bytes);
        } catch (err) {
          o.sink.failure(`undecodable DiscoveryResponse: ${(err as Error).message}`);
          return;
        }
        const nonce = resp.nonce ?? '';
        const v = resp.version_info ?? '';
        const typeError = resp.type_url && resp.type_url !== SECRET_TYPE_URL ? `type_url: expected ${SECRET_TYPE_URL}, got ${resp.type_url}` : undefined;
        const rejected = o.sink.update(v, resp.resources ?? [], typeError);
        if (rejected === undefined) version = v;
        send(nonce, rejected);
      },
      // Our own stop() cancels the call: not a failure.
      onClose: (reason) => {
        if (!stopped) o.sink.failure(`SDS stream to cluster ${o.clusterName} closed: ${reason}`);
      },
    },
    o.clock,
    o.random,
    o.log,
  );
  stream.start();
  return {
    stop: () => {
      stopped = true;
      stream.stop();
    },
  };
}
