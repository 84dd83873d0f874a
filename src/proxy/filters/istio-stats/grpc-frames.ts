// Counts gRPC messages in a body: each message is a 5-byte prefix (flag, and
// a big-endian 32-bit length) followed by that many bytes. Chunks may split a
// prefix or a message anywhere; the counter keeps its place across them.
export class GrpcFrameCounter {
  count = 0;
  /** Bytes of the current message still to skip. */
  private remaining = 0;
  /** Prefix bytes seen so far of the next message (0..4), and the length they hold. */
  private prefixSeen = 0;
  private length = 0;

  add(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.remaining > 0) {
        const step = Math.min(this.remaining, n - i);
        this.remaining -= step;
        i += step;
        continue;
      }
      // Reading a prefix: byte 0 is the flag, bytes 1..4 the length.
      if (this.prefixSeen > 0) this.length = this.length * 256 + chunk[i]!;
      this.prefixSeen++;
      i++;
      if (this.prefixSeen === 5) {
        this.count++;
        this.remaining = this.length;
        this.prefixSeen = 0;
        this.length = 0;
      }
    }
  }
}
