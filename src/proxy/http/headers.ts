// Header storage shared by the HTTP/1.1 and HTTP/2 codecs, the router and the
// filters. Names are stored lower-cased; order and duplicates are kept, as
// Envoy's HeaderMap does. Pseudo-headers (:method, :path, …) never live here:
// a request carries them as fields of its own.

export class HeaderMap {
  /** Lower-cased names, parallel to `values`. Read-only for callers. */
  readonly names: string[];
  readonly values: string[];

  constructor(names: string[] = [], values: string[] = []) {
    this.names = names;
    this.values = values;
  }

  get size(): number {
    return this.names.length;
  }

  /** First value of `name` (lower-case), or undefined. */
  get(name: string): string | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  /**
   * All values of `name` joined with ",", as Envoy presents a repeated header
   * to matchers; undefined when absent.
   */
  getJoined(name: string): string | undefined {
    let out: string | undefined;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === name) out = out === undefined ? this.values[i] : `${out},${this.values[i]}`;
    }
    return out;
  }

  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) out.push(this.values[i]!);
    return out;
  }

  has(name: string): boolean {
    return this.names.indexOf(name) >= 0;
  }

  add(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
  }

  /** Replaces every value of `name` with one. */
  set(name: string, value: string): void {
    const i = this.names.indexOf(name);
    if (i < 0) {
      this.add(name, value);
      return;
    }
    this.values[i] = value;
    this.removeFrom(name, i + 1);
  }

  /** Removes every value of `name`; returns whether any was there. */
  remove(name: string): boolean {
    const i = this.names.indexOf(name);
    if (i < 0) return false;
    this.removeFrom(name, i);
    return true;
  }

  private removeFrom(name: string, start: number): void {
    let w = start;
    for (let r = start; r < this.names.length; r++) {
      if (this.names[r] !== name) {
        this.names[w] = this.names[r]!;
        this.values[w] = this.values[r]!;
        w++;
      }
    }
    this.names.length = w;
    this.values.length = w;
  }

  clone(): HeaderMap {
    return new HeaderMap(this.names.slice(), this.values.slice());
  }

  /** Object form for node:http2 (repeated names become arrays). */
  toObject(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (let i = 0; i < this.names.length; i++) {
      const n = this.names[i]!;
      const v = this.values[i]!;
      const cur = out[n];
      if (cur === undefined) out[n] = v;
      else if (Array.isArray(cur)) cur.push(v);
      else out[n] = [cur, v];
    }
    return out;
  }
}
