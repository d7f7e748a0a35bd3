/**
 * A free-list pool of large Float32Arrays. A training step allocates many large arrays; recycling them avoids
 * the page faults, kernel zeroing and GC pauses of ~1 GB of fresh memory per step (the reason tfjs and PyTorch's
 * caching allocator exist). Shapes change from batch to batch (length-bucketed batches), so the pool keeps
 * backing buffers in size classes (8 per power of two, at most 12.5% slack) and hands out an exact-length view
 * of a buffer of the class: an array of any nearby length reuses it. When no buffer of the class is idle, the
 * smallest idle one of up to MAX_SLACK times the class serves it (best fit, as PyTorch's caching allocator): with
 * TIGER's length-bucketed batches (5 to 81 encoder tokens) most requests of a new length otherwise met fresh
 * memory. Only views this pool handed out are ever recycled, so user-supplied arrays are never reused behind
 * their owner's back. Small arrays are left to the GC.
 */

/** Arrays shorter than this are plain allocations (not worth a free list). */
let minPooled = 1 << 14;

/** Idle backing buffers by class capacity (in elements). */
const free = new Map<number, ArrayBuffer[]>();
/** The capacities that have idle buffers, ascending. */
const freeClasses: number[] = [];
/** A request may take an idle buffer of up to this many times its own class. */
export const MAX_SLACK = 4;
/** Views handed out and not yet given back. */
const lent = new WeakSet<Float32Array>();
let pooledBytes = 0;
/** Bytes of the views handed out and not given back, and its high-water mark. */
let lentBytes = 0;
let peakLentBytes = 0;
let capBytes = 2 * 1024 ** 3;
/** A hard ceiling on idle bytes (SIDREC_POOL_IDLE_GB), over the peak rule below; undefined: none. */
let idleCeilingBytes: number | undefined;

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
  const reused = takeIdle(capacity);
  let view: Float32Array;
  if (reused) {
    view = new Float32Array(reused, 0, n);
    if (zero) view.fill(0);
  } else {
    view = new Float32Array(new ArrayBuffer(capacity * 4), 0, n); // fresh memory is zeroed
  }
  lent.add(view);
  lentBytes += view.buffer.byteLength;
  if (lentBytes > peakLentBytes) peakLentBytes = lentBytes;
  return view;
}

/**
 * Idle bytes allowed beyond the configured cap, as a multiple of the most ever lent at once. Steps of other shapes
 * need buffers of other size classes than the largest step's (TIGER's batches hold 5 to 81 encoder tokens): at 1x the
 * peak the pool dropped and re-allocated ~50-300 MB a step in steady state (page faults: 19% of a TIGER step's time
 * in the kernel); at 1.5x it re-allocates almost nothing after the first batches of each length, at the same peak RSS.
 */
const PEAK_HEADROOM = 1.5;

/**
 * Give an array back. Arrays the pool did not hand out (or already got back) are ignored; a buffer that would
 * take the idle bytes over the cap is left to the GC. The cap is the larger of the configured one and PEAK_HEADROOM
 * times the most ever lent at once: a training step's whole working set stays ready for the next step, and those of
 * steps of other shapes beside it.
 */
export function releaseF32(a: Float32Array | null | undefined): void {
  if (!a || !lent.delete(a)) return;
  const buffer = a.buffer as ArrayBuffer;
  lentBytes -= buffer.byteLength;
  if (pooledBytes + buffer.byteLength > idleLimitBytes()) return;
  const capacity = buffer.byteLength / 4;
  let list = free.get(capacity);
  if (!list) {
    list = [];
    free.set(capacity, list);
    freeClasses.splice(lowerBound(capacity), 0, capacity);
  }
  list.push(buffer);
  pooledBytes += buffer.byteLength;
}

/** The most idle bytes kept: the configured cap raised to PEAK_HEADROOM x the peak working set, unless a ceiling is set. */
function idleLimitBytes(): number {
  return idleCeilingBytes ?? Math.max(capBytes, PEAK_HEADROOM * peakLentBytes);
}

/** The smallest idle buffer of at least `capacity` and at most MAX_SLACK * capacity elements, taken out of the pool. */
function takeIdle(capacity: number): ArrayBuffer | undefined {
  const i = lowerBound(capacity);
  if (i === freeClasses.length || freeClasses[i] > capacity * MAX_SLACK) return undefined;
  return popIdle(i);
}

/** One idle buffer of the i-th idle class, taken out of the pool (the class dropped when it empties). */
function popIdle(i: number): ArrayBuffer {
  const cls = freeClasses[i];
  const list = free.get(cls) as ArrayBuffer[];
  const buffer = list.pop() as ArrayBuffer;
  if (list.length === 0) {
    free.delete(cls);
    freeClasses.splice(i, 1);
  }
  pooledBytes -= buffer.byteLength;
  return buffer;
}

/** Index of the first idle class >= capacity. */
function lowerBound(capacity: number): number {
  let lo = 0;
  let hi = freeClasses.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (freeClasses[mid] < capacity) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bytes currently idle in the pool. */
export function pooledBytesNow(): number {
  return pooledBytes;
}

export interface PoolOptions {
  /** Cap on idle pooled bytes (raised to the peak working set, see releaseF32); 0 disables pooling and empties the pool. @default 2 GiB */
  readonly capBytes?: number;
  /**
   * A hard ceiling on idle pooled bytes, instead of the cap raised to the peak working set; null removes it. Bounds
   * resident memory at about the peak working set plus this, for processes that share a machine's memory (the
   * price: steps of new shapes page in fresh memory more often). @default none
   */
  readonly idleCeilingBytes?: number | null;
  /** Shortest array worth pooling (tests set 1 to exercise the pool on tiny shapes). @default 16384 */
  readonly minLength?: number;
}

export function configurePool(opts: PoolOptions): void {
  if (opts.capBytes !== undefined) capBytes = opts.capBytes;
  if (opts.minLength !== undefined) minPooled = opts.minLength;
  if (opts.idleCeilingBytes !== undefined) {
    idleCeilingBytes = opts.idleCeilingBytes ?? undefined;
    if (idleCeilingBytes !== undefined) trimIdle(idleCeilingBytes);
  }
  if (capBytes === 0) clearPool();
}

/** Drops idle buffers, the largest first, until at most `limit` bytes are idle. */
function trimIdle(limit: number): void {
  while (pooledBytes > limit && freeClasses.length > 0) popIdle(freeClasses.length - 1);
}

export function clearPool(): void {
  free.clear();
  freeClasses.length = 0;
  peakLentBytes = lentBytes;
  pooledBytes = 0;
}
