// Sidecar and Gateway rules (Istio's ValidateSidecar and ValidateGateway,
// re-expressed). Both use "namespace/dnsName" host entries.
import type { GatewayServer, GatewaySpec, SidecarSpec } from '../../api/networking.js';
import { checkDestination, checkLabels, checkPort, checkWorkloadSelector, each } from './common-checks.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { isValidCipherSuite } from '../translate/istio-tls.js';
import { checkFqdn, checkPortName, checkProtocol, checkUnixPath, checkWildcardDomain, isDnsLabel, isHttpProtocol, isIpAddress, isPartialWildcard, isTlsProtocol } from './names.js';

const UNIX_PREFIX = 'unix://';
const LOCAL_BIND_HOSTS = new Set(['', '127.0.0.1', '0.0.0.0', '::1', '::']);

/**
 * A "namespace/dnsName" host entry. Sidecars require the namespace part
 * ("*", ".", "~" or a namespace); Gateways also accept a bare host (any
 * namespace) and IP addresses.
 */
export function checkNamespacedHost(entry: string, path: string, r: Reporter, gateway: boolean): void {
  const slash = entry.indexOf('/');
  let host = entry;
  if (slash < 0) {
    if (!gateway) {
      r.report('WEFT0101', path, `host "${entry}" must have the form namespace/dnsName (e.g. "./${entry}", "*/${entry}")`);
      return;
    }
  } else {
    const ns = entry.slice(0, slash);
    host = entry.slice(slash + 1);
    if (ns === '' || host === '') {
      r.report('WEFT0101', path, `host "${entry}": namespace and dnsName cannot be empty`);
      return;
    }
    const nsOk = ns === '*' || ns === '.' || (!gateway && ns === '~') || isDnsLabel(ns);
    if (!nsOk) r.report('WEFT0101', path, `host "${entry}": invalid namespace "${ns}" (use "*", "."${gateway ? '' : ', "~"'} or a namespace name)`);
  }
  if (host !== '*' && !host.includes('.')) {
    r.report('WEFT0101', path, `host "${entry}": short names are not allowed here; use the FQDN (e.g. "${host}.<namespace>.svc.cluster.local")`);
    return;
  }
  const err = checkWildcardDomain(host);
  if (err && !(gateway && isIpAddress(host))) r.report('WEFT0101', path, err);
  else if (isPartialWildcard(host)) r.report('WEFT0101', path, `host "${entry}": partial wildcards are not allowed (use "*.domain")`);
}

function checkBindIp(bind: string | undefined, path: string, r: Reporter): void {
  if (bind && !isIpAddress(bind)) r.report('WEFT0114', path, `bind "${bind}" is not an IP address`);
}

