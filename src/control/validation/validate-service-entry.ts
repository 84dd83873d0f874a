// ServiceEntry and WorkloadEntry rules (Istio's ValidateServiceEntry and
// validateWorkloadEntry, re-expressed): hosts, addresses, ports, and what
// each resolution mode allows (endpoints, addresses, FQDN hosts).
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../api/networking.js';
import { checkExportTo, checkLabels, checkPort, checkWorkloadSelector, each } from './common-checks.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { checkFqdn, checkIpOrCidr, checkPortName, checkProtocol, checkUnixPath, checkWildcardDomain, isHttpProtocol, isIpAddress, isPartialWildcard, isTlsProtocol } from './names.js';

const UNIX_PREFIX = 'unix://';

export function validateServiceEntry(spec: ServiceEntrySpec, namespace: string, r: Reporter): void {
  const resolution = spec.resolution ?? 'NONE';
  const sel = spec.workloadSelector;
  checkWorkloadSelector(sel?.labels, sel !== undefined, 'spec.workloadSelector', r);
  if (sel && spec.endpoints) r.report('WEFT0106', 'spec.workloadSelector', 'a ServiceEntry takes endpoints or a workloadSelector, not both');

  const hosts = spec.hosts ?? [];
  if (spec.hosts && hosts.length === 0) r.report('WEFT0107', 'spec.hosts', 'a ServiceEntry needs at least one host');
  each(hosts, (h, i) => {
    const p = `spec.hosts[${i}]`;
    if (h === '*') {
      r.report('WEFT0101', p, 'host "*" is not allowed in a ServiceEntry');
      return;
    }
    const err = checkWildcardDomain(h);
    if (err) r.report('WEFT0101', p, err);
    else if (isPartialWildcard(h)) r.report('WEFT0152', p, `partial wildcard "${h}" is not supported by Istio's matching; use "*.domain"`);
  });

  let cidr = false;
  each(spec.addresses, (a, i) => {
    cidr ||= a.includes('/');
    const err = checkIpOrCidr(a);
    if (err) r.report('WEFT0114', `spec.addresses[${i}]`, err);
  });
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') r.report('WEFT0112', 'spec.addresses', 'CIDR addresses are only allowed with resolution NONE or STATIC');

  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  each(spec.ports, (port, i) => {
    const p = `spec.ports[${i}]`;
    if (port.name !== undefined) {
      if (portNames.has(port.name)) r.report('WEFT0108', childPath(p, 'name'), `port name "${port.name}" is already defined`);
      portNames.add(port.name);
      const err = checkPortName(port.name);
      if (err) r.report('WEFT0109', childPath(p, 'name'), err);
    }
    if (port.number !== undefined) {
      if (portNumbers.has(port.number)) r.report('WEFT0108', childPath(p, 'number'), `port ${port.number} is already defined`);
      portNumbers.add(port.number);
      checkPort(port.number, childPath(p, 'number'), r);
    }
    if (port.protocol !== undefined) {
      const err = checkProtocol(port.protocol);
      if (err) r.report('WEFT0115', childPath(p, 'protocol'), err);
    }
    if (port.targetPort !== undefined && port.targetPort !== 0) {
      checkPort(port.targetPort, childPath(p, 'targetPort'), r);
      if (resolution === 'NONE') r.report('WEFT0152', childPath(p, 'targetPort'), 'targetPort has no effect with resolution NONE');
    }
  });

  switch (resolution) {
    case 'NONE':
      if ((spec.endpoints ?? []).length > 0) r.report('WEFT0112', 'spec.endpoints', 'resolution NONE takes no endpoints (traffic goes to the address the client asked for); use STATIC or DNS');
      if (sel) r.report('WEFT0152', 'spec.workloadSelector', 'workloadSelector has no effect with resolution NONE');
      break;
    case 'STATIC':
      if ((spec.endpoints ?? []).length === 0 && !sel) {
        r.report('WEFT0112', 'spec.resolution', 'resolution STATIC needs endpoints (with IP addresses) or a workloadSelector that selects WorkloadEntries; this service would have no endpoints');
      }
      each(spec.endpoints, (e, i) => validateWorkloadEntry(e, `spec.endpoints[${i}]`, r, portNames, false));
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if ((spec.endpoints ?? []).length === 0) {
        each(hosts, (h, i) => {
          if (checkFqdn(h) !== undefined && checkWildcardDomain(h) === undefined) {
            r.report('WEFT0112', `spec.hosts[${i}]`, `with resolution ${resolution} and no endpoints, hosts are resolved by DNS and must be FQDNs without wildcards ("${h}")`);
          }
        });
      }
      if (resolution === 'DNS_ROUND_ROBIN' && (spec.endpoints ?? []).length > 1) r.report('WEFT0112', 'spec.endpoints', 'resolution DNS_ROUND_ROBIN takes at most one endpoint');
      each(spec.endpoints, (e, i) => validateWorkloadEntry(e, `spec.endpoints[${i}]`, r, portNames, true));
      if (sel) r.report('WEFT0152', 'spec.workloadSelector', `workloadSelector has no effect with resolution ${resolution}`);
      break;
  }

  if (resolution !== 'NONE' && hosts.length > 1) {
    const opaque = (spec.ports ?? []).find((p) => p && !isHttpProtocol(p.protocol) && !isTlsProtocol(p.protocol));
    if (opaque) r.report('WEFT0112', 'spec.hosts', `several hosts with a non-HTTP, non-TLS port (${opaque.number ?? '?'}) cannot be told apart; use one host per ServiceEntry or resolution NONE`);
  }
  checkExportTo(namespace, spec.exportTo, 'spec.exportTo', r, true);
}

