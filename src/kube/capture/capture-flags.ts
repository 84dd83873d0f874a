// istio-iptables' flags (the names istio-init is started with, so an injector
// written for Istio works unchanged) → CaptureOptions, every problem at once,
// each named by its flag. Flags weft does not implement are refused by name
// with the reason, never ignored.
import { isIPv4 } from 'node:net';
import { CAPTURE_DEFAULTS, type CaptureOptions } from './iptables-rules.js';

export interface CaptureFlagSpec {
  name: string;
  short?: string;
  value: boolean;
  help: string;
  /** Set: the flag is refused with this reason. */
  unsupported?: string;
}

export const CAPTURE_FLAGS: CaptureFlagSpec[] = [
  { name: 'envoy-port', short: 'p', value: true, help: `port outbound TCP is redirected to (default ${CAPTURE_DEFAULTS.envoyPort}, the sidecar's virtualOutbound)` },
  { name: 'inbound-capture-port', short: 'z', value: true, help: `port inbound TCP is redirected to (default ${CAPTURE_DEFAULTS.inboundCapturePort}, virtualInbound)` },
  { name: 'inbound-tunnel-port', short: 'e', value: true, help: `inbound port never captured (default ${CAPTURE_DEFAULTS.inboundTunnelPort}, Istio's HBONE port)` },
  { name: 'proxy-uid', short: 'u', value: true, help: `UID(s), comma-separated, whose traffic is not captured: the proxy's (default ${CAPTURE_DEFAULTS.proxyUid})` },
  { name: 'proxy-gid', short: 'g', value: true, help: 'GID(s), comma-separated, whose traffic is not captured (default: the UIDs)' },
  { name: 'istio-inbound-interception-mode', short: 'm', value: true, help: 'REDIRECT (the only mode weft implements; TPROXY is refused)' },
  { name: 'istio-inbound-ports', short: 'b', value: true, help: 'inbound ports to capture, comma-separated, or "*" for all (default: none)' },
  { name: 'istio-local-exclude-ports', short: 'd', value: true, help: 'with -b "*": inbound ports not captured, comma-separated' },
  { name: 'istio-service-cidr', short: 'i', value: true, help: 'outbound destinations to capture: CIDRs, comma-separated, or "*" for all (default: none)' },
  { name: 'istio-service-exclude-cidr', short: 'x', value: true, help: 'outbound destinations not captured: CIDRs, comma-separated' },
  { name: 'istio-include-outbound-ports', short: 'q', value: true, help: 'outbound destination ports captured whatever -i says (but not to -x CIDRs), comma-separated' },
  { name: 'istio-local-outbound-ports-exclude', short: 'o', value: true, help: 'outbound destination ports never captured, comma-separated' },
  { name: 'istio-exclude-interfaces', short: 'c', value: true, help: 'interfaces whose traffic is never captured, comma-separated' },
  { name: 'dry-run', short: 'n', value: false, help: 'print the iptables-restore input instead of applying it' },
  { name: 'cleanup', value: false, help: 'remove the rules and chains a capture wrote (Istio\'s istio-clean-iptables)' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
  { name: 'log_output_level', value: true, help: 'accepted for Istio\'s injection template (--log_output_level=default:info); weft iptables prints only the rules it applied and errors' },
  { name: 'run-validation', value: false, help: 'refused: the post-apply traffic probe is not implemented', unsupported: 'validating the rules with a probe connection is not implemented' },
  { name: 'redirect-dns', value: false, help: 'refused: DNS capture (to 15053) needs a DNS proxy, which weft does not have', unsupported: 'DNS capture (UDP/TCP 53 → 15053) needs a DNS proxy in the sidecar, which weft does not implement' },
  { name: 'capture-all-dns', value: false, help: 'refused (see --redirect-dns)', unsupported: 'DNS capture needs a DNS proxy in the sidecar, which weft does not implement' },
  { name: 'kube-virt-interfaces', short: 'k', value: true, help: 'refused: KubeVirt interfaces are not implemented', unsupported: 'KubeVirt interface capture is not implemented' },
  { name: 'istio-inbound-tproxy-mark', short: 't', value: true, help: 'refused: TPROXY mode is not implemented', unsupported: 'TPROXY interception is not implemented (use REDIRECT)' },
  { name: 'istio-inbound-tproxy-route-table', short: 'r', value: true, help: 'refused: TPROXY mode is not implemented', unsupported: 'TPROXY interception is not implemented (use REDIRECT)' },
  { name: 'dual-stack', value: false, help: 'refused: weft writes IPv4 rules only', unsupported: 'IPv6 (ip6tables) rules are not implemented; weft captures IPv4 only' },
];

function ports(raw: string, flag: string, errors: string[]): number[] {
  const out: number[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const n = /^\d{1,5}$/.test(part) ? Number(part) : NaN;
    if (!(n >= 1 && n <= 65535)) errors.push(`--${flag}: "${part}" is not a port (1-65535)`);
    else if (!out.includes(n)) out.push(n);
  }
  return out;
}

function cidrs(raw: string, flag: string, errors: string[]): string[] {
  const out: string[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [ip, len, extra] = part.split('/');
    const bits = len === undefined ? 32 : /^\d{1,2}$/.test(len) ? Number(len) : NaN;
    if (extra !== undefined || !isIPv4(ip ?? '') || !(bits >= 0 && bits <= 32)) errors.push(`--${flag}: "${part}" is not an IPv4 CIDR (IPv6 is not captured)`);
    else out.push(`${ip}/${bits}`);
  }
  return out;
}

function ids(raw: string, flag: string, errors: string[]): string[] {
  const out = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const id of out) if (!/^\d{1,10}$/.test(id)) errors.push(`--${flag}: "${id}" is not a numeric id`);
  if (out.length === 0) errors.push(`--${flag}: at least one id is required`);
  return out;
}

