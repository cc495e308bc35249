/**
 * Buffers for the files of one archive, used again once the socket has taken their bytes.
 *
 * Why: an export reads every file into a buffer of its own. 105 MB of such buffers per export made V8 run about
 * four full (mark-compact) collections per export for "external memory pressure", about a third of the export's
 * CPU (measured with `--trace-gc` and `perf`). A buffer handed back (`release`) after the response's write callback
 * (the kernel has copied its bytes) serves a later file of the same archive instead, so an archive allocates a
 * handful of buffers rather than one per file.
 *
 * A buffer is given back only by whoever holds the bytes last; one never given back (a plain stream consumer, a
 * client gone mid-write) is left to the garbage collector. Buffers are never shared between archives.
 */

/** A buffer of at least the asked length, and how to give it back (call at most once, when nothing reads it). */
export interface ReadBuffer {
  bytes: Buffer;
  release(): void;
}

/** Capacity is rounded up to this, so that files of nearly equal size share buffers. */
const ROUND_BYTES = 64 * 1024;

export class ReadBuffers {
  private free: Buffer[] = [];
  private freeBytes = 0;

  /** @param keepBytes at most this much free capacity is kept for later files (the rest goes to the collector). */
  constructor(private readonly keepBytes = 32 * 1024 * 1024) {}

  /** `length` bytes (uninitialized) in a buffer that was given back, or in a new one. */
  take(length: number): ReadBuffer {
    let index = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.length >= length && (index < 0 || b.length < this.free[index]!.length)) index = i;
    }
    let whole: Buffer;
    if (index >= 0) {
      whole = this.free.splice(index, 1)[0]!;
      this.freeBytes -= whole.length;
    } else {
      whole = Buffer.allocUnsafeSlow(Math.ceil(Math.max(length, 1) / ROUND_BYTES) * ROUND_BYTES);
    }
    let released = false;
    return {
      bytes: whole.subarray(0, length),
      release: () => {
        if (released) return;
        released = true;
        if (this.freeBytes + whole.length > this.keepBytes) return;
        this.free.push(whole);
        this.freeBytes += whole.length;
      },
    };
  }

  /** Free capacity kept now (for tests). */
  get keptBytes(): number {
    return this.freeBytes;
  }
}