/**
 * A WorkloadEntry (a kind of its own, or a ServiceEntry endpoint).
 * `servicePorts`: the ServiceEntry's port names, which endpoint ports must use.
 * `allowFqdn`: DNS endpoints and WorkloadEntries may use host names, STATIC endpoints only IPs.
 */
export function validateWorkloadEntry(we: WorkloadEntrySpec, path: string, r: Reporter, servicePorts?: ReadonlySet<string>, allowFqdn = true): void {
  const addr = we.address ?? '';
  let unix = false;
  if (addr === '') {
    if (!we.network) r.report('WEFT0107', childPath(path, 'address'), 'address is required');
    else r.report('WEFT0152', childPath(path, 'address'), `address is unset with network "${we.network}" (reached through the network's gateway)`);
  } else if (addr.startsWith(UNIX_PREFIX)) {
    unix = true;
    const err = checkUnixPath(addr.slice(UNIX_PREFIX.length));
    if (err) r.report('WEFT0114', childPath(path, 'address'), err);
    if (Object.keys(we.ports ?? {}).length > 0) r.report('WEFT0106', childPath(path, 'ports'), `unix endpoint ${addr} must not have ports`);
  } else if (!isIpAddress(addr)) {
    if (!allowFqdn) r.report('WEFT0114', childPath(path, 'address'), `endpoint address "${addr}" is not an IP address (resolution STATIC needs IPs; use DNS for host names)`);
    else if (checkFqdn(addr)) r.report('WEFT0114', childPath(path, 'address'), `endpoint address "${addr}" is not a valid FQDN or IP address`);
  }
  for (const [name, port] of Object.entries(we.ports ?? {})) {
    const p = childPath(childPath(path, 'ports'), name);
    if (servicePorts && !servicePorts.has(name)) r.report('WEFT0109', p, `endpoint port "${name}" is not a port name of the ServiceEntry (${[...servicePorts].join(', ') || 'none'})`);
    const err = checkPortName(name);
    if (err) r.report('WEFT0109', p, err);
    checkPort(port, p, r);
  }
  checkLabels(we.labels, childPath(path, 'labels'), r);
  if (unix && servicePorts && servicePorts.size !== 1) r.report('WEFT0112', path, 'a unix socket endpoint needs a ServiceEntry with exactly one port');
}