function port(raw: string | undefined, def: number, flag: string, errors: string[]): number {
  if (raw === undefined) return def;
  const p = ports(raw, flag, errors);
  if (p.length !== 1) {
    if (p.length > 1) errors.push(`--${flag}: one port, not a list`);
    return def;
  }
  return p[0]!;
}

/** Decodes flag values (name → value, `true` for switches). */
export function decodeCaptureFlags(get: (name: string) => string | true | undefined): { options?: CaptureOptions; errors: string[] } {
  const errors: string[] = [];
  for (const f of CAPTURE_FLAGS) if (f.unsupported && get(f.name) !== undefined) errors.push(`--${f.name}: ${f.unsupported}`);
  const str = (name: string): string | undefined => {
    const v = get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const mode = str('istio-inbound-interception-mode');
  if (mode !== undefined && mode !== 'REDIRECT') errors.push(`--istio-inbound-interception-mode: "${mode}" is not supported (weft implements REDIRECT${mode === 'TPROXY' ? '; TPROXY needs transparent sockets in the proxy' : ''})`);
  const uids = ids(str('proxy-uid') ?? CAPTURE_DEFAULTS.proxyUid, 'proxy-uid', errors);
  const gids = str('proxy-gid') !== undefined ? ids(str('proxy-gid')!, 'proxy-gid', errors) : uids;
  const inRaw = (str('istio-inbound-ports') ?? '').trim();
  const outRaw = (str('istio-service-cidr') ?? '').trim();
  const o: CaptureOptions = {
    envoyPort: port(str('envoy-port'), CAPTURE_DEFAULTS.envoyPort, 'envoy-port', errors),
    inboundCapturePort: port(str('inbound-capture-port'), CAPTURE_DEFAULTS.inboundCapturePort, 'inbound-capture-port', errors),
    inboundTunnelPort: port(str('inbound-tunnel-port'), CAPTURE_DEFAULTS.inboundTunnelPort, 'inbound-tunnel-port', errors),
    proxyUids: uids,
    proxyGids: gids,
    inboundPorts: inRaw === '*' ? '*' : ports(inRaw, 'istio-inbound-ports', errors),
    inboundExcludePorts: ports(str('istio-local-exclude-ports') ?? '', 'istio-local-exclude-ports', errors),
    outboundIncludeCidrs: outRaw === '*' ? '*' : cidrs(outRaw, 'istio-service-cidr', errors),
    outboundExcludeCidrs: cidrs(str('istio-service-exclude-cidr') ?? '', 'istio-service-exclude-cidr', errors),
    outboundIncludePorts: ports(str('istio-include-outbound-ports') ?? '', 'istio-include-outbound-ports', errors),
    outboundExcludePorts: ports(str('istio-local-outbound-ports-exclude') ?? '', 'istio-local-outbound-ports-exclude', errors),
    excludeInterfaces: (str('istio-exclude-interfaces') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
  };
  for (const i of o.excludeInterfaces) if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(i)) errors.push(`--istio-exclude-interfaces: "${i}" is not an interface name`);
  if (o.envoyPort === o.inboundCapturePort) errors.push(`--inbound-capture-port: must differ from --envoy-port (${o.envoyPort})`);
  return errors.length ? { errors } : { options: o, errors };
}
