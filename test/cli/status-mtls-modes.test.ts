// `weft status` shows each workload's mTLS mode per port as the effective
// PeerAuthentication gives it: the modes it reads from a sidecar's listeners
// (src/up/mesh-security.ts) are checked here against the listeners the
// control plane builds for each composition (mesh → namespace → workload,
// UNSET inheriting, portLevelMtls on the workload port), in local mode as
// `weft up` runs sidecars, and formatted as the MTLS column prints them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TLS_MODE_LABEL } from '../../src/api/networking.js';
import type { PeerAuthentication, PeerAuthenticationSpec } from '../../src/api/security.js';
import { formatSecurity } from '../../src/cli/status.js';
import type { ServiceModel } from '../../src/control/model/types.js';
import { endpoint, host, NS, sidecarProxy } from '../../src/control/translate/test-bookinfo.js';
import { TestPushContext } from '../../src/control/translate/test-push-context.js';
import { translateProxy } from '../../src/control/translate/translate-proxy.js';
import { inboundMtlsModes } from '../../src/up/mesh-security.js';

// productpage: HTTP 9080 and TCP 9091, whose workload port is 9191 (what portLevelMtls names).
const SERVICE: ServiceModel = {
  hostname: host('productpage'), namespace: NS, resolution: 'STATIC', location: 'MESH_INTERNAL', exportTo: ['*'], addresses: [], source: 'test',
  ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }, { name: 'tcp', port: 9091, protocol: 'TCP', targetPort: 9191 }],
};
const ENDPOINTS = [endpoint('productpage', 'v1', '10.0.0.1'), endpoint('productpage', 'v1', '10.0.0.1', { servicePort: 9091, port: 9191 })];
// weft up's sidecar: each service port has its own inbound listener port.
const INBOUND = { 9080: 16001, 9091: 16002 };
const PROXY = sidecarProxy({
  labels: { app: 'productpage', version: 'v1', [TLS_MODE_LABEL]: 'istio' },
  metadata: { WEFT_INBOUND_PORTS: JSON.stringify(INBOUND), WEFT_APP_PORTS: '{"9080":19080,"9091":19191}' },
});

const pa = (name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
const mode = (m: 'STRICT' | 'PERMISSIVE' | 'DISABLE' | 'UNSET') => ({ mtls: { mode: m } });
const workload = { selector: { matchLabels: { app: 'productpage' } } };

/** What status reads: the modes per service port from a config_dump holding the translated listeners. */
function statusModes(policies: PeerAuthentication[]): Record<string, string> {
  const push = new TestPushContext({ services: [SERVICE], endpoints: ENDPOINTS, peerAuthentications: policies, mesh: { workloadCertificates: true } });
  const listeners = translateProxy(PROXY, push).resources.listeners;
  const dump = { configs: [{ dynamic_listeners: listeners.map((listener) => ({ active_state: { listener } })) }] };
  const byListen = new Map(Object.entries(INBOUND).map(([svc, listen]) => [listen, Number(svc)]));
  return inboundMtlsModes(dump, (p) => byListen.get(p));
}

const CASES: { name: string; policies: PeerAuthentication[]; want: Record<string, string> }[] = [
  { name: 'no policy: PERMISSIVE', policies: [], want: { 9080: 'PERMISSIVE', 9091: 'PERMISSIVE' } },
  { name: 'mesh STRICT', policies: [pa('default', 'istio-system', mode('STRICT'))], want: { 9080: 'STRICT', 9091: 'STRICT' } },
  { name: 'namespace DISABLE under mesh STRICT', policies: [pa('default', 'istio-system', mode('STRICT')), pa('default', NS, mode('DISABLE'))], want: { 9080: 'DISABLE', 9091: 'DISABLE' } },
  { name: 'workload UNSET inherits the namespace', policies: [pa('default', NS, mode('STRICT')), pa('pp', NS, { ...workload, ...mode('UNSET') })], want: { 9080: 'STRICT', 9091: 'STRICT' } },
  {
    name: 'portLevelMtls on the workload port 9191 changes service port 9091 only',
    policies: [pa('default', 'istio-system', mode('STRICT')), pa('pp', NS, { ...workload, portLevelMtls: { 9191: { mode: 'DISABLE' } } })],
    want: { 9080: 'STRICT', 9091: 'DISABLE' },
  },
  {
    name: 'workload PERMISSIVE with portLevelMtls STRICT on 9191',
    policies: [pa('default', NS, mode('DISABLE')), pa('pp', NS, { ...workload, ...mode('PERMISSIVE'), portLevelMtls: { 9191: { mode: 'STRICT' } } })],
    want: { 9080: 'PERMISSIVE', 9091: 'STRICT' },
  },
];

describe('weft status: mTLS mode per port as the effective PeerAuthentication gives it', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const modes = statusModes(c.policies);
      assert.deepEqual(modes, c.want);
      const [, row] = formatSecurity([{ name: 'productpage-v1', identity: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage', certState: 'VALID', mtls: modes as Record<string, 'STRICT'> }], true);
      assert.equal(row!.split('\t').at(-1), `9080:${c.want[9080]},9091:${c.want[9091]}`);
    });
  }
});
