// `weft analyze` with Kubernetes objects among the files (as `istioctl analyze`
// reads local files): namespaces without injection (IST0102), pods without
// the sidecar (IST0103), Gateway ports their Service does not expose (IST0104),
// Gateway selectors with no pods (IST0101), credentialName Secrets missing or
// invalid (IST0161), DestinationRule subsets selecting no pod (IST0173) and
// Sidecar selectors matching no pod, judged against Services with their pods.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/net-harness.js';
import { runWeft } from '../helpers/process-harness.js';
import { OPENSSL_FOR_DOUBLE } from '../helpers/kube-api-double.js';

const KUBE = `
apiVersion: v1
kind: Namespace
metadata: { name: bookinfo, labels: { istio-injection: enabled } }
---
apiVersion: v1
kind: Namespace
metadata: { name: legacy }
---
apiVersion: v1
kind: Namespace
metadata: { name: istio-system }
---
apiVersion: v1
kind: Namespace
metadata: { name: both, labels: { istio-injection: enabled, istio.io/rev: canary } }
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: bookinfo, labels: { app: reviews } }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: reviews-v1, namespace: bookinfo }
spec:
  selector: { matchLabels: { app: reviews, version: v1 } }
  template:
    metadata: { labels: { app: reviews, version: v1 } }
    spec:
      serviceAccountName: bookinfo-reviews
      containers: [{ name: reviews, image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.1, ports: [{ containerPort: 9080 }] }]
---
apiVersion: v1
kind: Pod
metadata: { name: ratings-v1-abc, namespace: bookinfo, labels: { app: ratings, version: v1 } }
spec:
  containers: [{ name: ratings, image: docker.io/istio/examples-bookinfo-ratings-v1:1.20.1 }]
---
apiVersion: v1
kind: Pod
metadata: { name: details-v1-def, namespace: bookinfo, labels: { app: details, version: v1 } }
spec:
  initContainers: [{ name: istio-init, image: weft/proxy }]
  containers: [{ name: details, image: details }, { name: istio-proxy, image: weft/proxy }]
---
apiVersion: v1
kind: Service
metadata: { name: istio-ingressgateway, namespace: istio-system }
spec:
  type: LoadBalancer
  selector: { istio: ingressgateway }
  ports: [{ name: http2, port: 80, targetPort: 8080 }, { name: https, port: 443, targetPort: 8443 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: istio-ingressgateway, namespace: istio-system }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  template:
    metadata: { labels: { istio: ingressgateway, app: istio-ingressgateway } }
    spec: { containers: [{ name: istio-proxy, image: weft/proxy }] }
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: { name: istio-sidecar-injector }
webhooks: []
`;

const ISTIO = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo-gateway, namespace: bookinfo }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: ["*"]
  - port: { number: 8443, name: https, protocol: HTTPS }
    hosts: ["bookinfo.example.com"]
    tls: { mode: SIMPLE, credentialName: missing-credential }
  - port: { number: 443, name: https-good, protocol: HTTPS }
    hosts: ["good.example.com"]
    tls: { mode: SIMPLE, credentialName: good-credential }
  - port: { number: 443, name: https-bad, protocol: HTTPS }
    hosts: ["bad.example.com"]
    tls: { mode: SIMPLE, credentialName: bad-credential }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: nowhere, namespace: bookinfo }
spec:
  selector: { istio: egress-nothing }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: bookinfo }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v9, labels: { version: v9 } }]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: only-nothing, namespace: bookinfo }
spec:
  workloadSelector: { labels: { app: nothing } }
  egress: [{ hosts: ["./*"] }]
