// Istio's MeshConfig from the `istio` ConfigMap (data.mesh), as istiod reads
// it: the same parsing and checks as `weft control --mesh-config` (a bad
// version is refused with every message and the last good one keeps serving;
// no ConfigMap, or a bad first one, means Istio's defaults). Implements the
// control plane's MeshConfigSourceLike.
import type { ValidationMessage } from '../control/validation/index.js';
import { parseMeshConfigText, type MeshConfigOverrides } from '../control/ingest/mesh-config-file.js';
import type { Informer } from './informer.js';

export class KubeMeshConfigSource {
  readonly name: string;
  private lastText: string | undefined;
  private onMesh: ((mesh: MeshConfigOverrides, messages: readonly ValidationMessage[]) => void) | undefined;
  private onRejected: ((messages: readonly ValidationMessage[]) => void) | undefined;
  private off: (() => void) | undefined;

  constructor(
    private readonly informer: Informer,
    private readonly namespace: string,
    private readonly configMap: string,
  ) {
    this.name = `ConfigMap ${namespace}/${configMap}`;
  }

  /** The ConfigMap's data.mesh now ('' when the ConfigMap or the key is missing). */
  private text(): string {
    const cm = this.informer.get(this.namespace, this.configMap);
    const mesh = (cm?.data as Record<string, unknown> | undefined)?.mesh;
    return typeof mesh === 'string' ? mesh : '';
  }

  private parse(text: string): { mesh?: MeshConfigOverrides; messages: readonly ValidationMessage[] } {
    if (text.trim() === '') return { mesh: {}, messages: [] }; // no ConfigMap (or no data.mesh): Istio's defaults
    const r = parseMeshConfigText(text, `kubernetes://${this.name.replace(/^ConfigMap /, 'ConfigMap/')}`);
    const messages = r.messages.map((m) => ({ ...m, path: m.path ? `data.mesh.${m.path}` : 'data.mesh' }));
    return r.mesh ? { mesh: r.mesh, messages } : { messages };
  }

  async start(
    onMesh: (mesh: MeshConfigOverrides, messages: readonly ValidationMessage[]) => void,
    onRejected: (messages: readonly ValidationMessage[]) => void,
  ): Promise<{ mesh?: MeshConfigOverrides; messages: readonly ValidationMessage[] }> {
    this.onMesh = onMesh;
    this.onRejected = onRejected;
    await this.informer.whenSynced();
    this.lastText = this.text();
    this.off = this.informer.onEvent(() => this.changed());
    return this.parse(this.lastText);
  }

  stop(): void {
    this.off?.();
    this.off = undefined;
  }

  private changed(): void {
    const text = this.text();
    if (text === this.lastText) return;
    this.lastText = text;
    const r = this.parse(text);
    if (r.mesh) this.onMesh?.(r.mesh, r.messages);
    else this.onRejected?.(r.messages);
  }
}
