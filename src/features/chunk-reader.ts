/**
 * A forward-only byte window over a file, read synchronously in chunks, for scanning files far larger than what
 * should be held at once (a 307 MB word-vector JSON): memory stays at one chunk (grown only when a single token
 * is longer than it). Positions are indices into `buf`, valid until the next call that may read (`ensure`,
 * `find`); `pos` is where the caller's parse has got to.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export class ChunkReader {
  buf: Buffer;
  /** Next unread byte in `buf`. */
  pos = 0;
  /** End of the valid bytes in `buf`. */
  end = 0;
  private eof = false;
  private fd: number | undefined;
  /** File offset of buf[0], for error messages. */
  private base = 0;

  constructor(
    readonly file: string,
    chunkBytes = 1 << 22,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    this.fd = openSync(file, 'r');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** File offset of `buf[index]`. */
  offset(index = this.pos): number {
    return this.base + index;
  }

  /** Moves the unread bytes to the front and reads more (growing the window when it is full); false at EOF. */
  private refill(): boolean {
    if (this.eof || this.fd === undefined) return false;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.end += n;
    return true;
  }

  /** Makes at least `n` unread bytes available; false when the file ends first. */
  ensure(n: number): boolean {
    while (this.end - this.pos < n) if (!this.refill()) return false;
    return true;
  }

  /** Index in `buf` of the next `byte` at or after `pos + from`, reading on as needed; -1 when the file ends first. */
  find(byte: number, from = 0): number {
    let searched = from;
    for (;;) {
      const i = this.buf.indexOf(byte, this.pos + searched);
      if (i !== -1 && i < this.end) return i;
      searched = this.end - this.pos;
      if (!this.refill()) return -1;
    }
  }

  /** The next byte without consuming it; -1 at EOF. */
  peek(): number {
    return this.ensure(1) ? this.buf[this.pos] : -1;
  }

  /** Skips spaces, tabs, CR and LF. */
  skipWhitespace(): void {
    for (;;) {
      if (!this.ensure(1)) return;
      const b = this.buf[this.pos];
      if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return;
      this.pos++;
    }
  }
}