`;

interface Msg { code: string; istio?: string; key: string; path: string; message: string; severity: string }

describe('weft analyze with Kubernetes objects', { skip: OPENSSL_FOR_DOUBLE }, () => {
  it('runs Istio\'s analyzers that need them, with Istio\'s codes', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const cert = path.join(dir, 'c.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=good.example.com', '-keyout', path.join(dir, 'k.pem'), '-out', cert], { stdio: 'ignore' });
      const b64 = (f: string): string => fs.readFileSync(f).toString('base64');
      const secrets = `
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: good-credential, namespace: istio-system }
data: { tls.crt: ${b64(cert)}, tls.key: ${b64(path.join(dir, 'k.pem'))} }
---
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: bad-credential, namespace: istio-system }
data: { tls.crt: ${Buffer.from('not a certificate').toString('base64')}, tls.key: ${b64(path.join(dir, 'k.pem'))} }
`;
      fs.writeFileSync(path.join(dir, 'kube.yaml'), KUBE);
      fs.writeFileSync(path.join(dir, 'secrets.yaml'), secrets);
      fs.writeFileSync(path.join(dir, 'istio.yaml'), ISTIO);
      fs.rmSync(path.join(dir, 'c.pem'));
      fs.rmSync(path.join(dir, 'k.pem'));
      const r = await runWeft(['analyze', dir, '-o', 'json']);
      assert.equal(r.code, 1, r.stderr);
      const out = JSON.parse(r.stdout) as { messages: Msg[] };
      const got = out.messages.map((m) => `${m.istio ?? '-'} ${m.code} ${m.key} ${m.path}`).sort();
      const want = [
        'IST0102 WEFT0360 Namespace legacy metadata.labels',
        'IST0123 WEFT0364 Namespace both metadata.labels',
        'IST0103 WEFT0361 Pod ratings-v1-abc.bookinfo spec.containers',
        'IST0104 WEFT0362 Gateway bookinfo-gateway.bookinfo spec.servers[1].port.number',
        'IST0101 WEFT0363 Gateway nowhere.bookinfo spec.selector',
        'IST0161 WEFT0320 Gateway bookinfo-gateway.bookinfo spec.servers[1].tls.credentialName',
        'IST0161 WEFT0320 Gateway bookinfo-gateway.bookinfo spec.servers[3].tls.credentialName',
        'IST0173 WEFT0305 DestinationRule reviews.bookinfo spec.subsets[1].labels',
        'IST0127 WEFT0314 Sidecar only-nothing.bookinfo spec.workloadSelector.labels',
      ].sort();
      for (const w of want) assert.ok(got.includes(w), `missing: ${w}\ngot:\n${got.join('\n')}`);
      assert.ok(!got.some((g) => g.includes('WEFT0004')), 'Kubernetes kinds are read, not skipped with a warning');
      assert.ok(!got.some((g) => g.includes('details-v1-def')), 'a pod with the sidecar is fine');
      assert.ok(!got.some((g) => g.includes('servers[2]')), `a valid Secret is fine: ${JSON.stringify(out.messages.filter((m) => m.path.includes('servers[2]')))}`);
      const bad = out.messages.find((m) => m.path === 'spec.servers[3].tls.credentialName')!;
      assert.match(bad.message, /does not parse/);
    } finally {
      cleanup();
    }
  });

  it('refuses Kubernetes objects of the wrong shape by field, and never crashes on them', async () => {
    const { dir, cleanup } = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'bad.yaml'), `
apiVersion: v1
kind: Service
metadata: { name: odd, namespace: shop }
spec: { ports: 80, selector: [app] }
---
apiVersion: v1
kind: Pod
metadata: { name: odd, namespace: shop, labels: { app: [x] } }
spec: { containers: { name: app } }
---
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio-injection: enabled } }
`);
      const r = await runWeft(['analyze', dir, '-o', 'json']);
      assert.equal(r.code, 1, r.stderr);
      const out = JSON.parse(r.stdout) as { messages: Msg[] };
      const got = out.messages.map((m) => `${m.code} ${m.key} ${m.path}`).sort();
      assert.deepEqual(got, [
        'WEFT0011 Pod odd.shop metadata.labels',
        'WEFT0011 Pod odd.shop spec.containers',
        'WEFT0011 Service odd.shop spec.ports',
        'WEFT0011 Service odd.shop spec.selector',
      ]);
    } finally {
      cleanup();
    }
  });
});
