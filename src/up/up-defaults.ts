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
  /** The sidecars' CLUSTER_ID: Istio's default (`Kubernetes`), what source_cluster and destination_cluster then say. */
  clusterId: 'Kubernetes',
  /** The control plane as a scrape target: istiod's pod and namespace, so dashboards' `pod=~"istiod-.*"` filters match. */
  controlPlaneNamespace: 'istio-system',
  controlPlanePod: 'istiod-weft',
  /** Prometheus's config and data, kept across runs under the demo folder's `.weft/`. */
  prometheusDir: path.join('.weft', 'prometheus'),
  /**
   * Scrape (and rule evaluation) interval: 1 s, so a demo's dashboards and
   * rate() queries move as soon as traffic does (Istio's add-on uses 15 s;
   * a handful of local targets cost little at 1 s).
   */
  prometheusScrapeIntervalS: 1,
  /** Prometheus must answer /-/ready within this time, or the mesh runs without it (a note says so). */
  prometheusReadyTimeoutMs: 20_000,
} as const;
