/**
 * Bounded output handling in the spawner: whatever a task writes, we hold at most `cap` bytes
 * (plus one pipe chunk) per stream, so a task flooding gigabytes cannot grow the spawner.
 */

/**
 * Keeps the first `cap` bytes ('head', for stdout: results come first) or the last `cap` bytes
 * ('tail', for stderr: the error is usually at the end).
 */
export class OutputCapture {
  readonly #cap: number;
  readonly #keep: 'head' | 'tail';
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;

  constructor(cap: number, keep: 'head' | 'tail') {
    this.#cap = cap;
    this.#keep = keep;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#keep === 'head') {
      const room = this.#cap - this.#size;
      if (room <= 0) {
        this.#truncated = true;
        return;
      }
      // Copy the part we keep, so a large chunk's memory is not retained by a small slice.
      const kept = chunk.length <= room ? chunk : Buffer.from(chunk.subarray(0, room));
      if (kept !== chunk) this.#truncated = true;
      this.#chunks.push(kept);
      this.#size += kept.length;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    // Drop whole chunks that lie entirely before the last `cap` bytes.
    while (this.#chunks.length > 1 && this.#size - (this.#chunks[0]?.length ?? 0) >= this.#cap) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
      this.#truncated = true;
    }
  }

  text(): string {
    if (this.#chunks.length === 0) return '';
    let all = this.#chunks.length === 1 ? this.#chunks[0] ?? Buffer.alloc(0) : Buffer.concat(this.#chunks, this.#size);
    if (all.length > this.#cap) {
      this.#truncated = true;
      let start = all.length - this.#cap;
      // Do not start in the middle of a UTF-8 sequence (skip continuation bytes 10xxxxxx).
      while (start < all.length && ((all[start] ?? 0) & 0xc0) === 0x80) start++;
      all = all.subarray(start);
    }
    return all.toString('utf8');
  }
}

/** Splits a byte stream into lines ('\n' or '\r\n'); each line is cut at `maxLineBytes`. */
export class LineSplitter {
  readonly #max: number;
  #partial: Buffer[] = [];
  #partialSize = 0;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /** The lines completed by this chunk. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      this.#append(chunk.subarray(from, nl));
      lines.push(this.#take());
      from = nl + 1;
    }
    if (from < chunk.length) this.#append(chunk.subarray(from));
    return lines;
  }

  /** The last line if the stream did not end with a newline. */
  end(): string[] {
    return this.#partialSize > 0 ? [this.#take()] : [];
  }

  #append(part: Buffer): void {
    const room = this.#max - this.#partialSize;
    if (room <= 0 || part.length === 0) return;
    const kept = Buffer.from(part.subarray(0, room));
    this.#partial.push(kept);
    this.#partialSize += kept.length;
  }

  #take(): string {
    const line = Buffer.concat(this.#partial, this.#partialSize).toString('utf8');
    this.#partial = [];
    this.#partialSize = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }
}
