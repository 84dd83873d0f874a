// Kubernetes objects to Envoy config over a real ADS stream: a sidecar in a
// namespace of the API server double gets the Service as an outbound cluster
// and the EndpointSlice's ready endpoints, with their Node's locality and
// the sidecars' Istio mTLS marking; a changed EndpointSlice is pushed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LogRegistry } from '../../src/common/log.js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { XdsTestClient, type DiscoveryResponse } from '../../src/control/server/xds-test-client.js';
import { KubeMode } from '../../src/kube/kube-mode.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL } from '../../src/xds/type-urls.js';
import type { KubeObject } from '../helpers/kube-api-double.js';
import { ns, pod, startDouble } from './kube-test-kit.js';

const NODE = {
  id: 'sidecar~10.244.1.9~productpage-v1-abc.bookinfo~bookinfo.svc.cluster.local',
  cluster: 'productpage.bookinfo',
  metadata: { NAMESPACE: 'bookinfo', LABELS: { app: 'productpage' }, INSTANCE_IPS: '10.244.1.9', SERVICE_ACCOUNT: 'bookinfo-productpage' },
};
const CLUSTER = 'outbound|9080||reviews.bookinfo.svc.cluster.local';

interface Cla { cluster_name: string; endpoints?: { locality?: { region?: string; zone?: string }; lb_endpoints?: { endpoint?: { address?: { socket_address?: { address?: string; port_value?: number } } }; metadata?: { filter_metadata?: Record<string, Record<string, unknown>> } }[] }[] }

const slice = (endpoints: { ip: string; pod: string }[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: 'reviews-x1', namespace: 'bookinfo', labels: { 'kubernetes.io/service-name': 'reviews' } },
  addressType: 'IPv4', ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: true }, nodeName: 'node-a', targetRef: { kind: 'Pod', name: e.pod, namespace: 'bookinfo' } })),
});

describe('Kubernetes registry over ADS', () => {
  it('sends the Service as a cluster and the EndpointSlice as its endpoints, and pushes changes', async () => {
    const d = await startDouble();
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-kube-xds-'));
    d.double.put(ns('istio-system'));
    d.double.put(ns('bookinfo', { 'istio-injection': 'enabled' }));
    d.double.put({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/region': 'europe-west1', 'topology.kubernetes.io/zone': 'europe-west1-b' } } });
    d.double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'bookinfo' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] } });
    d.double.put(pod('reviews-v1-a', 'bookinfo', { app: 'reviews', version: 'v1' }, { ip: '10.244.1.5', sidecar: true }));
    d.double.put(pod('reviews-v2-b', 'bookinfo', { app: 'reviews', version: 'v2' }, { ip: '10.244.1.6', sidecar: true }));
    d.double.put(slice([{ ip: '10.244.1.5', pod: 'reviews-v1-a' }]));
    const mode = new KubeMode({ client: d.client, identity: 'cp', informer: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    const cp = new ControlPlane({ configSources: [mode.configSource], registries: [mode.registry], xdsAddress: '127.0.0.1:0', secretsDir: secrets, debounceMs: 10, logs: new LogRegistry('off') });
    let client: XdsTestClient | undefined;
    try {
      mode.start();
      await cp.start();
      client = new XdsTestClient(`127.0.0.1:${cp.xdsPort}`);
      const s = client.sotw('ads');
      s.send({ node: NODE, type_url: CLUSTER_TYPE_URL });
      const cds = await s.next();
      assert.ok((cds.resources as { name?: string }[]).some((c) => c.name === CLUSTER), JSON.stringify((cds.resources as { name?: string }[]).map((c) => c.name)));
      s.send({ type_url: CLUSTER_TYPE_URL, version_info: cds.version_info, response_nonce: cds.nonce });
      s.send({ type_url: CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, resource_names: [CLUSTER] });
      let eds: DiscoveryResponse = await s.next();
      while (eds.type_url !== CLUSTER_LOAD_ASSIGNMENT_TYPE_URL) eds = await s.next();
      const cla = (eds.resources as unknown as Cla[])[0]!;
      assert.equal(cla.cluster_name, CLUSTER);
      const group = cla.endpoints![0]!;
      assert.deepEqual([group.locality?.region, group.locality?.zone], ['europe-west1', 'europe-west1-b']);
      const lb = group.lb_endpoints![0]!;
      assert.deepEqual([lb.endpoint?.address?.socket_address?.address, lb.endpoint?.address?.socket_address?.port_value], ['10.244.1.5', 9080]);
      assert.equal(lb.metadata?.filter_metadata?.['envoy.transport_socket_match']?.tlsMode, 'istio', `a pod with the sidecar is marked for auto mTLS: ${JSON.stringify(lb.metadata)}`);
      s.send({ type_url: CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, resource_names: [CLUSTER], version_info: eds.version_info, response_nonce: eds.nonce });

      // The EndpointSlice controller adds the v2 pod: an EDS push follows.
      d.double.put(slice([{ ip: '10.244.1.5', pod: 'reviews-v1-a' }, { ip: '10.244.1.6', pod: 'reviews-v2-b' }]));
      let push: DiscoveryResponse = await s.next();
      while (push.type_url !== CLUSTER_LOAD_ASSIGNMENT_TYPE_URL) push = await s.next();
      const addrs = (push.resources as unknown as Cla[])[0]!.endpoints!.flatMap((g) => g.lb_endpoints!.map((e) => e.endpoint?.address?.socket_address?.address)).sort();
      assert.deepEqual(addrs, ['10.244.1.5', '10.244.1.6']);
      s.call.end();
    } finally {
      client?.close();
      await cp.stop();
      await mode.stop();
      await d.double.stop();
      fs.rmSync(secrets, { recursive: true, force: true });
    }
  });
});
