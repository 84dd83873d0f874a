// Two weft sidecars in front of a TCP echo server, with the TCP chains the
// control plane builds (istio.stats before tcp_proxy, traffic_direction set):
// client ─► client sidecar (OUTBOUND) ─mTLS─► server sidecar (INBOUND) ─► echo.
// Certificates carry SPIFFE IDs, as workload certificates from the CA do.
import { tcpMetadataExchangeFilter, tcpStatsFilter } from '../../src/control/translate/telemetry-filters.js';
import { ISTIO_TLS } from '../../src/control/translate/istio-tls.js';
import { makeTestPki, type TestCert, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import { sidecarNode } from './istio-sidecars.js';
import { startTcpUpstream, type TcpUpstream } from './net-harness.js';
import { startProxy, type RunningProxy } from './proxy-harness.js';

export const TCP_SVC = 'mongodb.default.svc.cluster.local';
export const CLIENT_SPIFFE = 'spiffe://cluster.local/ns/default/sa/bookinfo-ratings';
export const SERVER_SPIFFE = 'spiffe://cluster.local/ns/default/sa/bookinfo-mongodb';
const OUT_CLUSTER = `outbound|27017||${TCP_SVC}`;
const IN_CLUSTER = 'inbound|27017||';
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

const tlsCert = (c: TestCert) => ({ certificate_chain: { filename: c.certPath }, private_key: { filename: c.keyPath } });

function cluster(name: string, port: number, transportSocket?: object, exchange = false): object {
  return {
    name, type: 'STATIC', connect_timeout: '1s',
    ...(exchange ? { filters: [tcpMetadataExchangeFilter()] } : {}),
    metadata: { filter_metadata: { istio: { services: [{ host: TCP_SVC, name: 'mongodb', namespace: 'default' }] } } },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
    ...(transportSocket ? { transport_socket: transportSocket } : {}),
  };
}

function listener(name: string, direction: 'INBOUND' | 'OUTBOUND', clusterName: string, transportSocket?: object, exchange = false): object {
  return {
    name, traffic_direction: direction,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      filters: [...(exchange ? [tcpMetadataExchangeFilter()] : []), tcpStatsFilter(), { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: clusterName, cluster: clusterName } }],
      ...(transportSocket ? { transport_socket: transportSocket } : {}),
    }],
  };
}

function bootstrapOf(nodeYaml: string, listeners: object[], clusters: object[]): string {
  // JSON is YAML's flow style: one line per top-level key after the node's block.
  return `${nodeYaml}admin: ${JSON.stringify({ address: { socket_address: { address: '127.0.0.1', port_value: 0 } } })}\nstatic_resources: ${JSON.stringify({ listeners, clusters })}\n`;
}

export interface TcpMesh {
  echo: TcpUpstream;
  /** ratings-v1's sidecar: connect to its port('outbound'). */
  client: RunningProxy;
  /** mongodb-v1's sidecar. */
  server: RunningProxy;
  /** With mtls: the CA and the client sidecar's certificate (for raw TLS clients of the server sidecar). */
  pki?: { root: TestCert; client: TestCert };
  close(): Promise<void>;
}

/**
 * `exchange`: which sidecars run Istio's TCP metadata exchange (the server's
 * inbound chain, the client's outbound cluster), each offering Istio's ALPN
 * list for it over mTLS as the control plane configures it.
 */
export async function startTcpMesh(o: { mtls: boolean; exchange?: { server?: boolean; client?: boolean } }): Promise<TcpMesh> {
  const mxServer = o.exchange?.server === true;
  const mxClient = o.exchange?.client === true;
  let clientCert: TestCert | undefined;
  let pki: TestPki | undefined;
  let serverTls: object | undefined;
  let clientTls: object | undefined;
  if (o.mtls) {
    pki = makeTestPki('weft-tcp-mesh-');
    const serverCert = pki.issue('server', { uris: [SERVER_SPIFFE] });
    clientCert = pki.issue('client', { uris: [CLIENT_SPIFFE] });
    const ca = { trusted_ca: { filename: pki.root.certPath } };
    serverTls = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        require_client_certificate: true,
        common_tls_context: { tls_certificates: [tlsCert(serverCert)], validation_context: ca, ...(mxServer ? { alpn_protocols: [...ISTIO_TLS.inboundAlpnTcp] } : {}) },
      },
    };
    clientTls = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: `outbound_.27017_._.${TCP_SVC}`,
        common_tls_context: { tls_certificates: [tlsCert(clientCert)], validation_context: ca, ...(mxClient ? { alpn_protocols: [...ISTIO_TLS.mtlsAlpnUpstream] } : {}) },
      },
    };
  }
  const echo = await startTcpUpstream('echo');
  const server = await startProxy(bootstrapOf(
    sidecarNode('sidecar~127.0.0.2~mongodb-v1-1.default~default.svc.cluster.local', 'mongodb-v1', { app: 'mongodb', version: 'v1' }, 'bookinfo-mongodb'),
    [listener('inbound', 'INBOUND', IN_CLUSTER, serverTls, mxServer)], [cluster(IN_CLUSTER, echo.port)]));
  const client = await startProxy(bootstrapOf(
    sidecarNode('sidecar~127.0.0.1~ratings-v1-1.default~default.svc.cluster.local', 'ratings-v1', { app: 'ratings', version: 'v1' }, 'bookinfo-ratings'),
    [listener('outbound', 'OUTBOUND', OUT_CLUSTER)], [cluster(OUT_CLUSTER, server.port('inbound'), clientTls, mxClient)]));
  return {
    echo, client, server,
    ...(pki && clientCert ? { pki: { root: pki.root, client: clientCert } } : {}),
    close: async () => {
      await client.close();
      await server.close();
      await echo.close();
      pki?.cleanup();
    },
  };
}
