// `weft up`'s defaults, each with its reason.
import path from 'node:path';

export const UP_DEFAULTS = {
  /**
   * Where sidecar inbound listeners and exposed ports bind. Loopback: a
   * development mesh on a laptop must not be reachable from the network
   * unless asked (`--bind`). Istio's pods bind the wildcard, but a pod has
   * its own network namespace; processes on one machine do not.
   */
  bindAddress: '127.0.0.1',
  /** Drain time given to sidecars on shutdown: short, a local mesh has no load balancer to drain from. */
  sidecarDrainS: 1,
  /** A sidecar must report LIVE (admin /ready) within this time, or start-up fails. */
  sidecarReadyTimeoutMs: 20_000,
  /** An app must accept connections on its PORT within this time to count as running in the banner. */
  appReadyTimeoutMs: 20_000,
  /**
   * The CA's folder, under the demo folder's `.weft/`: kept across runs, so a
   * restarted `weft up` signs with the same root (Istio keeps its root in
   * the `istio-ca-secret`).
   */
  caDir: path.join('.weft', 'ca'),
  /** The demo JWT issuer's private key (JWK), under `.weft/` beside the CA: kept across runs so tokens stay valid after a restart. */
  demoIssuerKey: path.join('.weft', 'demo-issuer', 'key.json'),
  /**
   * The identity of the edge proxies in front of exposed ports: Istio's
   * ingress gateway's service account, so they reach sidecars as a mesh
   * client would (and keep working under STRICT mTLS).
   */
  edgeIdentity: { namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-service-account' },
} as const;
