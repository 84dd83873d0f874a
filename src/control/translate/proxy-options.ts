// What a proxy asks for through its node metadata, read once per translation.
// Metadata arrives as a Struct, so numbers may be strings and maps may be JSON
// strings; both are accepted. Malformed values are reported, not guessed.
import { isIP } from 'node:net';
import type { ProxyInfo } from '../model/types.js';
import { METADATA_KEYS, TRANSLATE_DEFAULTS } from './defaults.js';
import { MESSAGE_CODES, MessageCollector } from './messages.js';

export interface ProxyOptions {
  /** Address per-port outbound listeners bind to. */
  readonly outboundBindAddress: string;
  /** Local mode: port of the outbound HTTP proxy listener, when set. */
  readonly outboundHttpProxyPort: number | undefined;
  /** Local mode: service port → inbound listen port, when set. */
  readonly inboundPorts: ReadonlyMap<number, number> | undefined;
  /** Local mode: service port → app port on 127.0.0.1. */
  readonly appPorts: ReadonlyMap<number, number>;
  /** Local mode: address the inbound listeners bind. */
  readonly inboundBindAddress: string;
  /** Path access logs are written to (Istio's accessLogFile), when set. */
  readonly accessLogFile: string | undefined;
  /** Text format of those access logs (Istio's accessLogFormat), when set. */
  readonly accessLogFormat: string | undefined;
  /** INTERCEPTION_MODE REDIRECT: iptables captures the pod's traffic (virtualOutbound, non-binding outbound listeners). */
  readonly capture: boolean;
}

/** Reads weft's node metadata keys (METADATA_KEYS) from a proxy. */
export function readProxyOptions(proxy: ProxyInfo, messages: MessageCollector): ProxyOptions {
  const md = proxy.metadata ?? {};
  const key = `Proxy ${proxy.id}`;
  const bind = md[METADATA_KEYS.outboundBindAddress];
  const inboundBind = md[METADATA_KEYS.inboundBindAddress];
  const accessLogFile = md[METADATA_KEYS.accessLogFile];
  const accessLogFormat = md[METADATA_KEYS.accessLogFormat];
  const portRaw = md[METADATA_KEYS.outboundHttpProxyPort];
  let outboundHttpProxyPort: number | undefined;
  if (portRaw !== undefined && portRaw !== '') {
    const p = toPort(portRaw);
    if (p === undefined) messages.warn(MESSAGE_CODES.BAD_METADATA, key, `metadata.${METADATA_KEYS.outboundHttpProxyPort}`, `not a port number: ${JSON.stringify(portRaw)}`);
    else outboundHttpProxyPort = p;
  }
  return {
    outboundBindAddress: typeof bind === 'string' && bind !== '' ? bind : TRANSLATE_DEFAULTS.outboundBindAddress,
    outboundHttpProxyPort,
    inboundPorts: readPortMap(md[METADATA_KEYS.inboundPorts], METADATA_KEYS.inboundPorts, key, messages),
    appPorts: readPortMap(md[METADATA_KEYS.appPorts], METADATA_KEYS.appPorts, key, messages) ?? new Map(),
    inboundBindAddress: readBindAddress(inboundBind, key, messages),
    accessLogFile: typeof accessLogFile === 'string' && accessLogFile !== '' ? accessLogFile : undefined,
    accessLogFormat: typeof accessLogFormat === 'string' && accessLogFormat !== '' ? accessLogFormat : undefined,
    capture: readCapture(md[METADATA_KEYS.interceptionMode], key, messages),
  };
}

/** INTERCEPTION_MODE: REDIRECT captures; NONE or unset does not; TPROXY is reported and treated as NONE. */
function readCapture(raw: unknown, key: string, messages: MessageCollector): boolean {
  if (raw === undefined || raw === '' || raw === 'NONE') return false;
  if (raw === 'REDIRECT') return true;
  messages.warn(MESSAGE_CODES.BAD_METADATA, key, `metadata.${METADATA_KEYS.interceptionMode}`,
    `${JSON.stringify(raw)} is not supported (weft captures with REDIRECT; TPROXY is not implemented); listeners bind their ports as with NONE`);
  return false;
}

/** WEFT_INBOUND_BIND_ADDRESS: an IP address; anything else is reported and the loopback default kept. */
function readBindAddress(raw: unknown, key: string, messages: MessageCollector): string {
  if (raw === undefined || raw === '') return TRANSLATE_DEFAULTS.localInboundBindAddress;
  if (typeof raw === 'string' && isIP(raw) !== 0) return raw;
  messages.warn(MESSAGE_CODES.BAD_METADATA, key, `metadata.${METADATA_KEYS.inboundBindAddress}`,
    `not an IP address: ${JSON.stringify(raw)}; inbound listeners bind ${TRANSLATE_DEFAULTS.localInboundBindAddress}`);
  return TRANSLATE_DEFAULTS.localInboundBindAddress;
}

function toPort(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function readPortMap(raw: unknown, name: string, key: string, messages: MessageCollector): Map<number, number> | undefined {
  if (raw === undefined || raw === '') return undefined;
  let obj: unknown = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch {
      messages.warn(MESSAGE_CODES.BAD_METADATA, key, `metadata.${name}`, 'not a JSON object of port → port');
      return undefined;
    }
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    messages.warn(MESSAGE_CODES.BAD_METADATA, key, `metadata.${name}`, 'not a JSON object of port → port');
    return undefined;
  }
  const out = new Map<number, number>();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const from = toPort(k);
    const to = toPort(v);
    if (from === undefined || to === undefined) {
      messages.warn(MESSAGE_CODES.BAD_METADATA, key, `metadata.${name}["${k}"]`, `not a port → port entry: ${JSON.stringify(v)}`);
      continue;
    }
    out.set(from, to);
  }
  return out;
}
