import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CFG, ConfigErrors } from '../../common/errors.js';
import { decodeTransportSocket } from '../extensions/transport-sockets.js';
import { decodeTlsCertificate } from './decode-tls-certificate.js';
import { decodeValidationContext } from './decode-validation-context.js';
import { decodeDownstreamTlsContext, decodeUpstreamTlsContext } from './decode-tls-context.js';
import { DOWNSTREAM_TLS_CONTEXT_TYPE_URL, UPSTREAM_TLS_CONTEXT_TYPE_URL } from './tls-registration.js';
import { makeTestPki, OPENSSL_MISSING, type TestCert, type TestPki } from './tls-test-kit.js';
import { decodeSdsSecretConfig } from './decode-sds-secret-config.js';

describe('TLS context decoding', { skip: OPENSSL_MISSING }, () => {
  let pki: TestPki;
  let server: TestCert;
  let other: TestCert;
  before(() => {
    pki = makeTestPki();
    server = pki.issue('server', { dns: ['example.com'] });
    other = pki.issue('other');
  });
  after(() => pki.cleanup());

  const codes = (e: ConfigErrors) => e.errors.map((i) => `${i.code} ${i.path}`).sort();

  it('decodes a DownstreamTlsContext from files with Envoy defaults for a server', () => {
    const errs = new ConfigErrors();
    const d = decodeDownstreamTlsContext({
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: server.certPath }, private_key: { inline_string: server.keyPem } }],
        validation_context: { trusted_ca: { filename: pki.root.certPath }, match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/' } }] },
        alpn_protocols: ['h2', 'http/1.1'],
      },
      require_client_certificate: { value: true },
    }, 'ts', errs);
    assert.deepEqual(errs.issues, []);
    assert.ok(d);
    assert.equal(d.requireClientCertificate, true);
    assert.equal(d.common.minVersion, 'TLSv1.2');
    assert.equal(d.common.maxVersion, 'TLSv1.3');
    assert.deepEqual(d.common.alpnProtocols, ['h2', 'http/1.1']);
    const c = d.common.certificates[0]!;
    assert.equal(c.kind, 'static');
    assert.equal(c.kind === 'static' && c.material.origin, server.certPath);
    const v = d.common.validation!;
    assert.equal(v.kind, 'static');
    assert.equal(v.kind === 'static' && v.material.sanMatchers[0]!.type, 'URI');
    assert.equal(v.kind === 'static' && v.material.sanMatchers[0]!.match('spiffe://cluster.local/ns/a/sa/b'), true);
  });

  it('an UpstreamTlsContext defaults to TLS 1.2 max, as Envoy clients do', () => {
    const errs = new ConfigErrors();
    const u = decodeUpstreamTlsContext({ sni: 'example.com' }, 'ts', errs);
    assert.deepEqual(errs.issues, []);
    assert.equal(u?.common.maxVersion, 'TLSv1.2');
    assert.equal(u?.maxSessionKeys, 1);
    assert.equal(u?.sni, 'example.com');
  });

  it('refuses bad certificates, keys and CA bundles with every error at its path', () => {
    const notCa = pki.issue('leaf-as-ca');
    const rsa1024 = pki.issue('rsa1024', { key: 'RSA-1024' });
    const ed = pki.issue('ed', { key: 'Ed25519' });
    const errs = new ConfigErrors();
    const d = decodeDownstreamTlsContext({
      common_tls_context: {
        tls_certificates: [
          { certificate_chain: { inline_string: 'hello' }, private_key: { inline_string: server.keyPem } },
          { certificate_chain: { filename: server.certPath }, private_key: { filename: other.keyPath } },
          { certificate_chain: { filename: '/nonexistent/cert.pem' }, private_key: { filename: server.keyPath } },
          { certificate_chain: { filename: rsa1024.certPath }, private_key: { filename: rsa1024.keyPath } },
          { certificate_chain: { filename: ed.certPath }, private_key: { filename: ed.keyPath } },
        ],
        validation_context: { trusted_ca: { filename: notCa.certPath } },
      },
    }, 'fc.ts', errs);
    assert.equal(d, undefined);
    const p = 'fc.ts.common_tls_context';
    assert.deepEqual(codes(errs), [
      `${CFG.INVALID_VALUE} ${p}.tls_certificates[0].certificate_chain`,
      `${CFG.INVALID_VALUE} ${p}.tls_certificates[1].private_key`,
      `${CFG.INVALID_VALUE} ${p}.tls_certificates[2].certificate_chain.filename`,
      `${CFG.INVALID_VALUE} ${p}.tls_certificates[3].private_key`,
      `${CFG.INVALID_VALUE} ${p}.tls_certificates[4].private_key`,
      `${CFG.INVALID_VALUE} ${p}.validation_context.trusted_ca`,
    ].sort());
    const msg = (path: string) => errs.errors.find((e) => e.path === path)!.message;
    assert.match(msg(`${p}.tls_certificates[0].certificate_chain`), /not PEM/);
    assert.match(msg(`${p}.tls_certificates[1].private_key`), /does not match/);
    assert.match(msg(`${p}.tls_certificates[3].private_key`), /RSA 1024/);
    assert.match(msg(`${p}.tls_certificates[4].private_key`), /ed25519/);
    assert.match(msg(`${p}.validation_context.trusted_ca`), /not a CA/);
  });

  it('refuses an expired or not yet valid leaf (checked against the given time)', () => {
    const expired = pki.issue('expired', { startDate: '20200101000000Z', endDate: '20200102000000Z' });
    const errs = new ConfigErrors();
    assert.equal(decodeTlsCertificate({ certificate_chain: { filename: expired.certPath }, private_key: { filename: expired.keyPath } }, 'c', errs), undefined);
    assert.match(errs.errors[0]!.message, /has expired/);
    assert.equal(errs.errors[0]!.path, 'c.certificate_chain');
    const early = new ConfigErrors();
    assert.equal(decodeTlsCertificate({ certificate_chain: { filename: server.certPath }, private_key: { filename: server.keyPath } }, 'c', early, { nowMs: Date.parse('2000-01-01') }), undefined);
    assert.match(early.errors[0]!.message, /not yet valid/);
  });

  it('refuses unsupported fields by name', () => {
    const errs = new ConfigErrors();
    decodeTlsCertificate({ certificate_chain: { filename: server.certPath }, private_key: { filename: server.keyPath }, pkcs12: { filename: 'x.p12' }, ocsp_staple: { inline_string: 'x' }, private_key_provider: { provider_name: 'x' }, signed_certificate_timestamp: [{ inline_string: 'x' }] }, 'c', errs);
    decodeValidationContext({ trusted_ca: { filename: pki.root.certPath }, system_root_certs: {}, max_verify_depth: { value: 2 }, match_typed_subject_alt_names: [{ san_type: 'OTHER_NAME', oid: '1.2', matcher: { exact: 'x' } }] }, 'v', errs);
    decodeDownstreamTlsContext({ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: server.certPath }, private_key: { filename: server.keyPath } }], key_log: { path: '/tmp/k' } }, session_ticket_keys: { keys: [] }, ocsp_staple_policy: 'MUST_STAPLE' }, 'd', errs);
    assert.deepEqual(codes(errs), [
      `${CFG.UNSUPPORTED_FIELD} c.ocsp_staple`, `${CFG.UNSUPPORTED_FIELD} c.pkcs12`, `${CFG.UNSUPPORTED_FIELD} c.private_key_provider`, `${CFG.UNSUPPORTED_FIELD} c.signed_certificate_timestamp`,
      `${CFG.UNSUPPORTED_FIELD} v.max_verify_depth`, `${CFG.UNSUPPORTED_FIELD} v.match_typed_subject_alt_names[0].oid`, `${CFG.UNSUPPORTED_VALUE} v.match_typed_subject_alt_names[0].san_type`, `${CFG.UNSUPPORTED_FIELD} v.system_root_certs`,
      `${CFG.UNSUPPORTED_FIELD} d.common_tls_context.key_log`, `${CFG.UNSUPPORTED_FIELD} d.session_ticket_keys`, `${CFG.UNSUPPORTED_VALUE} d.ocsp_staple_policy`,
    ].sort());
  });

  it('checks Envoy\'s rules: a server needs a certificate, SAN matching needs a trusted CA, no mixing of SDS and static certificates', () => {
    const errs = new ConfigErrors();
    decodeDownstreamTlsContext({ common_tls_context: {} }, 'a', errs);
    decodeDownstreamTlsContext({ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: server.certPath }, private_key: { filename: server.keyPath } }], validation_context: { match_subject_alt_names: [{ exact: 'x' }] } } }, 'b', errs);
    decodeDownstreamTlsContext({ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: server.certPath }, private_key: { filename: server.keyPath } }], tls_certificate_sds_secret_configs: [{ name: 'default' }] } }, 'c', errs);
    decodeUpstreamTlsContext({ common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'a' }, { name: 'b' }] } }, 'd', errs);
    assert.deepEqual(codes(errs), [
      `${CFG.REQUIRED} a.common_tls_context.tls_certificates`,
      `${CFG.CONFLICT} b.common_tls_context.validation_context`,
      `${CFG.CONFLICT} c.common_tls_context.tls_certificate_sds_secret_configs`,
      `${CFG.CONFLICT} d.common_tls_context.tls_certificate_sds_secret_configs`,
    ].sort());
  });

  it('decodes SdsSecretConfig sources: static, ads, an SDS cluster, a file', () => {
    const errs = new ConfigErrors();
    assert.deepEqual(decodeSdsSecretConfig({ name: 'web' }, 's', errs), { name: 'web', source: { kind: 'static' } });
    assert.deepEqual(decodeSdsSecretConfig({ name: 'default', sds_config: { ads: {}, resource_api_version: 'V3' } }, 's', errs), { name: 'default', source: { kind: 'ads' } });
    assert.deepEqual(decodeSdsSecretConfig({ name: 'ROOTCA', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] }, initial_fetch_timeout: { seconds: 0 } } }, 's', errs), { name: 'ROOTCA', source: { kind: 'api', clusterName: 'sds-grpc' } });
    assert.deepEqual(decodeSdsSecretConfig({ name: 'f', sds_config: { path_config_source: { path: '/etc/sds.yaml' } } }, 's', errs), { name: 'f', source: { kind: 'path', path: '/etc/sds.yaml' } });
    assert.deepEqual(decodeSdsSecretConfig({ name: 'f', sds_config: { path: '/etc/sds.yaml' } }, 's', errs), { name: 'f', source: { kind: 'path', path: '/etc/sds.yaml' } });
    assert.deepEqual(errs.issues, []);
    decodeSdsSecretConfig({ sds_config: { api_config_source: { api_type: 'REST', cluster_names: ['x'] } } }, 'bad', errs);
    assert.ok(errs.errors.some((e) => e.path === 'bad.name'));
    assert.ok(errs.errors.some((e) => e.path === 'bad.sds_config.api_config_source.cluster_names'));
  });

  it('decodes combined_validation_context as SDS with defaults, as Istio configures it', () => {
    const errs = new ConfigErrors();
    const u = decodeUpstreamTlsContext({
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { ads: {} } }],
        combined_validation_context: {
          default_validation_context: { match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/default/sa/reviews' }] },
          validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { ads: {} } },
        },
        alpn_protocols: ['istio-peer-exchange', 'istio'],
      },
      sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    }, 'c', errs);
    assert.deepEqual(errs.issues, []);
    const v = u!.common.validation!;
    assert.equal(v.kind, 'sds');
    assert.equal(v.kind === 'sds' && v.ref.name, 'ROOTCA');
    assert.equal(v.kind === 'sds' && v.defaults!.sanMatchers.length, 1);
  });

  it('tls_params: versions, cipher suites (BoringSSL groups), curves; unknown ones refused', () => {
    const errs = new ConfigErrors();
    const u = decodeUpstreamTlsContext({ common_tls_context: { tls_params: { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_3', cipher_suites: ['[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]', 'ECDHE-RSA-AES256-GCM-SHA384'], ecdh_curves: ['X25519', 'P-256'] } } }, 'c', errs);
    assert.deepEqual(errs.issues, []);
    assert.equal(u!.common.minVersion, 'TLSv1.3');
    assert.equal(u!.common.cipherSuites, 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal(u!.common.ecdhCurves, 'X25519:P-256');
    const bad = new ConfigErrors();
    decodeUpstreamTlsContext({ common_tls_context: { tls_params: { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_2', cipher_suites: ['NOT-A-CIPHER'], ecdh_curves: ['P-999'], signature_algorithms: ['x'] } } }, 'c', bad);
    assert.deepEqual(codes(bad), [
      `${CFG.CONFLICT} c.common_tls_context.tls_params.tls_minimum_protocol_version`,
      `${CFG.INVALID_VALUE} c.common_tls_context.tls_params.cipher_suites[0]`,
      `${CFG.INVALID_VALUE} c.common_tls_context.tls_params.ecdh_curves[0]`,
      `${CFG.UNSUPPORTED_FIELD} c.common_tls_context.tls_params.signature_algorithms`,
    ]);
  });

  it('verify_certificate_spki / verify_certificate_hash are normalised and checked', () => {
    const errs = new ConfigErrors();
    const v = decodeValidationContext({
      verify_certificate_hash: ['DF:6F:F7:2F:E9:11:65:21:26:8F:63:81:FB:27:A4:ED:B2:29:20:68:B7:B4:F1:8E:D9:A0:1E:46:45:8F:F1:4C', 'nothex'],
      verify_certificate_spki: ['NvqYIYSbgK2vCJpQhObf77vv+bQWtc5ek5RIOwPiC9A=', 'short'],
    }, 'v', errs);
    assert.equal(v, undefined);
    assert.deepEqual(codes(errs), [`${CFG.INVALID_VALUE} v.verify_certificate_hash[1]`, `${CFG.INVALID_VALUE} v.verify_certificate_spki[1]`]);
    const ok = decodeValidationContext({ verify_certificate_hash: ['DF:6F:F7:2F:E9:11:65:21:26:8F:63:81:FB:27:A4:ED:B2:29:20:68:B7:B4:F1:8E:D9:A0:1E:46:45:8F:F1:4C'] }, 'v', new ConfigErrors());
    assert.deepEqual(ok!.hashPins, ['df6ff72fe9116521268f6381fb27a4edb2292068b7b4f18ed9a01e46458ff14c']);
  });

  it('the tls transport socket takes DownstreamTlsContext on a filter chain and UpstreamTlsContext on a cluster only', () => {
    const down = { '@type': DOWNSTREAM_TLS_CONTEXT_TYPE_URL, common_tls_context: { tls_certificates: [{ certificate_chain: { filename: server.certPath }, private_key: { filename: server.keyPath } }] } };
    const up = { '@type': UPSTREAM_TLS_CONTEXT_TYPE_URL, sni: 'x' };
    const ok = new ConfigErrors();
    assert.equal(decodeTransportSocket({ name: 'envoy.transport_sockets.tls', typed_config: down }, 'fc', ok, 'filter_chain')?.kind, 'tls_downstream');
    assert.equal(decodeTransportSocket({ name: 'envoy.transport_sockets.tls', typed_config: up }, 'cl', ok, 'cluster')?.kind, 'tls_upstream');
    assert.deepEqual(ok.issues, []);
    const errs = new ConfigErrors();
    assert.equal(decodeTransportSocket({ name: 'envoy.transport_sockets.tls', typed_config: up }, 'fc', errs, 'filter_chain'), undefined);
    assert.equal(decodeTransportSocket({ name: 'envoy.transport_sockets.tls', typed_config: down }, 'cl', errs, 'cluster'), undefined);
    assert.deepEqual(codes(errs), [`${CFG.INVALID_VALUE} cl.typed_config`, `${CFG.INVALID_VALUE} fc.typed_config`]);
  });

  it('reads a DataSource from an environment variable, and refuses one that is unset', () => {
    process.env.WEFT_TEST_TLS_CERT = server.certPem;
    process.env.WEFT_TEST_TLS_KEY = server.keyPem;
    const errs = new ConfigErrors();
    const m = decodeTlsCertificate({ certificate_chain: { environment_variable: 'WEFT_TEST_TLS_CERT' }, private_key: { environment_variable: 'WEFT_TEST_TLS_KEY' } }, 'c', errs);
    assert.equal(m?.origin, 'env:WEFT_TEST_TLS_CERT');
    decodeTlsCertificate({ certificate_chain: { environment_variable: 'WEFT_TEST_TLS_UNSET' }, private_key: { inline_bytes: new Uint8Array(Buffer.from(server.keyPem)) } }, 'd', errs);
    assert.deepEqual(codes(errs), [`${CFG.INVALID_VALUE} d.certificate_chain.environment_variable`]);
    delete process.env.WEFT_TEST_TLS_CERT;
    delete process.env.WEFT_TEST_TLS_KEY;
  });
});
