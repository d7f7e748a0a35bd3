/**
 * A free-list pool of large Float32Arrays. A training step allocates many large arrays; recycling them avoids
 * the page faults, kernel zeroing and GC pauses of ~1 GB of fresh memory per step (the reason tfjs and PyTorch's
 * caching allocator exist). Shapes change from batch to batch (length-bucketed batches), so the pool keeps
 * backing buffers in size classes (8 per power of two, at most 12.5% slack) and hands out an exact-length view
 * of a buffer of the class: an array of any nearby length reuses it. Only views this pool handed out are ever
 * recycled, so user-supplied arrays are never reused behind their owner's back. Small arrays are left to the GC.
 */

/** Arrays shorter than this are plain allocations (not worth a free list). */
let minPooled = 1 << 14;

/** Idle backing buffers by class capacity (in elements). */
const free = new Map<number, ArrayBuffer[]>();
/** Views handed out and not yet given back. */
const lent = new WeakSet<Float32Array>();
let pooledBytes = 0;
let capBytes = 2 * 1024 ** 3;

/** The size class of n elements: the smallest 2^e * (1 + j/8) >= n (j = 0..7). */
export function sizeClass(n: number): number {
  if (n <= 16) return n;
  const step = 2 ** (Math.floor(Math.log2(n)) - 3); // an eighth of the power of two below n
  return Math.ceil(n / step) * step;
}

/** A Float32Array of length n; zero-filled unless `zero` is false (for outputs that are fully overwritten). */
export function allocF32(n: number, zero = true): Float32Array {
  if (n < minPooled || capBytes === 0) return new Float32Array(n);
  const capacity = sizeClass(n);
  const reused = free.get(capacity)?.pop();
  let view: Float32Array;
  if (reused) {
    pooledBytes -= reused.byteLength;
    view = new Float32Array(reused, 0, n);
    if (zero) view.fill(0);
  } else {
    view = new Float32Array(new ArrayBuffer(capacity * 4), 0, n); // fresh memory is zeroed
  }
  lent.add(view);
  return view;
}

/** Give an array back. Arrays the pool did not hand out (or already got back), or over the cap, are left to the GC. */
export function releaseF32(a: Float32Array | null | undefined): void {
  if (!a || !lent.delete(a)) return;
  const buffer = a.buffer as ArrayBuffer;
  if (pooledBytes + buffer.byteLength > capBytes) return;
  const capacity = buffer.byteLength / 4;
  let list = free.get(capacity);
  if (!list) {
    list = [];
    free.set(capacity, list);
  }
  list.push(buffer);
  pooledBytes += buffer.byteLength;
}

/** Bytes currently idle in the pool. */
export function pooledBytesNow(): number {
  return pooledBytes;
}

export interface PoolOptions {
  /** Cap on idle pooled bytes; 0 disables pooling and empties the pool. @default 2 GiB */
  readonly capBytes?: number;
  /** Shortest array worth pooling (tests set 1 to exercise the pool on tiny shapes). @default 16384 */
  readonly minLength?: number;
}

export function configurePool(opts: PoolOptions): void {
  if (opts.capBytes !== undefined) capBytes = opts.capBytes;
  if (opts.minLength !== undefined) minPooled = opts.minLength;
  if (capBytes === 0) clearPool();
}

export function clearPool(): void {
  free.clear();
  pooledBytes = 0;
}
