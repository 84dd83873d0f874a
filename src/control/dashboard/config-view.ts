// GET /api/dashboard/config: what `weft analyze`, `weft status` and Kiali's
// validations show, as one document: every config object (accepted or
// rejected) with its validation and analysis messages and the file and line
// they came from, each proxy's sync state per xDS type (sent, ACKed, NACKed
// with the proxy's message), and translation notes.
import type { ConfigSnapshot } from '../ingest/config-snapshot.js';
import type { TypeStatus } from '../server/push-status.js';
import type { TranslationMessage } from '../translate/messages.js';
import type { ValidationMessage } from '../validation/message.js';

export interface ConfigMessage {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  path?: string;
  /** Where the message points (additions to the contract: the file and line of this message when known). */
  file?: string;
  line?: number;
  /** Istio's analyzer code for the same finding (IST0101), when there is one. */
  istio?: string;
}

export interface ConfigObjectView {
  kind: string;
  name: string;
  namespace: string;
  file?: string;
  line?: number;
  status: 'accepted' | 'rejected' | 'warning';
  messages: ConfigMessage[];
}

export interface ProxyView {
  id: string;
  cluster?: string;
  connected: boolean;
  types: { typeUrl: string; sentVersion?: string; ackedVersion?: string; nack?: { version?: string; message: string } }[];
}

export interface ConfigView {
  objects: ConfigObjectView[];
  proxies: ProxyView[];
  notes: { code: string; message: string; object?: string; file?: string; line?: number }[];
}

/** What the control plane hands over (a narrow view of its state). */
export interface ConfigViewInput {
  readonly snapshot: ConfigSnapshot | undefined;
  readonly analysis: readonly ValidationMessage[];
  readonly proxies: readonly { id: string; cluster?: string; connected: boolean; types: readonly TypeStatus[]; messages: readonly TranslationMessage[] }[];
  /** Messages about the mesh config file (MeshConfig), when one is used. */
  readonly meshConfig?: readonly ValidationMessage[];
  /** What is wrong with the credentials (secrets) folder. */
  readonly credentialIssues?: readonly { name: string; path: string; code: string; reason: string; keptLastGood: boolean }[];
}

/** "Kind name.namespace" → its parts (namespaces have no dots; names may). */
export function splitKey(key: string): { kind: string; name: string; namespace: string } {
  const sp = key.indexOf(' ');
  const kind = sp > 0 ? key.slice(0, sp) : key;
  const rest = sp > 0 ? key.slice(sp + 1) : '';
  const dot = rest.lastIndexOf('.');
  return dot > 0 ? { kind, name: rest.slice(0, dot), namespace: rest.slice(dot + 1) } : { kind, name: rest, namespace: '' };
}

function toMessage(m: ValidationMessage): ConfigMessage {
  return {
    code: m.code, severity: m.severity === 'error' ? 'error' : m.severity === 'warning' ? 'warning' : 'info', message: m.message,
    ...(m.path ? { path: m.path } : {}), ...(m.file ? { file: m.file } : {}), ...(m.line ? { line: m.line } : {}), ...(m.istio ? { istio: m.istio } : {}),
  };
}

export function buildConfigView(input: ConfigViewInput): ConfigView {
  const s = input.snapshot;
  const objects: ConfigObjectView[] = [];
  const byKey = new Map<string, ConfigObjectView>();
  for (const a of s?.accepted ?? []) {
    const { kind, name, namespace } = splitKey(a.key);
    const o: ConfigObjectView = { kind, name, namespace, ...(a.file ? { file: a.file } : {}), ...(a.line ? { line: a.line } : {}), status: 'accepted', messages: [] };
    objects.push(o);
    byKey.set(a.key, o);
  }
  for (const m of [...(s?.messages ?? []), ...input.analysis]) {
    const o = byKey.get(m.key);
    if (!o) continue;
    o.messages.push(toMessage(m));
    if (m.severity !== 'info') o.status = 'warning';
    if (o.line === undefined && m.line !== undefined && m.file === o.file) o.line = m.line;
  }
  for (const r of s?.rejected ?? []) {
    const parts = r.key ? splitKey(r.key) : { kind: '', name: '', namespace: '' };
    const o: ConfigObjectView = { ...parts, file: r.file, line: r.line, status: 'rejected', messages: r.messages.map(toMessage) };
    // A rejected new version of an accepted object: both show (the accepted one keeps serving).
    objects.push(o);
  }
  // Messages about objects that are neither accepted nor rejected (e.g. a skipped Kubernetes Service) become notes.
  const notes: ConfigView['notes'] = [];
  const seen = new Set<string>();
  for (const m of s?.messages ?? []) {
    if (byKey.has(m.key)) continue;
    const k = `${m.code}|${m.key}|${m.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    notes.push({ code: m.code, message: m.message, ...(m.key ? { object: m.key } : {}), ...(m.file ? { file: m.file } : {}), ...(m.line ? { line: m.line } : {}) });
  }
  for (const p of input.proxies) {
    for (const m of p.messages) {
      const k = `${m.code}|${m.key}|${m.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const o = byKey.get(m.key);
      notes.push({ code: m.code, message: m.path ? `${m.path}: ${m.message}` : m.message, ...(m.key ? { object: m.key } : {}), ...(o?.file ? { file: o.file } : {}), ...(o?.line ? { line: o.line } : {}) });
    }
  }
  for (const m of input.meshConfig ?? []) {
    notes.push({ code: m.code, message: m.path ? `${m.path}: ${m.message}` : m.message, object: 'MeshConfig', ...(m.file ? { file: m.file } : {}), ...(m.line ? { line: m.line } : {}) });
  }
  for (const i of input.credentialIssues ?? []) {
    notes.push({ code: i.code, message: `${i.reason}${i.keptLastGood ? '; the last good version keeps being served' : ''}`, object: `Secret ${i.name}`, file: i.path });
  }
  const proxies: ProxyView[] = input.proxies.map((p) => ({
    id: p.id,
    ...(p.cluster ? { cluster: p.cluster } : {}),
    connected: p.connected,
    types: p.types.map((t) => ({
      typeUrl: t.typeUrl,
      ...(t.sentVersion !== undefined ? { sentVersion: t.sentVersion } : {}),
      ...(t.ackedVersion !== undefined ? { ackedVersion: t.ackedVersion } : {}),
      ...(t.lastNack ? { nack: { ...(t.lastNack.version !== undefined ? { version: t.lastNack.version } : {}), message: t.lastNack.message } } : {}),
    })),
  }));
  return { objects, proxies, notes };
}
