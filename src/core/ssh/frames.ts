const NEWLINE = 0x0a;

/** One marker line of the remote script and the bytes that came before it since the last one. */
export interface Frame {
  /** `HELLO ...`, `BEGIN c`, `SEC T4`, `END 0`. */
  line: string;
  /** Output between the previous marker and this one (the marker's leading newline excluded). */
  body: Buffer;
}

/**
 * Splits the ssh session's stdout at marker lines. Bytes arrive in arbitrary chunks; the buffer
 * grows by doubling and is searched only from where the last search stopped, so a response of
 * megabytes is scanned once.
 */
export class FrameReader {
  private readonly marker: Buffer;
  private buf = Buffer.alloc(64 * 1024);
  private len = 0;
  private bodyStart = 0;
  private scanFrom = 0;

  constructor(
    token: string,
    private readonly onFrame: (frame: Frame) => void,
  ) {
    this.marker = Buffer.from(`\n@@TCPLENS ${token} `);
  }

  push(chunk: Buffer): void {
    this.append(chunk);
    for (;;) {
      const at = this.buf.subarray(0, this.len).indexOf(this.marker, this.scanFrom);
      if (at < 0) {
        this.scanFrom = Math.max(this.bodyStart, this.len - this.marker.length + 1);
        break;
      }
      const lineStart = at + this.marker.length;
      const nl = this.buf.subarray(0, this.len).indexOf(NEWLINE, lineStart);
      if (nl < 0) {
        this.scanFrom = at; // the marker line is not complete yet
        break;
      }
      const frame = { line: this.buf.toString('utf8', lineStart, nl), body: Buffer.from(this.buf.subarray(this.bodyStart, at)) };
      // The next body starts after the marker's own newline.
      this.bodyStart = nl + 1;
      this.scanFrom = nl;
      this.onFrame(frame);
    }
    this.compact();
  }

  private append(chunk: Buffer): void {
    if (this.len + chunk.length > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + chunk.length) size *= 2;
      const bigger = Buffer.alloc(size);
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    chunk.copy(this.buf, this.len);
    this.len += chunk.length;
  }

  /** Drops consumed bytes once they are most of the buffer, so copying stays linear. */
  private compact(): void {
    if (this.bodyStart === 0 || this.bodyStart < this.len / 2) return;
    this.buf.copy(this.buf, 0, this.bodyStart, this.len);
    this.len -= this.bodyStart;
    this.scanFrom = Math.max(0, this.scanFrom - this.bodyStart);
    this.bodyStart = 0;
  }
}
