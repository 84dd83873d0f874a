// A VirtualService destination → the cluster it names, as Istio's
// GetDestinationCluster: the host resolved against the VirtualService's
// namespace; the port given, else the service's only port, else the port the
// route is built for. Unknown hosts and subsets still produce the name (the
// request then fails with 503 NC, as in Istio) and a message says why.
import type { Destination } from '../../api/networking.js';
import type { ServiceModel } from '../model/types.js';
import { MESSAGE_CODES } from './messages.js';
import { outboundClusterName } from './names.js';
import type { TranslateContext } from './translate-context.js';

export interface ResolvedDestination {
  readonly hostname: string;
  readonly port: number;
  readonly subset: string | undefined;
  readonly cluster: string;
  readonly service: ServiceModel | undefined;
}

export function resolveDestination(ctx: TranslateContext, d: Destination, vsNamespace: string, listenPort: number, key: string, path: string): ResolvedDestination {
  const hostname = ctx.push.resolveHost(d.host, vsNamespace);
  const service = ctx.serviceByHost.get(hostname);
  const port = d.port?.number ?? (service && service.ports.length === 1 ? service.ports[0]!.port : listenPort);
  if (!service) {
    ctx.messages.warn(MESSAGE_CODES.UNKNOWN_DESTINATION, key, `${path}.host`,
      `destination ${hostname} is not a service this proxy can see; requests routed to it fail with 503`);
  } else if (d.subset) {
    const subsets = ctx.destinationRule(hostname)?.obj.spec.subsets ?? [];
    if (!subsets.some((s) => s.name === d.subset)) {
      ctx.messages.warn(MESSAGE_CODES.UNKNOWN_SUBSET, key, `${path}.subset`,
        `subset "${d.subset}" of ${hostname} is not defined by a DestinationRule; requests routed to it fail with 503`);
    }
  }
  return { hostname, port, subset: d.subset || undefined, cluster: outboundClusterName(port, d.subset || undefined, hostname), service };
}
