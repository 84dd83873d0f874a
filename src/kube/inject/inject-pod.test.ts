import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAgentConfig } from '../../agent/agent-config.js';
import { spiffeId } from '../../control/ca/workload-identity.js';
import { defaultInjectionConfig, injectPod, type InjectionResult, type Pod } from './index.js';
import type { Container } from './kube-types.js';
import { applyJsonPatch, envOf, podFrom, resolveEnv } from './test-kit.js';

const config = defaultInjectionConfig();

function injected(r: InjectionResult): Extract<InjectionResult, { outcome: 'injected' }> {
  assert.equal(r.outcome, 'injected', JSON.stringify(r));
  return r as Extract<InjectionResult, { outcome: 'injected' }>;
}
const named = (list: Container[] | undefined, name: string): Container => {
  const c = list?.find((x) => x.name === name);
  assert.ok(c, `container ${name} in ${JSON.stringify(list?.map((x) => x.name))}`);
  return c;
};

describe('sidecar injection', () => {
  it('hello: istio-init with istio-iptables\' flags, istio-proxy as UID 1337, volumes, status annotation; the patch (applied by fast-json-patch) gives the same pod', () => {
    const pod = podFrom('hello.yaml', 'hello');
    const r = injected(injectPod({ pod, namespace: 'default', config, workloadName: 'hello' }));
    const init = named(r.pod.spec.initContainers, 'istio-init');
    assert.deepEqual(init.args, ['iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15020,15021,15090']);
    assert.deepEqual((init.securityContext as { capabilities: unknown }).capabilities, { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] });
    assert.deepEqual(r.pod.spec.containers.map((c) => c.name), ['hello', 'istio-proxy']);
    const proxy = named(r.pod.spec.containers, 'istio-proxy');
    const sc = proxy.securityContext as Record<string, unknown>;
    assert.equal(sc.runAsUser, 1337);
    assert.equal(sc.runAsGroup, 1337);
    assert.equal(sc.runAsNonRoot, true);
    assert.deepEqual(proxy.readinessProbe?.httpGet, { path: '/healthz/ready', port: 15021 });
    assert.equal(proxy.restartPolicy, undefined);
    assert.equal(envOf(proxy, 'ISTIO_META_WORKLOAD_NAME'), 'hello');
    assert.equal(envOf(proxy, 'ISTIO_META_APP_CONTAINERS'), 'hello');
    assert.deepEqual(JSON.parse(envOf(proxy, 'ISTIO_META_POD_PORTS')!), [{ containerPort: 80, name: 'http', protocol: 'TCP' }]);
    assert.deepEqual((r.pod.spec.volumes as { name: string }[]).map((v) => v.name), ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert']);
    const status = JSON.parse(r.pod.metadata!.annotations!['sidecar.istio.io/status']!);
    assert.deepEqual(status, { initContainers: ['istio-init'], containers: ['istio-proxy'], volumes: status.volumes, imagePullSecrets: null, revision: 'default' });
    assert.equal(r.pod.metadata!.labels!['security.istio.io/tlsMode'], 'istio');
    assert.equal(r.pod.metadata!.labels!['service.istio.io/canonical-name'], 'hello');
    assert.equal(r.pod.metadata!.labels!['service.istio.io/canonical-revision'], 'latest');
    assert.equal(r.pod.metadata!.annotations!['kubectl.kubernetes.io/default-container'], 'hello');
    assert.deepEqual(applyJsonPatch(pod, r.patch), r.pod);
    assert.deepEqual(pod, podFrom('hello.yaml', 'hello'), 'the input pod is not modified');
  });

  it('the sidecar\'s environment gives weft\'s node agent the identity spiffe://<td>/ns/<namespace>/sa/<service account>', () => {
    const pod = podFrom('hello-probes.yaml', 'hello-probes');
    pod.metadata!.namespace = 'shop';
    const r = injected(injectPod({ pod, namespace: 'shop', config: defaultInjectionConfig({ trustDomain: 'example.org' }) }));
    const env = resolveEnv(r.pod, named(r.pod.spec.containers, 'istio-proxy'));
    const agent = decodeAgentConfig(() => undefined, env, undefined);
    assert.deepEqual(agent.errors, []);
    assert.equal(agent.config!.caAddress, 'istiod.istio-system.svc:15012');
    assert.equal(agent.config!.rootCertFile, '/var/run/secrets/istio/root-cert.pem');
    assert.equal(agent.config!.tokenFile, '/var/run/secrets/tokens/istio-token');
    assert.equal(spiffeId(agent.config!.trustDomain, agent.config!.identity), 'spiffe://example.org/ns/shop/sa/hello-sa');
    // the token mounted at that path is a projected service account token for the CA's audience
    const tokenVol = (r.pod.spec.volumes as { name: string; projected?: { sources: { serviceAccountToken: { audience: string } }[] } }[]).find((v) => v.name === 'istio-token');
    assert.equal(tokenVol?.projected?.sources[0]?.serviceAccountToken.audience, 'istio-ca');
  });

  it('app probes are pointed at the agent\'s status port, named ports resolved, originals in ISTIO_KUBE_APP_PROBERS; exec probes stay', () => {
    const pod = podFrom('hello-probes.yaml', 'hello-probes');
    const r = injected(injectPod({ pod, namespace: 'shop', config }));
    const app = named(r.pod.spec.containers, 'hello');
    assert.deepEqual(app.readinessProbe, { timeoutSeconds: 2, httpGet: { path: '/app-health/hello/readyz', port: 15020, scheme: 'HTTP' } });
    assert.deepEqual(app.livenessProbe, { httpGet: { path: '/app-health/hello/livez', port: 15020, scheme: 'HTTP' } });
    assert.deepEqual(app.startupProbe, { httpGet: { path: '/app-health/hello/startupz', port: 15020, scheme: 'HTTP' } });
    assert.deepEqual(named(r.pod.spec.containers, 'sidekick').livenessProbe, { exec: { command: ['cat', '/tmp/healthy'] } });
    const probers = JSON.parse(envOf(named(r.pod.spec.containers, 'istio-proxy'), 'ISTIO_KUBE_APP_PROBERS')!);
    assert.deepEqual(probers, {
      '/app-health/hello/readyz': { httpGet: { path: '/ready', port: 80 }, timeoutSeconds: 2 },
      '/app-health/hello/livez': { tcpSocket: { port: 80 } },
      '/app-health/hello/startupz': { grpc: { port: 9090 } },
    });
    assert.equal(r.pod.metadata!.labels!['service.istio.io/canonical-revision'], 'v2');
    assert.deepEqual(applyJsonPatch(pod, r.patch), r.pod);
    // sidecar.istio.io/rewriteAppHTTPProbers: "false" leaves them alone
    pod.metadata!.annotations = { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' };
    const plain = injected(injectPod({ pod, namespace: 'shop', config }));
    assert.deepEqual(named(plain.pod.spec.containers, 'hello').readinessProbe, pod.spec.containers[0]!.readinessProbe);
  });

  it('existing annotations: resources, capture ranges and ports, ProxyConfig hold (sidecar first, waits), merged Prometheus metrics; the app\'s init container keeps its place after istio-init', () => {
    const pod = podFrom('multi.yaml', 'reviews-v1');
    const r = injected(injectPod({ pod, namespace: 'default', config, workloadName: 'reviews-v1' }));
    assert.deepEqual(r.pod.spec.initContainers!.map((c) => c.name), ['istio-init', 'migrate']);
    assert.deepEqual(r.pod.spec.containers.map((c) => c.name), ['istio-proxy', 'reviews', 'cache']);
    const init = named(r.pod.spec.initContainers, 'istio-init');
    assert.deepEqual(init.args, ['iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '10.96.0.0/12,10.244.0.0/16', '-x', '169.254.169.254/32', '-b', '*', '-d', '8081,15020,15021,15090', '-o', '5432,6379']);
    const proxy = named(r.pod.spec.containers, 'istio-proxy');
    assert.deepEqual(proxy.resources, { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    assert.deepEqual(proxy.lifecycle, { postStart: { exec: { command: ['weft', 'wait', '--timeout-seconds', '60'] } } });
    assert.deepEqual(JSON.parse(envOf(proxy, 'PROXY_CONFIG')!), { holdApplicationUntilProxyStarts: true, terminationDrainDuration: '10s' });
    assert.deepEqual(JSON.parse(envOf(proxy, 'ISTIO_PROMETHEUS_ANNOTATIONS')!), { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' });
    const a = r.pod.metadata!.annotations!;
    assert.equal(a['prometheus.io/port'], '15020');
    assert.equal(a['prometheus.io/path'], '/stats/prometheus');
    assert.equal(envOf(proxy, 'ISTIO_META_APP_CONTAINERS'), 'reviews,cache');
    assert.deepEqual(r.pod.spec.volumes!.slice(0, 1), [{ name: 'tmp', emptyDir: {} }]);
    assert.deepEqual(applyJsonPatch(pod, r.patch), r.pod);
    // annotation keys hold "/": the patch escapes them (RFC 6901 ~1)
    assert.ok(r.patch.some((op) => op.path === '/metadata/annotations/sidecar.istio.io~1status'), JSON.stringify(r.patch.map((o) => o.path)));
  });

  it('native sidecars: istio-proxy becomes an init container with restartPolicy Always (Jobs end), by annotation or from Kubernetes 1.29', () => {
    const job = podFrom('jobs.yaml', 'report');
    const r = injected(injectPod({ pod: job, namespace: 'default', config }));
    assert.deepEqual(r.pod.spec.initContainers!.map((c) => c.name), ['istio-init', 'istio-proxy']);
    assert.deepEqual(r.pod.spec.containers.map((c) => c.name), ['report']);
    const proxy = named(r.pod.spec.initContainers, 'istio-proxy');
    assert.equal(proxy.restartPolicy, 'Always');
    assert.deepEqual(proxy.startupProbe?.httpGet, { path: '/healthz/ready', port: 15021 });
    assert.deepEqual(JSON.parse(r.pod.metadata!.annotations!['sidecar.istio.io/status']!).initContainers, ['istio-init', 'istio-proxy']);
    assert.deepEqual(applyJsonPatch(job, r.patch), r.pod);

    const cron = podFrom('jobs.yaml', 'nightly');
    const on = (kubeVersion: { major: number; minor: number }) => injected(injectPod({ pod: cron, namespace: 'default', config: defaultInjectionConfig({ kubeVersion }) })).pod;
    assert.equal(on({ major: 1, minor: 29 }).spec.initContainers!.some((c) => c.name === 'istio-proxy'), true);
    assert.equal(on({ major: 1, minor: 28 }).spec.containers.some((c) => c.name === 'istio-proxy'), true);
    // the annotation wins over the cluster-wide switch
    const off = podFrom('jobs.yaml', 'report');
    off.metadata!.annotations = { 'sidecar.istio.io/nativeSidecar': 'false' };
    assert.equal(injected(injectPod({ pod: off, namespace: 'default', config: defaultInjectionConfig({ nativeSidecars: 'enabled' }) })).pod.spec.containers.at(-1)!.name, 'istio-proxy');
  });

  it('policy: namespace labels, the pod\'s opt-in/opt-out (label over annotation), revisions, hostNetwork, kube-system, already injected', () => {
    const ns = (labels: Record<string, string>) => ({ metadata: { name: 'app', labels } });
    const base = podFrom('hello.yaml', 'hello');
    const decide = (pod: Pod, labels?: Record<string, string>, namespace = 'app', revision?: string) =>
      injectPod({ pod, namespace, config: defaultInjectionConfig(revision ? { revision } : {}), ...(labels ? { namespaceObject: ns(labels) } : {}) }).outcome;
    const withMeta = (labels: Record<string, string>, annotations: Record<string, string> = {}): Pod => ({ ...base, metadata: { labels: { ...base.metadata!.labels, ...labels }, annotations } });
    assert.equal(decide(base, { 'istio-injection': 'enabled' }), 'injected');
    assert.equal(decide(base, { 'istio-injection': 'disabled' }), 'skipped');
    assert.equal(decide(base, {}), 'skipped');
    assert.equal(decide(withMeta({ 'sidecar.istio.io/inject': 'true' }), {}), 'injected');
    assert.equal(decide(withMeta({ 'sidecar.istio.io/inject': 'false' }), { 'istio-injection': 'enabled' }), 'skipped');
    assert.equal(decide(withMeta({}, { 'sidecar.istio.io/inject': 'false' }), { 'istio-injection': 'enabled' }), 'skipped');
    assert.equal(decide(withMeta({ 'sidecar.istio.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false' }), { 'istio-injection': 'enabled' }), 'injected', 'the label wins');
    assert.equal(decide(base, { 'istio.io/rev': 'default' }), 'injected');
    assert.equal(decide(base, { 'istio.io/rev': 'canary' }), 'skipped');
    assert.equal(decide(base, { 'istio.io/rev': 'canary' }, 'app', 'canary'), 'injected');
    assert.equal(decide(base, { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }), 'injected', 'istio-injection wins over istio.io/rev');
    assert.equal(decide({ ...base, spec: { ...base.spec, hostNetwork: true } }, { 'istio-injection': 'enabled' }), 'skipped');
    assert.equal(decide(base, undefined, 'kube-system'), 'skipped');
    assert.equal(decide(base), 'injected', 'no namespace object: the webhook\'s namespaceSelector already chose');
    const once = injected(injectPod({ pod: base, namespace: 'app', config }));
    const twice = injectPod({ pod: once.pod, namespace: 'app', config });
    assert.equal(twice.outcome, 'skipped');
    assert.match((twice as { because: string }).because, /already injected/);
  });

  it('annotations it cannot honour: the pod is refused unchanged with every problem and its annotation path', () => {
    const pod = podFrom('hello.yaml', 'hello');
    pod.metadata!.annotations = {
      'sidecar.istio.io/proxyCPU': 'lots',
      'traffic.sidecar.istio.io/excludeInboundPorts': '80,abc,70000',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/33',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': 'fd00::/8',
      'proxy.istio.io/config': 'holdApplicationUntilProxyStarts: yes please\nimage: { imageType: distroless }',
      'sidecar.istio.io/interceptionMode': 'TPROXY',
    };
    const r = injectPod({ pod, namespace: 'default', config });
    assert.equal(r.outcome, 'refused');
    const paths = (r as { problems: readonly { path: string }[] }).problems.map((p) => p.path);
    assert.deepEqual(paths, [
      "metadata.annotations['sidecar.istio.io/proxyCPU']",
      "metadata.annotations['sidecar.istio.io/interceptionMode']",
      "metadata.annotations['proxy.istio.io/config'].holdApplicationUntilProxyStarts",
      "metadata.annotations['proxy.istio.io/config'].image",
      "metadata.annotations['traffic.sidecar.istio.io/includeOutboundIPRanges']",
      "metadata.annotations['traffic.sidecar.istio.io/excludeOutboundIPRanges']",
      "metadata.annotations['traffic.sidecar.istio.io/excludeInboundPorts']",
      "metadata.annotations['traffic.sidecar.istio.io/excludeInboundPorts']",
    ]);
    const clash = podFrom('hello.yaml', 'hello');
    clash.spec.containers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.20' });
    assert.equal(injectPod({ pod: clash, namespace: 'default', config }).outcome, 'refused');
    assert.equal(injectPod({ pod: { spec: { containers: [] } } as unknown as Pod, namespace: 'default', config }).outcome, 'refused');
  });
});
