/**
 * Zero-copy hand-over of result bytes between threads: the ArrayBuffer of a Uint8Array can be transferred only
 * when the array owns all of it (Node's small Buffers share one pooled slab, whose transfer would detach the
 * others). Arrays that share their buffer are left to structured clone (copied).
 */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (v: unknown): void => {
    if (
      v instanceof Uint8Array &&
      v.buffer instanceof ArrayBuffer &&
      v.byteOffset === 0 &&
      v.byteLength === v.buffer.byteLength &&
      v.byteLength > 0 &&
      !out.includes(v.buffer)
    )
      out.push(v.buffer);
  };
  add(value);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value))
    for (const v of Object.values(value)) add(v);
  return out;
}
