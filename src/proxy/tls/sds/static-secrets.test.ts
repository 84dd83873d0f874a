// Bootstrap static_resources.secrets and the load-time checks of SDS
// references and pipe endpoints: every error at once, each at its path,
// with stable codes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { tempDir } from '../../../control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../../control/ca/index.js';
import { loadBootstrapText } from '../../config/bootstrap.js';

describe('static_resources.secrets and SDS references in the bootstrap', () => {
  let tmp: { dir: string; cleanup: () => void };
  let leaf: { certChainPem: string; keyPem: string };
  let other: { certChainPem: string; keyPem: string };
  let rootPem: string;
  const q = (s: string) => JSON.stringify(s);

  before(() => {
    tmp = tempDir('weft-static-secrets-');
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
    leaf = ca.issueServingCertificate({ dnsNames: ['a.example.com'] });
    other = ca.issueServingCertificate({ dnsNames: ['b.example.com'] });
    rootPem = ca.signingRootPem;
  });
  after(() => tmp.cleanup());

  const load = (yaml: string) => {
    const errs = new ConfigErrors();
    const cfg = loadBootstrapText(yaml, errs);
    return { cfg, errs: errs.errors };
  };

  it('decodes certificate and validation secrets', () => {
    const { cfg, errs } = load(`static_resources:
  secrets:
  - name: server_cert
    tls_certificate:
      certificate_chain: { inline_string: ${q(leaf.certChainPem)} }
      private_key: { inline_string: ${q(leaf.keyPem)} }
  - name: validation_context
    validation_context:
      trusted_ca: { inline_string: ${q(rootPem)} }
`);
    assert.deepEqual(errs, []);
    assert.deepEqual(cfg!.secrets.map((s) => [s.name, s.value.kind]), [['server_cert', 'tls_certificate'], ['validation_context', 'validation_context']]);
  });

  it('reports every bad secret at its path: no name, duplicate, wrong key, unsupported kinds', () => {
    const { cfg, errs } = load(`static_resources:
  secrets:
  - tls_certificate:
      certificate_chain: { inline_string: ${q(leaf.certChainPem)} }
      private_key: { inline_string: ${q(leaf.keyPem)} }
  - name: a
    tls_certificate:
      certificate_chain: { inline_string: ${q(leaf.certChainPem)} }
      private_key: { inline_string: ${q(other.keyPem)} }
  - name: a
    validation_context: { trusted_ca: { inline_string: ${q(rootPem)} } }
  - name: ticket
    session_ticket_keys: { keys: [ { inline_string: "${'k'.repeat(80)}" } ] }
  - name: empty
`);
    assert.equal(cfg, undefined);
    const at = (p: string) => errs.filter((e) => e.path.startsWith(p));
    assert.equal(at('static_resources.secrets[0].name')[0]?.code, CFG.REQUIRED);
    assert.ok(at('static_resources.secrets[1].tls_certificate').length > 0, 'a key that is not the certificate\'s');
    assert.equal(at('static_resources.secrets[2].name')[0]?.code, CFG.DUPLICATE);
    assert.equal(at('static_resources.secrets[3].session_ticket_keys')[0]?.code, CFG.UNSUPPORTED_FIELD);
    assert.equal(at('static_resources.secrets[4]')[0]?.code, CFG.REQUIRED);
  });

  it('refuses references to a missing static secret, ADS without ads_config, and an SDS cluster that is not static', () => {
    const { errs } = load(`static_resources:
  secrets:
  - name: present
    validation_context: { trusted_ca: { inline_string: ${q(rootPem)} } }
  clusters:
  - name: backend
    connect_timeout: 1s
    load_assignment: { cluster_name: backend, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } } } ] } ] }
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context:
          tls_certificate_sds_secret_configs:
          - name: missing
          - name: over_ads
            sds_config: { ads: {}, resource_api_version: V3 }
          validation_context_sds_secret_config:
            name: from_nowhere
            sds_config:
              api_config_source: { api_type: GRPC, transport_api_version: V3, grpc_services: [ { envoy_grpc: { cluster_name: no_such_cluster } } ] }
`);
    const mine = errs.filter((e) => e.code === CFG.UNKNOWN_REFERENCE);
    const base = 'static_resources.clusters[0].transport_socket.typed_config.common_tls_context';
    assert.deepEqual(mine.map((e) => e.path).sort(), [
      `${base}.tls_certificate_sds_secret_configs[0].name`,
      `${base}.tls_certificate_sds_secret_configs[1].sds_config.ads`,
      `${base}.validation_context_sds_secret_config.sds_config.api_config_source`,
    ].sort());
  });

  it('takes a pipe endpoint in a STATIC gRPC service cluster, and refuses it for DNS clusters and routed traffic', () => {
    const sock = path.join(tmp.dir, 'agent.sock');
    const ok = load(`static_resources:
  clusters:
  - name: sds-grpc
    type: STATIC
    connect_timeout: 1s
    load_assignment: { cluster_name: sds-grpc, endpoints: [ { lb_endpoints: [ { endpoint: { address: { pipe: { path: ${sock} } } } } ] } ] }
`);
    assert.deepEqual(ok.errs, []);
    assert.deepEqual(ok.cfg!.clusters[0]!.endpoints.map((e) => e.host), [`unix:${sock}`]);

    const bad = load(`static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: sds-grpc }
  clusters:
  - name: sds-grpc
    type: STATIC
    connect_timeout: 1s
    load_assignment: { cluster_name: sds-grpc, endpoints: [ { lb_endpoints: [ { endpoint: { address: { pipe: { path: ${sock} } } } } ] } ] }
  - name: dns
    type: STRICT_DNS
    connect_timeout: 1s
    load_assignment: { cluster_name: dns, endpoints: [ { lb_endpoints: [ { endpoint: { address: { pipe: { path: ${sock} } } } } ] } ] }
  - name: too_long
    type: STATIC
    connect_timeout: 1s
    load_assignment: { cluster_name: too_long, endpoints: [ { lb_endpoints: [ { endpoint: { address: { pipe: { path: /${'x'.repeat(120)} } } } } ] } ] }
`);
    const paths = bad.errs.map((e) => `${e.path} ${e.code}`);
    assert.ok(paths.includes(`static_resources.listeners[0].filter_chains[0].filters ${CFG.UNSUPPORTED_VALUE}`), paths.join('\n'));
    assert.ok(paths.includes(`static_resources.clusters[1].load_assignment ${CFG.INVALID_VALUE}`), paths.join('\n'));
    assert.ok(paths.includes(`static_resources.clusters[2].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.pipe.path ${CFG.INVALID_VALUE}`), paths.join('\n'));
  });

  it('still refuses a pipe where weft cannot use one (listeners, admin)', () => {
    const { errs } = load(`admin: { address: { pipe: { path: /tmp/admin.sock } } }
static_resources: {}
`);
    assert.ok(errs.some((e) => e.path.startsWith('admin.address')), JSON.stringify(errs));
  });

  it('refuses TLS on a gRPC service cluster (ADS, SDS) rather than streaming to it in plaintext', () => {
    const { errs } = load(`dynamic_resources:
  ads_config: { api_type: GRPC, transport_api_version: V3, grpc_services: [ { envoy_grpc: { cluster_name: xds } } ] }
static_resources:
  clusters:
  - name: xds
    type: STATIC
    connect_timeout: 1s
    load_assignment: { cluster_name: xds, endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 15012 } } } } ] } ] }
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context: { validation_context: { trusted_ca: { inline_string: ${q(rootPem)} } } }
`);
    const e = errs.find((x) => x.path === 'static_resources.clusters[0].transport_socket');
    assert.equal(e?.code, CFG.UNSUPPORTED_VALUE, JSON.stringify(errs));
  });
});
