// Writes validation and analysis results back to each Istio object's
// `status`, in the shape of Istio's IstioStatus (istio.io/api meta/v1alpha1):
//   status:
//     observedGeneration: <metadata.generation the messages are about>
//     validationMessages:
//     - type: { code: IST0101, name: WEFT0302 }
//       level: ERROR | WARNING | INFO
//       documentationUrl: https://istio.io/latest/docs/reference/config/analysis/ist0101/
//       message: "spec.http[0].route[0].destination.subset: ..."   (weft's addition: the text)
// Istio's AnalysisMessageBase has type, level and documentationUrl; the Istio
// CRDs keep unknown status fields (x-kubernetes-preserve-unknown-fields), so
// weft adds the message text, which `kubectl get -o yaml` then shows. A
// message without an Istio code carries weft's code in `type.code`.
//
// Only the leader writes (enable()/disable() from leader election). Writes
// are JSON merge patches of the status subresource, made only when the
// object's status differs from what it should be, one at a time; a failed
// write is retried on the next change or resync.
import type { Logger } from '../common/log.js';
import type { ConfigSnapshot } from '../control/ingest/config-snapshot.js';
import type { ValidationMessage } from '../control/validation/index.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import type { KubeConfigSource } from './kube-config-source.js';

export interface AnalysisMessage {
  type: { code: string; name: string };
  level: 'ERROR' | 'WARNING' | 'INFO';
  documentationUrl?: string;
  message: string;
}

export interface IstioStatus {
  observedGeneration?: number;
  validationMessages?: AnalysisMessage[];
}

const LEVEL = { error: 'ERROR', warning: 'WARNING', info: 'INFO' } as const;

/** Istio's analysis message for one weft message. */
export function toAnalysisMessage(m: ValidationMessage): AnalysisMessage {
  const code = m.istio ?? m.code;
  return {
    type: { code, name: m.code },
    level: LEVEL[m.severity],
    ...(m.istio ? { documentationUrl: `https://istio.io/latest/docs/reference/config/analysis/${m.istio.toLowerCase()}/` } : {}),
    message: m.path ? `${m.path}: ${m.message}` : m.message,
  };
}

/** Messages per object file (kubernetes://Kind/ns/name) from a snapshot and analysis results (keyed "Kind name.ns"). */
export function messagesByFile(snapshot: ConfigSnapshot, analysis: readonly ValidationMessage[] = []): Map<string, ValidationMessage[]> {
  const out = new Map<string, ValidationMessage[]>();
  const add = (file: string | undefined, m: ValidationMessage): void => {
    if (!file) return;
    const list = out.get(file);
    if (list) list.push(m);
    else out.set(file, [m]);
  };
  const fileOfKey = new Map<string, string>();
  for (const a of snapshot.accepted) if (a.file) fileOfKey.set(a.key, a.file);
  for (const r of snapshot.rejected) for (const m of r.messages) add(r.file, m);
  for (const m of snapshot.messages) add(m.file ?? fileOfKey.get(m.key), m);
  for (const m of analysis) add(fileOfKey.get(m.key), m);
  return out;
}

export interface StatusWriterStats {
  writes: number;
  failures: number;
}

export class StatusWriter {
  private enabled = false;
  private pending = new Map<string, { obj: KubeObject; status: IstioStatus | null }>();
  private running = false;
  readonly stats: StatusWriterStats = { writes: 0, failures: 0 };
  private lastDesired = new Map<string, ValidationMessage[]>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly source: KubeConfigSource,
    private readonly log?: Logger,
  ) {}

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Starts writing (this replica leads) and reconciles every object now. */
  enable(): void {
    this.enabled = true;
    this.reconcile();
  }

  disable(): void {
    this.enabled = false;
    this.pending.clear();
  }

  /** Takes the messages that should be on each object (call after each snapshot and analysis). */
  update(desired: Map<string, ValidationMessage[]>): void {
    this.lastDesired = desired;
    this.reconcile();
  }

  /** Resolves when no write is queued or in flight. */
  idle(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private reconcile(): void {
    if (!this.enabled) return;
    const snap = this.source.snapshot;
    if (!snap) return;
    const files = new Set<string>([...snap.accepted.map((a) => a.file ?? ''), ...snap.rejected.map((r) => r.file)]);
    for (const file of files) {
      const ref = this.source.objectOf(file);
      if (!ref) continue;
      const msgs = this.lastDesired.get(file) ?? [];
      const want: IstioStatus = { observedGeneration: ref.obj.metadata.generation ?? 1, validationMessages: msgs.map(toAnalysisMessage) };
      const have = (ref.obj.status ?? {}) as IstioStatus;
      const haveMsgs = have.validationMessages ?? [];
      if (msgs.length === 0 && haveMsgs.length === 0) continue; // nothing to say and nothing said: leave status alone
      if (JSON.stringify(haveMsgs) === JSON.stringify(want.validationMessages) && Number(have.observedGeneration) === want.observedGeneration) continue;
      this.pending.set(file, { obj: ref.obj, status: msgs.length === 0 ? { observedGeneration: want.observedGeneration } : want });
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.enabled && this.pending.size > 0) {
        const [file, job] = this.pending.entries().next().value as [string, { obj: KubeObject; status: IstioStatus }];
        this.pending.delete(file);
        const ref = this.source.objectOf(file);
        if (!ref) continue;
        const patch = { status: { observedGeneration: job.status.observedGeneration, validationMessages: job.status.validationMessages ?? null } };
        try {
          await this.client.patchStatus(ref.informer.resource, job.obj.metadata.namespace, job.obj.metadata.name, patch);
          this.stats.writes++;
        } catch (e) {
          this.stats.failures++;
          this.log?.warn(`status of ${file}: write failed: ${(e as Error).message}`);
        }
      }
    } finally {
      this.running = false;
      if (this.pending.size === 0 || !this.enabled) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
