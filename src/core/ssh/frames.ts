const NEWLINE = 0x0a;

/** One marker line of the remote script and the bytes that came before it since the last one. */
export interface Frame {
  /** `HELLO ...`, `BEGIN c`, `SEC T4`, `END 0`. */
  line: string;
  /** Output between the previous marker and this one (the marker's leading newline excluded). */
  body: Buffer;
}

/**
 * Far above any real answer (100,000 sockets' tables are about 18 MB), far below what would
 * hurt the client: a host that streams without end is cut off here.
 */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
/** A marker line is a word and a few short arguments (HELLO carries the host name). */
export const MAX_MARKER_LINE = 4096;

/** The remote side broke the framing: the session cannot go on. */
export class FrameError extends Error {
  constructor(
    readonly reason: 'too-large' | 'bad-marker',
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

export interface FrameLimits {
  /** Bytes one answer may take, from the end of the last one (see `endAnswer`). */
  maxAnswerBytes?: number;
  maxMarkerLine?: number;
}

/** Pieces at least this large are kept as they came; smaller ones are packed into blocks. */
const KEEP_PIECE = 16 * 1024;
const BLOCK = 64 * 1024;

/**
 * The bytes of one body as they arrive, without ever copying them into an ever larger buffer
 * (doubling a buffer leaves the old ones for the GC: a flood up to the cap would cost twice
 * the cap). Small pieces, such as a trickle of one-byte reads, are packed into 64 KB blocks so
 * that the bookkeeping per byte stays small.
 */
class Body {
  private pieces: Buffer[] = [];
  private block: Buffer | undefined;
  private blockLen = 0;
  length = 0;

  push(piece: Buffer): void {
    if (piece.length === 0) return;
    this.length += piece.length;
    if (piece.length >= KEEP_PIECE) {
      this.seal();
      this.pieces.push(piece);
      return;
    }
    if (this.block && this.blockLen + piece.length > this.block.length) this.seal();
    this.block ??= Buffer.allocUnsafe(BLOCK);
    piece.copy(this.block, this.blockLen);
    this.blockLen += piece.length;
  }

  /** The whole body, and an empty one to go on with. */
  take(): Buffer {
    this.seal();
    const out = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.length);
    this.pieces = [];
    this.length = 0;
    return out;
  }

  private seal(): void {
    // A mostly empty block is copied out, so that it does not hold 64 KB for a few bytes.
    if (this.block && this.blockLen > 0) {
      const used = this.block.subarray(0, this.blockLen);
      this.pieces.push(this.blockLen >= BLOCK / 2 ? used : Buffer.from(used));
    }
    this.block = undefined;
    this.blockLen = 0;
  }
}

/**
 * Splits the ssh session's stdout at marker lines. Bytes arrive in arbitrary chunks; each byte
 * is searched once: for the marker in the chunk (with the few bytes before it that could start
 * one), for the end of a marker line from where the last chunk ended. One answer is bounded
 * (`maxAnswerBytes`, counted since the last `endAnswer`), and so is a marker line: past either
 * `push` throws a FrameError and the reader takes nothing more.
 */
export class FrameReader {
  private readonly marker: Buffer;
  private readonly maxAnswer: number;
  private readonly maxLine: number;
  private body = new Body();
  /** The last bytes seen, fewer than a marker: the start of a marker, or body after all. */
  private carry: Buffer = Buffer.alloc(0);
  /** Inside a marker line: its bytes so far (bounded by maxLine). */
  private line: Buffer[] | undefined;
  private lineLen = 0;
  /** Bytes of the current answer so far. */
  private answerBytes = 0;
  private broken: FrameError | undefined;

  constructor(
    token: string,
    private readonly onFrame: (frame: Frame) => void,
    limits: FrameLimits = {},
  ) {
    this.marker = Buffer.from(`\n@@TCPLENS ${token} `);
    this.maxAnswer = limits.maxAnswerBytes ?? MAX_ANSWER_BYTES;
    this.maxLine = limits.maxMarkerLine ?? MAX_MARKER_LINE;
  }

  /**
   * Called from `onFrame` at the frame that ends an answer: the next answer's budget starts
   * after that frame's marker line.
   */
  endAnswer(): void {
    this.answerBytes = 0;
  }

  push(chunk: Buffer): void {
    if (this.broken) throw this.broken;
    try {
      this.take(chunk);
    } catch (err) {
      if (err instanceof FrameError) {
        this.broken = err;
        this.body = new Body();
        this.line = undefined;
        this.carry = Buffer.alloc(0);
      }
      throw err;
    }
  }

  private take(chunk: Buffer): void {
    const window = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    let pos = 0;
    while (pos < window.length) {
      if (this.line) {
        const nl = window.indexOf(NEWLINE, pos);
        const end = nl < 0 ? window.length : nl;
        this.lineLen += end - pos;
        this.answerBytes += end - pos;
        if (this.lineLen > this.maxLine) throw new FrameError('bad-marker', `a marker line longer than ${this.maxLine} bytes`);
        this.line.push(window.subarray(pos, end));
        if (nl < 0) break; // the marker line is not complete yet
        const line = Buffer.concat(this.line, this.lineLen).toString('utf8');
        this.line = undefined;
        pos = nl + 1;
        this.answerBytes++;
        this.onFrame({ line, body: this.body.take() });
        continue;
      }
      const at = window.indexOf(this.marker, pos);
      if (at < 0) {
        // The last bytes may be the start of a marker that the next chunk completes.
        const keep = Math.max(pos, window.length - this.marker.length + 1);
        this.toBody(window.subarray(pos, keep));
        this.carry = Buffer.from(window.subarray(keep));
        break;
      }
      this.toBody(window.subarray(pos, at));
      this.answerBytes += this.marker.length;
      this.line = [];
      this.lineLen = 0;
      pos = at + this.marker.length;
    }
    if (this.answerBytes > this.maxAnswer) {
      throw new FrameError('too-large', `an answer larger than ${Math.round(this.maxAnswer / (1024 * 1024))} MB`);
    }
  }

  private toBody(bytes: Buffer): void {
    this.answerBytes += bytes.length;
    this.body.push(bytes);
  }
}