export function validateSidecar(spec: SidecarSpec, namespace: string, r: Reporter): void {
  const sel = spec.workloadSelector;
  checkWorkloadSelector(sel?.labels, sel !== undefined, 'spec.workloadSelector', r);
  if ((spec.egress ?? []).length === 0 && (spec.ingress ?? []).length === 0 && !spec.outboundTrafficPolicy) {
    r.report('WEFT0107', 'spec', 'empty Sidecar: set egress, ingress or outboundTrafficPolicy');
    return;
  }

  // Accepted as Istio accepts them, not applied by weft's translation yet: said, never silent.
  if ((spec.ingress ?? []).length > 0) r.report('WEFT0163', 'spec.ingress', 'ingress listeners are accepted but not honoured yet: inbound traffic uses the service ports, not these listeners');
  each(spec.egress, (l, i) => {
    for (const f of ['port', 'bind', 'captureMode'] as const) {
      if (l[f] !== undefined) r.report('WEFT0163', childPath(`spec.egress[${i}]`, f), `egress ${f} is accepted but not honoured yet: the egress hosts of every listener apply to every port`);
    }
  });
  const ingressPorts = new Set<number>();
  each(spec.ingress, (l, i) => {
    const p = `spec.ingress[${i}]`;
    const port = l.port;
    if (!port) return; // required: reported by the schema
    const pp = childPath(p, 'port');
    checkListenerPort(port, pp, r);
    checkPort(port.number ?? 0, childPath(pp, 'number'), r);
    checkBindIp(l.bind, childPath(p, 'bind'), r);
    if (port.number !== undefined) {
      if (ingressPorts.has(port.number)) r.report('WEFT0117', childPath(pp, 'number'), `ingress port ${port.number} is used by more than one listener`);
      ingressPorts.add(port.number);
    }
    if (l.defaultEndpoint) checkDefaultEndpoint(l.defaultEndpoint, childPath(p, 'defaultEndpoint'), r);
  });

  const egressPorts = new Set<number>();
  const unixBinds = new Set<string>();
  const egress = spec.egress ?? [];
  let catchAll = false;
  each(egress, (l, i) => {
    const p = `spec.egress[${i}]`;
    if (!l.port) {
      if (catchAll) r.report('WEFT0117', p, 'only one egress listener may omit the port (the catch-all)');
      else if (i !== egress.length - 1) r.report('WEFT0117', p, 'the egress listener without a port (the catch-all) must be the last one');
      catchAll = true;
    } else {
      const pp = childPath(p, 'port');
      const port = l.port;
      checkListenerPort(port, pp, r);
      if (!port.number) {
        if (!l.bind?.startsWith(UNIX_PREFIX)) r.report('WEFT0117', childPath(p, 'bind'), 'an egress listener with port 0 needs a unix:// bind address');
        else {
          const err = checkUnixPath(l.bind.slice(UNIX_PREFIX.length));
          if (err) r.report('WEFT0114', childPath(p, 'bind'), err);
          if (unixBinds.has(l.bind)) r.report('WEFT0117', childPath(p, 'bind'), `unix socket ${l.bind} is used by more than one listener`);
          unixBinds.add(l.bind);
        }
        if (l.captureMode && l.captureMode !== 'DEFAULT' && l.captureMode !== 'NONE') r.report('WEFT0117', childPath(p, 'captureMode'), 'unix socket listeners take captureMode DEFAULT or NONE');
      } else {
        checkPort(port.number, childPath(pp, 'number'), r);
        checkBindIp(l.bind, childPath(p, 'bind'), r);
        if (egressPorts.has(port.number)) r.report('WEFT0117', childPath(pp, 'number'), `egress port ${port.number} is used by more than one listener`);
        egressPorts.add(port.number);
      }
    }
    if (l.hosts && l.hosts.length === 0) r.report('WEFT0107', childPath(p, 'hosts'), 'an egress listener needs at least one host');
    const seen = new Set<string>();
    each(l.hosts, (h, j) => {
      const hp = childPath(childPath(p, 'hosts'), j);
      checkNamespacedHost(h, hp, r, false);
      const norm = h.startsWith('./') ? `${namespace}/${h.slice(2)}` : h;
      if (seen.has(norm)) r.report('WEFT0152', hp, `duplicate egress host "${h}"`);
      seen.add(norm);
    });
    if (seen.has('*/*') && seen.size > 1) r.report('WEFT0152', childPath(p, 'hosts'), '"*/*" already selects every host; the other entries have no effect');
  });

  const otp = spec.outboundTrafficPolicy;
  if (otp?.egressProxy) {
    const p = 'spec.outboundTrafficPolicy.egressProxy';
    r.report('WEFT0162', p, 'egressProxy is accepted but not honoured by weft: traffic to destinations outside the registry is not sent to the egress proxy');
    if (otp.mode !== 'ALLOW_ANY') r.report('WEFT0106', p, 'egressProxy only applies with mode ALLOW_ANY');
    if (otp.egressProxy.host !== undefined) {
      const err = checkFqdn(otp.egressProxy.host);
      if (err) r.report('WEFT0101', childPath(p, 'host'), err);
    }
    if (!otp.egressProxy.port) r.report('WEFT0107', childPath(p, 'port'), 'egressProxy needs a port');
    checkDestination(otp.egressProxy, p, r);
  }
}

function checkDefaultEndpoint(ep: string, path: string, r: Reporter): void {
  if (ep.startsWith(UNIX_PREFIX)) {
    const err = checkUnixPath(ep.slice(UNIX_PREFIX.length));
    if (err) r.report('WEFT0114', path, err);
    return;
  }
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(ep);
  if (!m) {
    r.report('WEFT0114', path, `defaultEndpoint "${ep}" must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port>, :<port> or unix://<path>`);
    return;
  }
  const host = m[1] ?? m[2] ?? '';
  if (!LOCAL_BIND_HOSTS.has(host)) r.report('WEFT0114', path, `defaultEndpoint "${ep}" must point at the workload itself (127.0.0.1, 0.0.0.0, ::1 or ::)`);
  checkPort(Number(m[3]), path, r);
}

