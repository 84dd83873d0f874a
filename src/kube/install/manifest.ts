// The objects `weft install` applies, in apply order (namespace and CRDs
// first, webhooks after the Service they call), built from the decoded
// values. Pure: the same values and key material give the same manifest.
import { WEFT_VERSION } from '../../common/version.js';
import { INJECT_DEFAULTS } from '../inject/defaults.js';
import { WEBHOOK_DEFAULTS, WEBHOOK_PATHS } from '../webhook/webhook-server.js';
import { acceptedKinds, buildCrd } from './crds.js';
import type { InstallCa } from './install-ca.js';
import type { InstallValues } from './values.js';

export const INSTALL_NAMES = {
  namespace: 'istio-system',
  controlPlane: 'istiod',
  injectorWebhook: 'istio-sidecar-injector',
  validatingWebhook: 'istio-validator-istio-system',
  caSecret: 'cacerts',
  webhookSecret: 'istiod-webhook-tls',
  meshConfigMap: 'istio',
  rootCertConfigMap: 'istio-ca-root-cert',
} as const;

/** Labels on everything weft install creates (uninstall finds objects by name; these are for people). */
export const INSTALL_LABELS = { 'app.kubernetes.io/part-of': 'weft', 'app.kubernetes.io/managed-by': 'weft-install' } as const;

/** Pinned add-on images (the versions the manifests were written against). */
export const ADDON_IMAGES = {
  prometheus: 'prom/prometheus:v2.53.0',
  grafana: 'grafana/grafana:11.1.0',
  kiali: 'quay.io/kiali/kiali:v1.87.0',
  tracing: 'jaegertracing/all-in-one:1.58',
} as const;

export interface ManifestInput {
  values: InstallValues;
  /** Key material; required when the CA or a webhook is enabled. */
  ca?: InstallCa;
  /** The cluster's version (from /version) for native sidecars 'auto'. */
  kubeVersion?: string;
}

type Obj = Record<string, unknown>;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function weftImage(v: InstallValues): string {
  const tag = v.tag || WEFT_VERSION;
  return v.hub ? `${v.hub.replace(/\/$/, '')}/weft:${tag}` : `weft:${tag}`;
}

function meta(name: string, namespaced: boolean, extraLabels: Record<string, string> = {}): Obj {
  return { name, ...(namespaced ? { namespace: INSTALL_NAMES.namespace } : {}), labels: { ...INSTALL_LABELS, ...extraLabels } };
}

function meshConfigText(v: InstallValues): string {
  const lines = [`trustDomain: ${v.trustDomain}`, `rootNamespace: ${INSTALL_NAMES.namespace}`];
  if (v.tracing) {
    lines.push('enableTracing: true', 'defaultConfig:', '  tracing:', '    sampling: 100', '    zipkin:', `      address: zipkin.${INSTALL_NAMES.namespace}:9411`);
  }
  return `${lines.join('\n')}\n`;
}

/** The mesh config the control plane reads (ConfigMap istio, key mesh), exported so tests check weft accepts it. */
export function installMeshConfig(v: InstallValues): string {
  return meshConfigText(v);
}

