/**
 * A free-list pool of large Float32Arrays, keyed by exact length. A training step allocates the same shapes every
 * time; recycling them avoids the page faults and GC pauses of ~1 GB of fresh arrays per step (the reason tfjs
 * and PyTorch's caching allocator exist). Only arrays this pool allocated are ever recycled, so user-supplied
 * arrays are never reused behind their owner's back. Small arrays are left to the GC.
 */

/** Arrays shorter than this are plain allocations (not worth a free list). */
let minPooled = 1 << 14;

const free = new Map<number, Float32Array[]>();
const owned = new WeakSet<Float32Array>();
let pooledBytes = 0;
let capBytes = 2 * 1024 ** 3;

/** A Float32Array of length n; zero-filled unless `zero` is false (for outputs that are fully overwritten). */
export function allocF32(n: number, zero = true): Float32Array {
  if (n < minPooled || capBytes === 0) return new Float32Array(n);
  const list = free.get(n);
  const reused = list?.pop();
  if (reused) {
    pooledBytes -= reused.byteLength;
    if (zero) reused.fill(0);
    return reused;
  }
  const fresh = new Float32Array(n);
  owned.add(fresh);
  return fresh;
}

/** Give an array back. Arrays the pool did not allocate, or over the cap, are left to the GC. */
export function releaseF32(a: Float32Array | null | undefined): void {
  if (!a || !owned.has(a) || pooledBytes + a.byteLength > capBytes) return;
  let list = free.get(a.length);
  if (!list) {
    list = [];
    free.set(a.length, list);
  }
  if (list.includes(a)) return;
  list.push(a);
  pooledBytes += a.byteLength;
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
