// Traffic capture for real: network namespaces as pods on a bridge, the nat
// rules written by `weft iptables` inside each meshed pod, sidecars (`weft
// proxy`, run as UID 1337 like istio-proxy) configured by `weft control` over
// xDS with certificates from its CA, and applications that know nothing of
// the mesh:
//
//   sleep pod (10.77.0.2)            httpbin pod (10.77.0.3)        external pod (10.77.0.4)
//   curl ─► iptables ─► 15001 ──mTLS──► iptables ─► 15006 ─► app    plain servers on 80 and 8080
//                        └──── PassthroughCluster / BlackHoleCluster ───────►
//
// Checked: a request to the service's virtual IP reaches httpbin's app through
// both sidecars over mutual TLS (the server sidecar's istio_requests_total
// names the client's SPIFFE identity); a plaintext client outside the mesh is
// captured inbound too; under ALLOW_ANY traffic to an address outside the
// registry passes through to it (TCP and HTTP); under REGISTRY_ONLY the same
// traffic is refused as Envoy refuses it (TCP closed by BlackHoleCluster,
// HTTP 502 from block_all). Root only (skips otherwise, with the reason).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WEFT_BIN } from '../helpers/process-harness.js';
import { sdsGrpcCluster } from '../../src/up/sidecar-bootstrap.js';
import { waitUntil } from '../helpers/net-harness.js';
import { CAPTURE_TOKENS, captureSkipReason, httpbinMeshConfig, PodNetwork, type Pod } from './netns-harness.js';

const SUBNET = '10.77.0';
const VIP = '10.96.0.10';
const SVC = 'httpbin.default.svc.cluster.local';
const TOKENS = CAPTURE_TOKENS;
const PROXY_UID = 1337;

const SKIP = captureSkipReason();

const CONFIG = httpbinMeshConfig(SVC, VIP, SUBNET);

/** The bootstrap Istio's injector gives a sidecar in a captured pod (INTERCEPTION_MODE REDIRECT). */
function bootstrap(pod: Pod, app: string, nodeIp: string): string {
  return JSON.stringify({
    node: {
      id: `sidecar~${pod.ip}~${app}-0.default~default.svc.cluster.local`,
      cluster: `${app}.default`,
      metadata: {
        NAMESPACE: 'default', SERVICE_ACCOUNT: app, INSTANCE_IPS: pod.ip, LABELS: { app, 'security.istio.io/tlsMode': 'istio' },
        CLUSTER_ID: 'Kubernetes', INTERCEPTION_MODE: 'REDIRECT',
      },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [{
        name: 'xds-grpc', type: 'STATIC', connect_timeout: '1s',
        typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
        load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: nodeIp, port_value: 15010 } } } }] }] },
      },
      // Istio's bootstrap names the agent's SDS server; weft's node agent answers for it in process.
      sdsGrpcCluster('/var/run/weft-capture-test/sds')],
    },
  });
}

/** An app: answers every request with its name, the peer address it saw and the path. */
const APP = `const http=require('node:http');const [name,...ports]=process.argv.slice(1);
for(const p of ports)http.createServer((q,s)=>{s.end(name+' '+q.socket.remoteAddress+' '+q.url+'\\n')}).listen(Number(p),'0.0.0.0',()=>console.log('listening '+p));`;

