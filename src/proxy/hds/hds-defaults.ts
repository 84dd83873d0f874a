// Defaults of weft's HDS client, each with its reason.

export const HDS_DEFAULTS = {
  /** Report interval when the specifier sets none: Envoy's HdsDelegate default (1 s). */
  reportIntervalMs: 1000,
  /**
   * Protocols announced in HealthCheckRequest.capability. The proto's enum has
   * HTTP, TCP and REDIS only; gRPC checks are accepted all the same (weft's
   * checker runs them), there is just no value to announce them with.
   */
  capability: ['HTTP', 'TCP'] as const,
} as const;

export const HDS_STREAM_METHOD = '/envoy.service.health.v3.HealthDiscoveryService/StreamHealthCheck';
