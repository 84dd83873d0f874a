import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyInfoFromNode } from './proxy-info.js';

test('proxyInfoFromNode: Istio node ids and metadata', () => {
  const cases: { name: string; node: Parameters<typeof proxyInfoFromNode>[0]; want: Partial<ReturnType<typeof proxyInfoFromNode>> }[] = [
    {
      name: 'sidecar id, namespace from domain',
      node: { id: 'sidecar~10.0.0.1~reviews-v1-abc.default~default.svc.cluster.local' },
      want: { type: 'sidecar', namespace: 'default', ips: ['10.0.0.1'], labels: {}, serviceAccount: '', workloadName: '' },
    },
    {
      name: 'router id, namespace from pod id when the domain has none',
      node: { id: 'router~10.0.0.9~ingress-7f.istio-system~cluster' },
      want: { type: 'router', namespace: 'istio-system', ips: ['10.0.0.9'] },
    },
    {
      name: 'metadata wins over the id',
      node: {
        id: 'sidecar~10.0.0.1~reviews-v1-abc.default~default.svc.cluster.local',
        metadata: {
          NAMESPACE: 'prod',
          LABELS: { app: 'reviews', version: 'v1' },
          INSTANCE_IPS: '10.1.1.1, fd00::1',
          SERVICE_ACCOUNT: 'bookinfo-reviews',
          WORKLOAD_NAME: 'reviews-v1',
          ISTIO_VERSION: '1.22.0',
        },
      },
      want: { type: 'sidecar', namespace: 'prod', labels: { app: 'reviews', version: 'v1' }, ips: ['10.1.1.1', 'fd00::1'], serviceAccount: 'bookinfo-reviews', workloadName: 'reviews-v1' },
    },
    {
      name: 'proxyless gRPC',
      node: { id: 'sidecar~10.0.0.2~client.grpc-ns~grpc-ns.svc.cluster.local', metadata: { GENERATOR: 'grpc', LABELS: '{"app":"client","n":3}' } },
      want: { type: 'grpc', namespace: 'grpc-ns', labels: { app: 'client', n: '3' } },
    },
    { name: 'malformed id', node: { id: 'not-an-istio-id' }, want: { type: 'sidecar', namespace: 'default', ips: [] } },
    { name: 'no node', node: undefined, want: { id: '', type: 'sidecar', namespace: 'default', ips: [], labels: {} } },
    { name: 'garbage metadata', node: { id: 'router~~x~', metadata: { LABELS: 'not json', INSTANCE_IPS: 42, NAMESPACE: '' } as Record<string, unknown> }, want: { type: 'router', namespace: 'default', labels: {}, ips: [] } },
  ];
  for (const c of cases) {
    const p = proxyInfoFromNode(c.node);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual((p as unknown as Record<string, unknown>)[k], v, `${c.name}: ${k}`);
  }
  const md = { ISTIO_VERSION: '1.22.0' };
  assert.equal(proxyInfoFromNode({ id: 'x', metadata: md }).metadata, md);
});