function controlPlane(i: ManifestInput): Obj[] {
  const v = i.values;
  const ns = INSTALL_NAMES.namespace;
  const name = INSTALL_NAMES.controlPlane;
  const webhooks = v.injector || v.validation;
  const host = `${name}.${ns}.svc`;
  // Kubernetes mode with the pod's service account: services and Istio config from the API server.
  const args = ['control', '--in-cluster', '--xds-address', '0.0.0.0:15010', '--debug-address', '0.0.0.0:15014', '--dashboard-listen-any', '--mesh-config', '/etc/istio/config/mesh'];
  if (v.security) args.push('--ca-dir', '/etc/cacerts', '--ca-address', '0.0.0.0:15012', '--trust-domain', v.trustDomain);
  if (webhooks) {
    args.push('--webhook-address', `0.0.0.0:${WEBHOOK_DEFAULTS.port}`, '--webhook-cert', '/var/run/secrets/istiod/tls/tls.crt', '--webhook-key', '/var/run/secrets/istiod/tls/tls.key');
    args.push('--webhooks', [v.injector ? 'inject' : '', v.validation ? 'validate' : ''].filter(Boolean).join(','));
  }
  if (v.injector) {
    args.push('--image', weftImage(v), '--native-sidecars', v.nativeSidecars, '--discovery-address', `${host}:15012`);
    if (i.kubeVersion) args.push('--kube-version', i.kubeVersion);
    if (v.holdApplicationUntilProxyStarts) args.push('--hold-application-until-proxy-starts');
    if (!v.telemetry) args.push('--no-prometheus-annotations');
  }
  const volumes: Obj[] = [
    { name: 'mesh-config', configMap: { name: INSTALL_NAMES.meshConfigMap } },
    ...(v.security ? [{ name: 'cacerts', secret: { secretName: INSTALL_NAMES.caSecret, defaultMode: 0o400 } }] : []),
    ...(webhooks ? [{ name: 'webhook-tls', secret: { secretName: INSTALL_NAMES.webhookSecret, defaultMode: 0o400 } }] : []),
  ];
  const mounts: Obj[] = [
    { name: 'mesh-config', mountPath: '/etc/istio/config', readOnly: true },
    ...(v.security ? [{ name: 'cacerts', mountPath: '/etc/cacerts', readOnly: true }] : []),
    ...(webhooks ? [{ name: 'webhook-tls', mountPath: '/var/run/secrets/istiod/tls', readOnly: true }] : []),
  ];
  const ports: Obj[] = [
    { containerPort: 15010, name: 'grpc-xds', protocol: 'TCP' },
    { containerPort: 15014, name: 'http-monitoring', protocol: 'TCP' },
    ...(v.security ? [{ containerPort: 15012, name: 'https-dns', protocol: 'TCP' }] : []),
    ...(webhooks ? [{ containerPort: WEBHOOK_DEFAULTS.port, name: 'https-webhooks', protocol: 'TCP' }] : []),
  ];
  const labels = { app: name, istio: 'pilot' };
  const objects: Obj[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, true) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(`${name}-clusterrole-${ns}`, false),
      rules: [
        // Istio's config, read, with validation results written to status.
        { apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'], resources: ['*/status'], verbs: ['get', 'update', 'patch'] },
        // The service registry.
        { apiGroups: [''], resources: ['pods', 'nodes', 'services', 'endpoints', 'namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        // The mesh root published in every namespace (istio-ca-root-cert), and Gateway credentialName Secrets.
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch'] },
        // The CA checks sidecars' service-account tokens (istiod's rule).
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(`${name}-clusterrole-${ns}`, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-clusterrole-${ns}` },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
    // Leader election of the replicas that write (status, CA): a Lease in the control plane's namespace.
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(name, true), rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update', 'watch', 'list'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(name, true), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace: ns }] },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(INSTALL_NAMES.meshConfigMap, true), data: { mesh: meshConfigText(v) } },
  ];
  if (v.security && i.ca) {
    objects.push({
      apiVersion: 'v1', kind: 'Secret', metadata: meta(INSTALL_NAMES.caSecret, true), type: 'Opaque',
      data: { 'ca-cert.pem': b64(i.ca.caCertPem), 'ca-key.pem': b64(i.ca.caKeyPem), 'root-cert.pem': b64(i.ca.rootPem), 'cert-chain.pem': b64(i.ca.caCertPem) },
    });
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(INSTALL_NAMES.rootCertConfigMap, true), data: { 'root-cert.pem': i.ca.rootPem } });
  }
  if (webhooks && i.ca) {
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: meta(INSTALL_NAMES.webhookSecret, true), type: 'kubernetes.io/tls', data: { 'tls.crt': b64(i.ca.webhookCertPem), 'tls.key': b64(i.ca.webhookKeyPem) } });
  }
  objects.push({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, true, labels),
    spec: {
      replicas: v.replicaCount,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'sidecar.istio.io/inject': 'false', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '15014', 'prometheus.io/path': '/stats/prometheus' } },
        spec: {
          serviceAccountName: name,
          containers: [{
            name: 'discovery', image: weftImage(v), args, ports,
            // Leader election names this replica; the Lease lives in the control plane's namespace.
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
            ],
            readinessProbe: webhooks
              ? { httpGet: { path: WEBHOOK_PATHS.ready, port: WEBHOOK_DEFAULTS.port, scheme: 'HTTPS' }, periodSeconds: 3, timeoutSeconds: 5 }
              : { tcpSocket: { port: 15010 }, periodSeconds: 3, timeoutSeconds: 5 },
            resources: { requests: { cpu: '500m', memory: '2048Mi' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: INJECT_DEFAULTS.proxyUid, runAsGroup: INJECT_DEFAULTS.proxyGid },
            volumeMounts: mounts,
          }],
          volumes,
        },
      },
    },
  });
  objects.push({
    apiVersion: 'v1', kind: 'Service', metadata: meta(name, true, labels),
    spec: {
      selector: labels,
      ports: [
        { name: 'grpc-xds', port: 15010, targetPort: 15010, protocol: 'TCP' },
        { name: 'http-monitoring', port: 15014, targetPort: 15014, protocol: 'TCP' },
        ...(v.security ? [{ name: 'https-dns', port: 15012, targetPort: 15012, protocol: 'TCP' }] : []),
        ...(webhooks ? [{ name: 'https-webhook', port: 443, targetPort: WEBHOOK_DEFAULTS.port, protocol: 'TCP' }] : []),
      ],
    },
  });
  return objects;
}

function injectorWebhook(i: ManifestInput): Obj {
  const clientConfig = { service: { name: INSTALL_NAMES.controlPlane, namespace: INSTALL_NAMES.namespace, path: WEBHOOK_PATHS.inject, port: 443 }, caBundle: b64(i.ca!.rootPem) };
  const common = {
    clientConfig,
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1', 'v1beta1'],
    // Istio's choice: when the injector cannot be reached, pods of injected
    // namespaces are not created (rather than started without a sidecar).
    failurePolicy: 'Fail',
    reinvocationPolicy: 'Never',
    timeoutSeconds: 10,
  };
  const notFalse = { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: meta(INSTALL_NAMES.injectorWebhook, false),
    webhooks: [
      // Istio's three selectors: the revision label, the istio-injection label, and a pod that opts in by itself.
      { name: 'rev.namespace.sidecar-injector.istio.io', ...common, namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['default'] }, { key: 'istio-injection', operator: 'DoesNotExist' }] }, objectSelector: notFalse },
      { name: 'namespace.sidecar-injector.istio.io', ...common, namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] }, objectSelector: notFalse },
      { name: 'object.sidecar-injector.istio.io', ...common, namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'DoesNotExist' }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] }, objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] }] } },
    ],
  };
}

function validatingWebhook(i: ManifestInput): Obj {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: meta(INSTALL_NAMES.validatingWebhook, false),
    webhooks: [{
      name: 'rev.validation.istio.io',
      clientConfig: { service: { name: INSTALL_NAMES.controlPlane, namespace: INSTALL_NAMES.namespace, path: WEBHOOK_PATHS.validate, port: 443 }, caBundle: b64(i.ca!.rootPem) },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'], apiVersions: ['*'], resources: ['*'] }],
      sideEffects: 'None',
      admissionReviewVersions: ['v1', 'v1beta1'],
      // Istio's chart default: config is still applied when the control plane
      // is down; the control plane validates it again at ingest and writes
      // the problems to the object's status.
      failurePolicy: 'Ignore',
      timeoutSeconds: 10,
    }],
  };
}

function deployment(name: string, image: string, port: number, extra: Obj = {}, podSpec: Obj = {}): Obj[] {
  const labels = { app: name };
  const { env, args, volumeMounts, ...rest } = extra;
  return [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, true, labels),
      spec: {
        replicas: 1, selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'sidecar.istio.io/inject': 'false' } },
          spec: { ...podSpec, containers: [{ name, image, ports: [{ containerPort: port }], ...(env ? { env } : {}), ...(args ? { args } : {}), ...(volumeMounts ? { volumeMounts } : {}), ...rest }] },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(name, true, labels), spec: { selector: labels, ports: [{ name: 'http', port, targetPort: port }] } },
  ];
}

const PROMETHEUS_CONFIG = `global:
  scrape_interval: 15s
scrape_configs:
  # Pods that ask for it with prometheus.io annotations (the injector sets them for the merged metrics on 15020).
  - job_name: kubernetes-pods
    kubernetes_sd_configs: [{ role: pod }]
    relabel_configs:
      - { source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: "true" }
      - { source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path], action: replace, target_label: __metrics_path__, regex: (.+) }
      - { source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port], action: replace, regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', target_label: __address__ }
      - { source_labels: [__meta_kubernetes_namespace], target_label: namespace }
      - { source_labels: [__meta_kubernetes_pod_name], target_label: pod }
`;

function addons(v: InstallValues): Obj[] {
  const out: Obj[] = [];
  const ns = INSTALL_NAMES.namespace;
  if (v.prometheus) {
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('prometheus', true) });
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(`prometheus-${ns}`, false), rules: [{ apiGroups: [''], resources: ['nodes', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] }] });
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(`prometheus-${ns}`, false), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `prometheus-${ns}` }, subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: ns }] });
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('prometheus', true), data: { 'prometheus.yml': PROMETHEUS_CONFIG } });
    out.push(...deployment('prometheus', ADDON_IMAGES.prometheus, 9090, { args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'], volumeMounts: [{ name: 'config', mountPath: '/etc/prometheus' }, { name: 'data', mountPath: '/prometheus' }] }, { serviceAccountName: 'prometheus', volumes: [{ name: 'config', configMap: { name: 'prometheus' } }, { name: 'data', emptyDir: {} }] }));
  }
  if (v.grafana) {
    const datasource = `apiVersion: 1\ndatasources:\n  - { name: Prometheus, type: prometheus, access: proxy, url: 'http://prometheus.${ns}:9090', isDefault: true }\n`;
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('grafana', true), data: { 'datasources.yaml': datasource } });
    const env = v.grafanaSecurity
      // The seed's Secret: kubectl -n istio-system create secret generic grafana --from-literal=username=… --from-literal=passphrase=…
      ? [{ name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'grafana', key: 'username' } } }, { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana', key: 'passphrase' } } }, { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' }]
      : [{ name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'true' }, { name: 'GF_AUTH_ANONYMOUS_ORG_ROLE', value: 'Admin' }, { name: 'GF_AUTH_BASIC_ENABLED', value: 'false' }];
    out.push(...deployment('grafana', ADDON_IMAGES.grafana, 3000, { env, volumeMounts: [{ name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources' }] }, { volumes: [{ name: 'datasources', configMap: { name: 'grafana' } }] }));
  }
  if (v.kiali) {
    const config = `auth: { strategy: anonymous }\ndeployment: { namespace: ${ns} }\nexternal_services:\n  prometheus: { url: 'http://prometheus.${ns}:9090' }\n${v.tracing ? `  tracing: { enabled: true, in_cluster_url: 'http://tracing.${ns}:80/jaeger' }\n` : ''}server: { port: 20001, web_root: /kiali }\n`;
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('kiali', true) });
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(`kiali-${ns}`, false), rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.istio.io', 'security.istio.io', 'telemetry.istio.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] }] });
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(`kiali-${ns}`, false), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `kiali-${ns}` }, subjects: [{ kind: 'ServiceAccount', name: 'kiali', namespace: ns }] });
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('kiali', true), data: { 'config.yaml': config } });
    out.push(...deployment('kiali', ADDON_IMAGES.kiali, 20001, { args: ['-config', '/kiali-configuration/config.yaml'], volumeMounts: [{ name: 'config', mountPath: '/kiali-configuration' }] }, { serviceAccountName: 'kiali', volumes: [{ name: 'config', configMap: { name: 'kiali' } }] }));
  }
  if (v.tracing) {
    const [dep] = deployment('tracing', ADDON_IMAGES.tracing, 16686, { env: [{ name: 'COLLECTOR_ZIPKIN_HOST_PORT', value: ':9411' }, { name: 'QUERY_BASE_PATH', value: '/jaeger' }] });
    out.push(dep!);
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: meta('tracing', true, { app: 'tracing' }), spec: { selector: { app: 'tracing' }, ports: [{ name: 'http-query', port: 80, targetPort: 16686 }] } });
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: meta('zipkin', true, { app: 'tracing' }), spec: { selector: { app: 'tracing' }, ports: [{ name: 'http-zipkin', port: 9411, targetPort: 9411 }] } });
  }
  return out;
}

/** Every object of the install, in apply order. */
export function buildInstallManifest(i: ManifestInput): Obj[] {
  const v = i.values;
  if ((v.security || v.injector || v.validation) && !i.ca) throw new Error('buildInstallManifest: the CA and webhooks need key material (ManifestInput.ca)');
  const objects: Obj[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INSTALL_NAMES.namespace, labels: { ...INSTALL_LABELS, 'istio-injection': 'disabled' } } },
    ...acceptedKinds().map((k) => buildCrd(k, INSTALL_LABELS) as Obj),
  ];
  if (v.pilot) objects.push(...controlPlane(i));
  if (v.injector) objects.push(injectorWebhook(i));
  if (v.validation) objects.push(validatingWebhook(i));
  objects.push(...addons(v));
  return objects;
}

/** Where each kind the install creates lives in the API (group, version, plural, namespaced). */
export const INSTALL_RESOURCES: Readonly<Record<string, { group: string; version: string; plural: string; namespaced: boolean }>> = {
  Namespace: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  CustomResourceDefinition: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false },
  ServiceAccount: { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true },
  ClusterRole: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', namespaced: false },
  Role: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', namespaced: true },
  RoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', namespaced: true },
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  Secret: { group: '', version: 'v1', plural: 'secrets', namespaced: true },
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  Service: { group: '', version: 'v1', plural: 'services', namespaced: true },
  MutatingWebhookConfiguration: { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false },
  ValidatingWebhookConfiguration: { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', namespaced: false },
};

/**
 * Everything any install may have created (every component on), in delete
 * order (webhooks first, so the API server stops calling a control plane
 * that is going away; the namespace and CRDs last).
 */
export function uninstallTargets(purge: boolean): { kind: string; name: string; namespace?: string }[] {
  const all: InstallValues = {
    hub: '', tag: '', holdApplicationUntilProxyStarts: false, nativeSidecars: 'auto', trustDomain: 'cluster.local', pilot: true, replicaCount: 1,
    security: true, injector: true, validation: true, telemetry: true, prometheus: true, grafana: true, grafanaSecurity: false, kiali: true, tracing: true, notes: [],
  };
  const none = { rootPem: '', caCertPem: '', caKeyPem: '', webhookCertPem: '', webhookKeyPem: '' };
  const objects = buildInstallManifest({ values: all, ca: none }).reverse();
  const ids = objects.map((o) => {
    const m = o.metadata as { name: string; namespace?: string };
    return { kind: o.kind as string, name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}) };
  });
  const webhooksFirst = [...ids.filter((i) => i.kind.endsWith('WebhookConfiguration')), ...ids.filter((i) => !i.kind.endsWith('WebhookConfiguration'))];
  return webhooksFirst.filter((i) => purge || i.kind !== 'CustomResourceDefinition');
}