describe('traffic capture in network namespaces (weft iptables, original_dst, mTLS, passthrough/blackhole)', { skip: SKIP, timeout: 180_000 }, () => {
  let net: PodNetwork;
  let tmp: string;
  let sleep: Pod;
  let httpbin: Pod;
  let external: Pod;
  const logs: Record<string, () => string> = {};

  const curl = async (pod: Pod, args: string[]) => net.exec(pod.ns, 'curl', ['-sS', '-m', '5', ...args]);
  const admin = async (pod: Pod, p: string) => (await net.exec(pod.ns, 'curl', ['-sS', '-m', '5', `http://127.0.0.1:15000${p}`])).stdout;
  const counter = async (pod: Pod, name: string): Promise<number> => {
    const m = new RegExp(`^${name.replace(/[.|]/g, '\\$&')}: (\\d+)$`, 'm').exec(await admin(pod, `/stats?filter=${encodeURIComponent(name)}`));
    return m ? Number(m[1]) : 0;
  };
  const dump = () => Object.entries(logs).map(([k, f]) => `--- ${k}\n${f().slice(-3000)}`).join('\n');

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-capture-'));
    // The sidecars run as UID 1337: they read their bootstrap, token and the mesh root.
    fs.chmodSync(tmp, 0o755);
    const file = (name: string, text: string) => {
      const p = path.join(tmp, name);
      fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
      fs.writeFileSync(p, text, { mode: 0o644 });
      return p;
    };
    net = new PodNetwork(`wc${process.pid % 100000}`, SUBNET);
    try {
      sleep = net.addPod('sleep', 2);
      httpbin = net.addPod('httpbin', 3);
      external = net.addPod('ext', 4);
      file('config/httpbin.yaml', CONFIG);
      file('mesh.yaml', 'outboundTrafficPolicy: { mode: ALLOW_ANY }\n');
      for (const [sa, t] of Object.entries(TOKENS)) file(`tokens/default/${sa}`, t);
      const cp = net.start(net.node, process.execPath, [WEFT_BIN, 'control', '--config', path.join(tmp, 'config'), '--mesh-config', path.join(tmp, 'mesh.yaml'),
        '--xds-address', `${net.nodeIp}:15010`, '--debug-address', '127.0.0.1:0', '--debounce-ms', '20',
        '--ca-dir', path.join(tmp, 'ca'), '--ca-address', `${net.nodeIp}:15012`, '--ca-token-dir', path.join(tmp, 'tokens')]);
      logs.control = cp.output;
      await waitUntil(() => /CA on port \d+/.test(cp.output()) || (cp.child.exitCode !== null && Promise.reject(new Error(cp.output()))), 'weft control', 30_000);
      fs.chmodSync(path.join(tmp, 'ca'), 0o755);
      fs.chmodSync(path.join(tmp, 'ca', 'ca-cert.pem'), 0o644);
      // The apps, as root (their traffic is captured: only UID/GID 1337 is exempt).
      for (const [pod, name, ports] of [[httpbin, 'httpbin', ['80']], [external, 'external', ['80', '8080']]] as const) {
        const a = net.start(pod.ns, process.execPath, ['-e', APP, name, ...ports]);
        logs[name] = a.output;
        await waitUntil(() => a.output().split('listening').length > ports.length, `${name} app`, 15_000);
      }
      // istio-init's job, with the injector's usual arguments.
      for (const pod of [sleep, httpbin]) {
        const r = await net.exec(pod.ns, process.execPath, [WEFT_BIN, 'iptables', '-p', '15001', '-z', '15006', '-u', String(PROXY_UID), '-m', 'REDIRECT',
          '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020']);
        assert.equal(r.code, 0, r.stderr);
      }
      for (const [pod, app] of [[sleep, 'sleep'], [httpbin, 'httpbin']] as const) {
        const b = file(`${app}/bootstrap.json`, bootstrap(pod, app, net.nodeIp));
        const p = net.start(pod.ns, process.execPath, [WEFT_BIN, 'proxy', '-c', b, '--ca-address', `${net.nodeIp}:15012`,
          '--ca-root-cert', path.join(tmp, 'ca', 'ca-cert.pem'), '--ca-token-file', path.join(tmp, 'tokens', 'default', app)], { uid: PROXY_UID });
        logs[`${app} sidecar`] = p.output;
      }
      for (const [pod, want] of [[sleep, ['virtualOutbound', '0.0.0.0_80']], [httpbin, ['virtualInbound']]] as const) {
        await waitUntil(async () => {
          const l = await admin(pod, '/listeners');
          return want.every((w) => l.includes(w));
        }, `${pod.ns}'s sidecar to get its listeners`, 60_000);
      }
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${dump()}`);
    }
  });

  after(async () => {
    await net?.destroy();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('weft iptables wrote Istio\'s chains; applying again changes nothing', async () => {
    // Comments (timestamps) and chain counters (iptables-legacy counts packets) are not rules.
    const rules = (saved: string) => saved.replace(/^#.*\n/gm, '').replace(/ \[\d+:\d+\]$/gm, '');
    const before = rules((await net.exec(sleep.ns, 'iptables-save', ['-t', 'nat'])).stdout);
    for (const c of ['ISTIO_INBOUND', 'ISTIO_REDIRECT', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT']) assert.match(before, new RegExp(`^:${c} `, 'm'));
    assert.match(before, /^-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN$/m);
    assert.match(before, /^-A ISTIO_OUTPUT ! -d 127\.0\.0\.1\/32 -o lo -p tcp -m tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT$/m);
    assert.match(before, /^-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001$/m);
    const again = await net.exec(sleep.ns, process.execPath, [WEFT_BIN, 'iptables', '-u', '1337', '-i', '*', '-b', '*', '-d', '15090,15021,15020']);
    assert.equal(again.code, 0, again.stderr);
    const after2 = rules((await net.exec(sleep.ns, 'iptables-save', ['-t', 'nat'])).stdout);
    assert.equal(after2, before);
  });

  it('a request to the service IP reaches the app through both sidecars over mutual TLS', async () => {
    const r = await curl(sleep, ['-H', `Host: ${SVC}`, `http://${VIP}/hello`]);
    assert.equal(r.code, 0, `${r.stderr}\n${dump()}`);
    // The app saw its own sidecar (loopback), not the client pod.
    assert.equal(r.stdout.trim(), 'httpbin 127.0.0.1 /hello');
    assert.ok(await counter(sleep, `cluster.outbound|80||${SVC}.upstream_rq_total`) >= 1);
    const prom = await admin(httpbin, '/stats/prometheus');
    const line = prom.split('\n').find((l) => l.startsWith('istio_requests_total{') && l.includes('reporter="destination"') && l.includes('source_principal="spiffe://cluster.local/ns/default/sa/sleep"'));
    assert.ok(line, `no inbound istio_requests_total from sleep's identity:\n${prom.split('\n').filter((l) => l.startsWith('istio_requests_total')).join('\n')}`);
    assert.match(line, /connection_security_policy="mutual_tls"/);
  });

  it('inbound capture: a plaintext client outside the mesh reaches the app through its sidecar (PERMISSIVE)', async () => {
    const r = await curl(external, [`http://${httpbin.ip}/direct`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'httpbin 127.0.0.1 /direct');
    assert.ok(await counter(httpbin, 'cluster.inbound|80||.upstream_rq_total') >= 2);
  });

  it('ALLOW_ANY: traffic to an address outside the registry passes through to it (TCP and HTTP)', async () => {
    const tcp = await curl(sleep, [`http://${external.ip}:8080/tcp`]);
    assert.equal(tcp.code, 0, tcp.stderr);
    // Passed through by the sidecar, so the external app sees the sleep pod's address.
    assert.equal(tcp.stdout.trim(), `external ${sleep.ip} /tcp`);
    assert.ok(await counter(sleep, 'cluster.PassthroughCluster.upstream_cx_total') >= 1);
    const http = await curl(sleep, ['-H', 'Host: unknown.example', `http://${external.ip}/http`]);
    assert.equal(http.code, 0, http.stderr);
    assert.equal(http.stdout.trim(), `external ${sleep.ip} /http`);
    assert.ok(await counter(sleep, 'cluster.PassthroughCluster.upstream_rq_total') >= 1);
  });

  it('REGISTRY_ONLY: the same traffic is refused (TCP closed by BlackHoleCluster, HTTP 502); the service still works', async () => {
    fs.writeFileSync(path.join(tmp, 'mesh.yaml'), 'outboundTrafficPolicy: { mode: REGISTRY_ONLY }\n');
    // The control plane watches the mesh config: wait (bounded) for the push to land.
    await waitUntil(async () => (await curl(sleep, [`http://${external.ip}:8080/tcp`])).code !== 0, 'REGISTRY_ONLY to reach the sidecar', 30_000);
    const tcp = await curl(sleep, [`http://${external.ip}:8080/tcp`]);
    assert.ok(tcp.code === 52 || tcp.code === 56, `curl exit ${tcp.code} (want 52 empty reply or 56 reset): ${tcp.stderr}`);
    assert.ok(await counter(sleep, 'cluster.BlackHoleCluster.upstream_cx_none_healthy') >= 1);
    const http = await curl(sleep, ['-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: unknown.example', `http://${external.ip}/http`]);
    assert.equal(http.stdout, '502');
    const svc = await curl(sleep, ['-H', `Host: ${SVC}`, `http://${VIP}/still`]);
    assert.equal(svc.stdout.trim(), 'httpbin 127.0.0.1 /still');
  });

  it('weft iptables --cleanup removes the capture: the pod talks directly again', async () => {
    const r = await net.exec(sleep.ns, process.execPath, [WEFT_BIN, 'iptables', '--cleanup']);
    assert.equal(r.code, 0, r.stderr);
    const saved = (await net.exec(sleep.ns, 'iptables-save', ['-t', 'nat'])).stdout;
    assert.doesNotMatch(saved, /ISTIO_/);
    const direct = await curl(sleep, [`http://${external.ip}:8080/direct`]);
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(direct.stdout.trim(), `external ${sleep.ip} /direct`);
  });
});