export function validateGateway(spec: GatewaySpec, name: string, r: Reporter): void {
  if (!isDnsLabel(name)) r.report('WEFT0109', 'metadata.name', `gateway name "${name}" must be a DNS-1123 label (no dots)`);
  const servers = spec.servers ?? [];
  if (servers.length === 0) r.report('WEFT0107', 'spec.servers', 'a Gateway needs at least one server');
  const portNames = new Set<string>();
  each(servers, (s, i) => {
    const p = `spec.servers[${i}]`;
    validateServer(s, p, r);
    const portName = s.port?.name;
    if (portName !== undefined) {
      if (portNames.has(portName)) r.report('WEFT0108', `${p}.port.name`, `port names of servers must be unique: "${portName}" is used twice`);
      portNames.add(portName);
    }
    if (s.tls?.httpsRedirect && s.port && !isHttpProtocol(s.port.protocol)) r.report('WEFT0152', `${p}.tls.httpsRedirect`, 'httpsRedirect only makes sense on HTTP servers');
  });
  checkLabels(spec.selector, 'spec.selector', r, true);
}

function validateServer(s: GatewayServer, path: string, r: Reporter): void {
  if (s.hosts && s.hosts.length === 0) r.report('WEFT0107', childPath(path, 'hosts'), 'a server needs at least one host');
  each(s.hosts, (h, i) => checkNamespacedHost(h, childPath(childPath(path, 'hosts'), i), r, true));
  let portOk = false;
  const unix = s.bind?.startsWith(UNIX_PREFIX) ?? false;
  if (s.port) {
    const pp = childPath(path, 'port');
    portOk = true;
    if (s.port.protocol !== undefined) {
      const err = checkProtocol(s.port.protocol);
      if (err || s.port.protocol === '') {
        r.report('WEFT0115', childPath(pp, 'protocol'), err ?? 'protocol must be set');
        portOk = false;
      }
    }
    if ((s.port.number ?? 0) > 0 || !unix) checkPort(s.port.number ?? 0, childPath(pp, 'number'), r);
    if (s.port.targetPort) r.report('WEFT0106', childPath(pp, 'targetPort'), 'targetPort has no effect on Gateways');
  }
  if (unix) {
    const err = checkUnixPath(s.bind!.slice(UNIX_PREFIX.length));
    if (err) r.report('WEFT0114', childPath(path, 'bind'), err);
    if (s.port?.number) r.report('WEFT0106', `${path}.port.number`, 'port number must be 0 for a unix socket bind');
  } else checkBindIp(s.bind, childPath(path, 'bind'), r);

  const tls = s.tls;
  const tp = childPath(path, 'tls');
  if (tls) validateServerTls(tls, tp, r);
  if (portOk && s.port) {
    const proto = s.port.protocol;
    if (isTlsProtocol(proto) && !tls) r.report('WEFT0113', tp, `a ${proto} server needs tls settings`);
    else if (!isTlsProtocol(proto) && tls) {
      const passthrough = tls.mode === undefined || tls.mode === 'PASSTHROUGH' || tls.mode === 'AUTO_PASSTHROUGH';
      if (isHttpProtocol(proto)) {
        if (!passthrough || tls.caCertificates || tls.privateKey || tls.serverCertificate) r.report('WEFT0113', tp, 'a plain-text HTTP server cannot have TLS settings (only httpsRedirect)');
        // Istio accepts it (PASSTHROUGH is the enum's default), but written out it says something that does not happen.
        else if (tls.mode !== undefined) r.report('WEFT0152', childPath(tp, 'mode'), `mode ${tls.mode} has no effect on a plain-text ${proto} server: it serves HTTP, not TLS (use protocol HTTPS or TLS for passthrough)`);
      } else r.report('WEFT0113', tp, `a ${proto} server cannot have TLS settings (only HTTPS and TLS servers can)`);
    }
  }
}

