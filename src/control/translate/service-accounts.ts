// The identities a service's servers present, as Istio's
// PushContext.ServiceAccounts computes them: the SPIFFE ID of every service
// account its endpoints run as (on any port), plus a ServiceEntry's
// subjectAltNames. Istio mTLS clients verify the server against this list.
import { spiffeId } from '../ca/workload-identity.js';
import type { PushContext, ServiceModel } from '../model/types.js';

/** Sorted, without duplicates; endpoints without a service account add nothing. */
export function serviceAccounts(push: PushContext, svc: ServiceModel): string[] {
  const out = new Set<string>(svc.subjectAltNames ?? []);
  for (const port of svc.ports) {
    for (const ep of push.endpoints(svc.hostname, port.port)) {
      if (ep.serviceAccount) out.add(spiffeId(push.mesh.trustDomain, { namespace: ep.namespace, serviceAccount: ep.serviceAccount }));
    }
  }
  return [...out].sort();
}
