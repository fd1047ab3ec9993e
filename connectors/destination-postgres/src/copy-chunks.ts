/** COPY text is sent in Buffers of about this many bytes. */
const COPY_CHUNK = 1 << 16;

/** Pieces up to this long are copied in JavaScript rather than by a native call. */
const SHORT = 64;

/**
 * COPY text written into Buffers of about COPY_CHUNK bytes: strings as UTF-8, byte ranges
 * copied as they are (the JSON text of plain values), so rows need no intermediate strings.
 */
export class CopyChunks {
  private chunk = Buffer.allocUnsafe(COPY_CHUNK);
  private at = 0;

  /** Makes room for at most `bytes` more; returns the chunk filled so far when it had to start another. */
  reserve(bytes: number): Buffer | undefined {
    if (this.at + bytes <= this.chunk.length) return undefined;
    const full = this.take();
    this.chunk = Buffer.allocUnsafe(Math.max(COPY_CHUNK, bytes));
    return full;
  }

  /** Where the next byte goes: `rewind` to it drops what was written since. */
  get position(): number {
    return this.at;
  }

  rewind(position: number): void {
    this.at = position;
  }

  // Short pieces are copied byte by byte: most fields are a few bytes, and a native call
  // for each cost more than the copy.
  text(text: string): void {
    const { chunk } = this;
    if (text.length <= SHORT) {
      let at = this.at;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0x7f) {
          this.at += chunk.write(text, this.at);
          return;
        }
        chunk[at++] = code;
      }
      this.at = at;
    } else this.at += chunk.write(text, this.at);
  }

  bytes(buffer: Buffer, start: number, end: number): void {
    if (end - start > SHORT) {
      this.at += buffer.copy(this.chunk, this.at, start, end);
      return;
    }
    const { chunk } = this;
    let at = this.at;
    for (let i = start; i < end; i++) chunk[at++] = buffer[i]!;
    this.at = at;
  }

  byte(byte: number): void {
    this.chunk[this.at++] = byte;
  }

  /** What was written since the last chunk was taken (undefined when nothing), for sending. */
  take(): Buffer | undefined {
    if (this.at === 0) return undefined;
    const filled = this.chunk.subarray(0, this.at);
    this.chunk = this.chunk.subarray(this.at);
    this.at = 0;
    return filled;
  }
}
