// The nat rules Istio's istio-iptables (istio-init) writes in a pod's network
// namespace, REDIRECT mode, IPv4: outbound TCP to the sidecar's 15001, inbound
// TCP to 15006, the proxy's own UID/GID excluded so its upstream connections
// leave the pod, loopback handled as Istio does. Pure: options in,
// iptables-restore input out; iptables-apply.ts runs it.
//
// Chains and their order follow istio-iptables (tools/istio-iptables), so
// `iptables -t nat -S` in a weft pod reads like one in an Istio pod:
//   ISTIO_INBOUND      PREROUTING's TCP: excluded ports RETURN, the rest → ISTIO_IN_REDIRECT
//   ISTIO_IN_REDIRECT  REDIRECT --to-ports <inbound capture port> (15006)
//   ISTIO_OUTPUT       OUTPUT's TCP: excluded ports, 127.0.0.6, the proxy's UID/GID,
//                      127.0.0.1, then excluded CIDRs RETURN; included ports, then CIDRs → ISTIO_REDIRECT
//   ISTIO_REDIRECT     REDIRECT --to-ports <envoy port> (15001)

/** The four chains weft owns in the nat table (cleanup removes exactly these). */
export const ISTIO_CHAINS = ['ISTIO_INBOUND', 'ISTIO_REDIRECT', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT'] as const;

/** istio-iptables' defaults (its flag defaults, not the injector's arguments). */
export const CAPTURE_DEFAULTS = {
  envoyPort: 15001,
  inboundCapturePort: 15006,
  /** Istio's HBONE tunnel port: never captured inbound. */
  inboundTunnelPort: 15008,
  proxyUid: '1337',
  /** Source address Istio's inbound passthrough uses on loopback; never captured. */
  inboundPassthroughSource: '127.0.0.6/32',
} as const;

export interface CaptureOptions {
  envoyPort: number;
  inboundCapturePort: number;
  inboundTunnelPort: number;
  /** UIDs whose traffic is never captured (comma list in the flag). */
  proxyUids: string[];
  /** GIDs whose traffic is never captured (defaults to the UIDs, as Istio). */
  proxyGids: string[];
  /** Inbound ports to capture: '*' (all), or a list; empty: no inbound capture. */
  inboundPorts: '*' | number[];
  /** With inboundPorts '*': ports left alone. */
  inboundExcludePorts: number[];
  /** Outbound destinations to capture: '*' (all) or CIDRs; empty: none (unless outboundIncludePorts). */
  outboundIncludeCidrs: '*' | string[];
  outboundExcludeCidrs: string[];
  /** Outbound destination ports captured whatever the included CIDRs say (excluded CIDRs still win). */
  outboundIncludePorts: number[];
  /** Outbound destination ports never captured. */
  outboundExcludePorts: number[];
  /** Interfaces whose traffic is never captured (in or out). */
  excludeInterfaces: string[];
}

/** The nat table rules, in iptables-restore format, without the table header or COMMIT. */
export function captureRules(o: CaptureOptions): { chains: string[]; rules: string[] } {
  const r: string[] = [];
  r.push(`-A ISTIO_INBOUND -p tcp -m tcp --dport ${o.inboundTunnelPort} -j RETURN`);
  r.push(`-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports ${o.envoyPort}`);
  r.push(`-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${o.inboundCapturePort}`);
  for (const i of o.excludeInterfaces) r.push(`-A PREROUTING -i ${i} -j RETURN`);
  const inbound = o.inboundPorts === '*' || o.inboundPorts.length > 0;
  if (inbound) {
    r.push('-A PREROUTING -p tcp -j ISTIO_INBOUND');
    if (o.inboundPorts === '*') {
      for (const p of o.inboundExcludePorts) r.push(`-A ISTIO_INBOUND -p tcp -m tcp --dport ${p} -j RETURN`);
      r.push('-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT');
    } else {
      for (const p of o.inboundPorts) r.push(`-A ISTIO_INBOUND -p tcp -m tcp --dport ${p} -j ISTIO_IN_REDIRECT`);
    }
  }
  for (const i of o.excludeInterfaces) r.push(`-A OUTPUT -o ${i} -j RETURN`);
  r.push('-A OUTPUT -p tcp -j ISTIO_OUTPUT');
  for (const p of o.outboundExcludePorts) r.push(`-A ISTIO_OUTPUT -p tcp -m tcp --dport ${p} -j RETURN`);
  r.push(`-A ISTIO_OUTPUT -s ${CAPTURE_DEFAULTS.inboundPassthroughSource} -o lo -j RETURN`);
  // The proxy talking to its own pod's address over loopback is inbound traffic (to the app through the sidecar),
  // except to the tunnel port, which is never captured. Others' loopback traffic is left alone, unless
  // loopback addresses are explicitly included (-i), as istio-iptables does.
  const loopbackIncluded = o.outboundIncludeCidrs !== '*' && o.outboundIncludeCidrs.some((c) => c.startsWith('127.'));
  for (const [kind, ids] of [['uid', o.proxyUids], ['gid', o.proxyGids]] as const) {
    for (const id of ids) {
      r.push(`-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -o lo -p tcp -m tcp ! --dport ${o.inboundTunnelPort} -m owner --${kind}-owner ${id} -j ISTIO_IN_REDIRECT`);
      if (!loopbackIncluded) r.push(`-A ISTIO_OUTPUT -o lo -m owner ! --${kind}-owner ${id} -j RETURN`);
      r.push(`-A ISTIO_OUTPUT -m owner --${kind}-owner ${id} -j RETURN`);
    }
  }
  r.push('-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN');
  // Exclusions before inclusions (istio-iptables): an excluded CIDR is not captured even on an included port.
  for (const c of o.outboundExcludeCidrs) r.push(`-A ISTIO_OUTPUT -d ${c} -j RETURN`);
  for (const p of o.outboundIncludePorts) r.push(`-A ISTIO_OUTPUT -p tcp -m tcp --dport ${p} -j ISTIO_REDIRECT`);
  if (o.outboundIncludeCidrs === '*') r.push('-A ISTIO_OUTPUT -j ISTIO_REDIRECT');
  else for (const c of o.outboundIncludeCidrs) r.push(`-A ISTIO_OUTPUT -d ${c} -j ISTIO_REDIRECT`);
  return { chains: [...ISTIO_CHAINS], rules: r };
}

/**
 * One iptables-restore transaction (for `iptables-restore --noflush`) that
 * removes `stale` (rules of built-in chains from an earlier run, as
 * `-A CHAIN ...` lines) and (re)creates the four chains with their rules.
 * Declaring a chain (`:NAME - [0:0]`) flushes it, so applying twice leaves
 * one copy: the operation is idempotent.
 */
export function restoreInput(o: CaptureOptions, stale: readonly string[]): string {
  const { chains, rules } = captureRules(o);
  return [
    '* nat',
    ...chains.map((c) => `:${c} - [0:0]`),
    ...stale.map((l) => l.replace(/^-A /, '-D ')),
    ...rules,
    'COMMIT',
    '',
  ].join('\n');
}

/** The transaction that undoes the capture: stale built-in rules deleted, the chains flushed then removed. */
export function cleanupInput(stale: readonly string[], present: readonly string[]): string {
  const ours = ISTIO_CHAINS.filter((c) => present.includes(c));
  if (ours.length === 0 && stale.length === 0) return '';
  return [
    '* nat',
    ...stale.map((l) => l.replace(/^-A /, '-D ')),
    ...ours.map((c) => `-F ${c}`),
    ...ours.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * From `iptables-save -t nat` output: the rules of built-in chains that an
 * earlier capture wrote (a jump to one of the four chains, or an
 * exclude-interface RETURN among `ownInterfaceRules`), and the chains present.
 */
export function parseSaved(saved: string, ownInterfaceRules: readonly string[] = []): { stale: string[]; chains: string[] } {
  const stale: string[] = [];
  const chains: string[] = [];
  let inNat = false;
  for (const raw of saved.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inNat = line === '*nat';
    if (!inNat) continue;
    if (line.startsWith(':')) chains.push(line.slice(1).split(/\s+/)[0]!);
    const m = /^-A (PREROUTING|OUTPUT) (.*)$/.exec(line);
    if (!m) continue;
    if (/ -j ISTIO_[A-Z_]+$/.test(line) || ownInterfaceRules.includes(line)) stale.push(line);
  }
  return { stale, chains };
}