const TLS_VERSION_ORDER = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'];

function validateServerTls(t: NonNullable<GatewayServer['tls']>, path: string, r: Reporter): void {
  if ((t.minProtocolVersion === 'TLSV1_0' || t.minProtocolVersion === 'TLSV1_1') && (t.cipherSuites ?? []).length === 0) {
    r.report('WEFT0152', childPath(path, 'minProtocolVersion'), 'TLS versions below 1.2 need cipherSuites set: the default ciphers no longer include compatible ones');
  }
  const min = TLS_VERSION_ORDER.indexOf(t.minProtocolVersion ?? 'TLS_AUTO');
  const max = TLS_VERSION_ORDER.indexOf(t.maxProtocolVersion ?? 'TLS_AUTO');
  if (min > 0 && max > 0 && min > max) r.report('WEFT0113', childPath(path, 'maxProtocolVersion'), `maxProtocolVersion ${t.maxProtocolVersion} is below minProtocolVersion ${t.minProtocolVersion}`);
  // Istio's validateTLSOptions: unknown and repeated ciphers are warnings, and are left out of the config.
  const invalid = [...new Set((t.cipherSuites ?? []).filter((c) => !isValidCipherSuite(c)))].sort();
  const seenCiphers = new Set<string>();
  const duplicate = [...new Set((t.cipherSuites ?? []).filter((c) => isValidCipherSuite(c) && seenCiphers.size === seenCiphers.add(c).size))].sort();
  if (invalid.length) r.report('WEFT0152', childPath(path, 'cipherSuites'), `ignoring invalid cipher suites: ${invalid.join(', ')}`);
  if (duplicate.length) r.report('WEFT0152', childPath(path, 'cipherSuites'), `ignoring duplicate cipher suites: ${duplicate.join(', ')}`);
  if (t.mode === 'AUTO_PASSTHROUGH') r.report('WEFT0163', childPath(path, 'mode'), 'AUTO_PASSTHROUGH is accepted (as Istio) but not served by weft gateways: it routes by SNI to outbound_.<port>_.<subset>_.<host> clusters that weft does not build; the server is left out');
  if (t.mode === 'ISTIO_MUTUAL') {
    if (t.serverCertificate || t.privateKey || t.caCertificates || t.credentialName) {
      r.report('WEFT0113', path, 'mode ISTIO_MUTUAL uses the mesh certificates; serverCertificate, privateKey, caCertificates and credentialName must not be set');
    }
    return;
  }
  if (t.mode === 'PASSTHROUGH' || t.mode === 'AUTO_PASSTHROUGH') {
    if (t.serverCertificate || t.privateKey || t.caCertificates || t.credentialName) r.report('WEFT0152', path, `mode ${t.mode} does not terminate TLS; the certificates are ignored`);
    return;
  }
  if (t.credentialName) return; // certificates come from the credential
  if (t.mode === 'SIMPLE' || t.mode === 'MUTUAL' || t.mode === 'OPTIONAL_MUTUAL') {
    if (!t.serverCertificate) r.report('WEFT0113', childPath(path, 'serverCertificate'), `mode ${t.mode} needs serverCertificate (or credentialName)`);
    if (!t.privateKey) r.report('WEFT0113', childPath(path, 'privateKey'), `mode ${t.mode} needs privateKey (or credentialName)`);
    if (t.mode !== 'SIMPLE' && !t.caCertificates) r.report('WEFT0113', childPath(path, 'caCertificates'), `mode ${t.mode} needs caCertificates to verify clients (or credentialName)`);
  }
}

/** The name, protocol and targetPort rules every Sidecar listener port follows (ingress and egress). */
function checkListenerPort(port: { name?: string; protocol?: string }, pp: string, r: Reporter): void {
  if ((port as { targetPort?: number }).targetPort) r.report('WEFT0106', childPath(pp, 'targetPort'), 'targetPort has no effect on Sidecars');
  if (port.name) {
    const err = checkPortName(port.name);
    if (err) r.report('WEFT0109', childPath(pp, 'name'), err);
  }
  if (port.protocol !== undefined) {
    const err = checkProtocol(port.protocol);
    if (err) r.report('WEFT0115', childPath(pp, 'protocol'), err);
  }
}
