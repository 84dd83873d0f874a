// Certificates and configs of the mTLS benchmark (bench/mtls-bench.ts),
// generated at run time into a temp dir. One topology for every target:
//
//   wrk ──TLS──► proxy ──mutual TLS (client cert, server verified)──► origin
//
// The proxy terminates TLS from the load generator (wrk presents no client
// certificate) and originates mutual TLS to an origin nginx that requires a
// client certificate signed by the same CA. Every party is OpenSSL-based
// (nginx, HAProxy, Node's bundled OpenSSL) with its default TLS 1.3 suites,
// ECDSA P-256 certificates, keep-alive on both sides.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { fixedBody, nginxMain as nginxConf } from './peer-configs.js';

/** The origin's name: the proxies send it as SNI and verify it in the origin's certificate. */
export const ORIGIN_NAME = 'origin.bench.local';
/** The SPIFFE identity on the proxy's client certificate (what a sidecar presents). */
export const CLIENT_SPIFFE = 'spiffe://cluster.local/ns/bench/sa/proxy';

export interface BenchCerts {
  ca: string;
  originCert: string;
  originKey: string;
  /** The proxy's server certificate (towards wrk). */
  proxyCert: string;
  proxyKey: string;
  /** The proxy's client certificate (towards the origin). */
  clientCert: string;
  clientKey: string;
  /** HAProxy wants certificate and key in one file. */
  proxyPem: string;
  clientPem: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and three leaves signed by it, with openssl (ECDSA P-256, one day). */
export function makeCerts(dir: string): BenchCerts {
  const f = (n: string) => path.join(dir, n);
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/O=weft bench/CN=bench root']);
  const leaf = (name: string, san: string, eku: string) => {
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=weft bench/CN=${name}`]);
    fs.writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${eku}\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\n`);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`]);
  };
  leaf('origin', `DNS:${ORIGIN_NAME},IP:127.0.0.1`, 'serverAuth');
  leaf('proxy', 'DNS:localhost,IP:127.0.0.1', 'serverAuth');
  leaf('client', `URI:${CLIENT_SPIFFE}`, 'clientAuth');
  const pem = (name: string) => {
    fs.writeFileSync(f(`${name}.pem`), fs.readFileSync(f(`${name}.crt`), 'utf8') + fs.readFileSync(f(`${name}.key`), 'utf8'));
    return f(`${name}.pem`);
  };
  return {
    ca: f('ca.crt'),
    originCert: f('origin.crt'),
    originKey: f('origin.key'),
    proxyCert: f('proxy.crt'),
    proxyKey: f('proxy.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    proxyPem: pem('proxy'),
    clientPem: pem('client'),
  };
}

const KEEPALIVE_REQUESTS = 1_000_000_000;
const nginxMain = (dir: string, tag: string, http: string) => nginxConf(dir, tag, http, 'bench/mtls-bench');

/**
 * The origin: on `port` TLS with a client certificate required (verified
 * against the CA); on `directPort` the same without client certificates, for
 * the load generator's direct baseline (wrk cannot present one).
 */
export function originNginxConf(dir: string, port: number, directPort: number, c: BenchCerts): string {
  const server = (p: number, verify: boolean) => `  server {
    listen 127.0.0.1:${p} ssl backlog=4096;
    ssl_certificate ${c.originCert};
    ssl_certificate_key ${c.originKey};
${verify ? `    ssl_client_certificate ${c.ca};
    ssl_verify_client on;
` : ''}    location / { return 200 "${fixedBody()}"; }
  }`;
  return nginxMain(dir, 'origin', `  default_type text/plain;
${server(port, true)}
${server(directPort, false)}`);
}

/** nginx terminating TLS and originating mutual TLS with upstream keep-alive and session reuse. */
export function proxyNginxTlsConf(dir: string, port: number, originPort: number, c: BenchCerts): string {
  return nginxMain(dir, 'proxy-nginx', `  upstream backend {
    server 127.0.0.1:${originPort};
    keepalive 64;
    keepalive_requests ${KEEPALIVE_REQUESTS};
  }
  server {
    listen 127.0.0.1:${port} ssl backlog=4096;
    ssl_certificate ${c.proxyCert};
    ssl_certificate_key ${c.proxyKey};
    location / {
      proxy_pass https://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_certificate ${c.clientCert};
      proxy_ssl_certificate_key ${c.clientKey};
      proxy_ssl_trusted_certificate ${c.ca};
      proxy_ssl_verify on;
      proxy_ssl_name ${ORIGIN_NAME};
      proxy_ssl_server_name on;
      proxy_ssl_session_reuse on;
    }
  }`);
}

/** HAProxy the same way: one thread, TLS bind, mutual TLS to the origin with verification and SNI. */
export function haproxyTlsConf(port: number, originPort: number, c: BenchCerts): string {
  return `# generated by bench/mtls-bench
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend bench
  bind 127.0.0.1:${port} ssl crt ${c.proxyPem}
  default_backend origin
backend origin
  server s1 127.0.0.1:${originPort} ssl crt ${c.clientPem} ca-file ${c.ca} verify required sni str(${ORIGIN_NAME}) verifyhost ${ORIGIN_NAME}
`;
}

/** weft's Envoy v3 bootstrap for the same: DownstreamTlsContext on the listener, UpstreamTlsContext on the cluster. */
export function weftTlsBootstrap(port: number, adminPort: number, originPort: number, c: BenchCerts): Record<string, unknown> {
  const socket = (p: number) => ({ socket_address: { address: '127.0.0.1', port_value: p } });
  const file = (filename: string) => ({ filename });
  return {
    admin: { address: socket(adminPort) },
    static_resources: {
      listeners: [{
        name: 'bench',
        address: socket(port),
        filter_chains: [{
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              common_tls_context: { tls_certificates: [{ certificate_chain: file(c.proxyCert), private_key: file(c.proxyKey) }] },
            },
          },
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'bench',
              codec_type: 'AUTO',
              route_config: { name: 'bench', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'origin' } }] }] },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
            },
          }],
        }],
      }],
      clusters: [{
        name: 'origin',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: { cluster_name: 'origin', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(originPort) } }] }] },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
            sni: ORIGIN_NAME,
            common_tls_context: {
              tls_certificates: [{ certificate_chain: file(c.clientCert), private_key: file(c.clientKey) }],
              validation_context: {
                trusted_ca: file(c.ca),
                match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: ORIGIN_NAME } }],
              },
            },
          },
        },
      }],
    },
  };
}

export function weftTlsBootstrapYaml(port: number, adminPort: number, originPort: number, c: BenchCerts): string {
  return `# generated by bench/mtls-bench\n${stringify(weftTlsBootstrap(port, adminPort, originPort, c))}`;
}
