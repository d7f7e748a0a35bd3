/**
 * The Tensor: a shape over contiguous row-major storage (float32, or int32 for indices), an optional gradient and
 * the graph node that produced it. Lifetime is explicit, as in tfjs: `dispose()` drops storage and graph, and
 * `tidy(fn)` disposes every tensor created inside `fn` except those it returns or `keep()`s (and the graph a
 * returned tensor still needs for backward), so a training step releases its intermediates and memory stays flat
 * across steps. Disposed storage and spent gradients go back to a buffer pool (`pool.ts`): do not hold on to a
 * tensor's `data` or `grad` array after disposing it or after `zeroGrad()`. `memoryStats()` counts what is alive.
 */
import { SidrecError } from '../core/errors.js';
import { allocF32, releaseF32 } from './pool.js';

export type DType = 'float32' | 'int32';
export type Shape = readonly number[];

/** How an op's result propagates its gradient `g` (same size as the result) back into its inputs' grads. */
export interface GradNode {
  readonly inputs: readonly Tensor[];
  readonly backward: (g: Float32Array) => void;
  /** Pool-allocated arrays the backward closure saved; released when the result is disposed. */
  readonly saved?: readonly Float32Array[];
}

const EMPTY_F32 = new Float32Array(0);

let liveTensors = 0;
let liveBytes = 0;
let nextId = 1;
const scopes: Tensor[][] = [];
let gradEnabled = true;

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  readonly dtype: DType;
  /** Accumulated gradient (same size as data), allocated by backward; kept for leaves, dropped for intermediates. */
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  /** The op that produced this tensor; null for leaves and once disposed. */
  node: GradNode | null = null;
  private storage: Float32Array | Int32Array;
  private readonly ownsStorage: boolean;
  private isDisposed = false;
  /** For a view: the tensor that owns the shared storage. */
  private readonly base: Tensor | null;
  /** Live views of this tensor's storage; the storage is recycled only once they are gone too. */
  private liveViews = 0;
  private orphaned: Float32Array | Int32Array | null = null;
  /** Set by `keep()`: no tidy scope disposes it. */
  kept = false;
  /** Graph tensors a tidy kept alive for this tensor's backward; disposed with it. */
  retained: Tensor[] | undefined;

  constructor(data: Float32Array | Int32Array, shape: Shape, opts: { requiresGrad?: boolean; viewOf?: Tensor } = {}) {
    const size = shapeSize(shape);
    if (data.length !== size) throw new SidrecError('E_SHAPE', `data length ${data.length} does not match shape [${shape.join(', ')}]`);
    this.shape = Object.freeze([...shape]);
    this.size = size;
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
    this.storage = data;
    this.requiresGrad = opts.requiresGrad ?? false;
    if (this.requiresGrad && this.dtype !== 'float32') throw new SidrecError('E_STATE', 'only float32 tensors can require grad');
    this.ownsStorage = !opts.viewOf;
    this.base = opts.viewOf ? (opts.viewOf.base ?? opts.viewOf) : null;
    if (this.base) this.base.liveViews++;
    liveTensors++;
    if (this.ownsStorage) liveBytes += data.byteLength;
    const scope = scopes[scopes.length - 1];
    if (scope) scope.push(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The raw storage (float32 or int32). */
  get data(): Float32Array | Int32Array {
    return this.storage;
  }

  /** Float32 storage; throws for an int32 tensor. */
  get f32(): Float32Array {
    if (this.isDisposed) throw new SidrecError('E_STATE', `tensor ${this.id} [${this.shape.join(', ')}] was disposed`);
    if (!(this.storage instanceof Float32Array)) throw new SidrecError('E_STATE', `tensor ${this.id} is int32, expected float32`);
    return this.storage;
  }

  /** Int32 storage; throws for a float32 tensor. */
  get i32(): Int32Array {
    if (this.isDisposed) throw new SidrecError('E_STATE', `tensor ${this.id} was disposed`);
    if (!(this.storage instanceof Int32Array)) throw new SidrecError('E_STATE', `tensor ${this.id} is float32, expected int32`);
    return this.storage;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Size of `axis` (negative counts from the end). */
  dim(axis: number): number {
    return this.shape[normAxis(axis, this.rank)];
  }

  /** The single value of a 1-element tensor. */
  item(): number {
    if (this.size !== 1) throw new SidrecError('E_SHAPE', `item() needs 1 element, got [${this.shape.join(', ')}]`);
    return this.storage[0];
  }

  toArray(): number[] {
    return Array.from(this.storage);
  }

  /** Release storage, gradient and graph. Idempotent. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    liveTensors--;
    if (this.ownsStorage) liveBytes -= this.storage.byteLength;
    if (this.base) {
      this.base.liveViews--;
      if (this.base.isDisposed && this.base.liveViews === 0) this.base.recycle();
    } else {
      this.orphaned = this.storage;
      if (this.liveViews === 0) this.recycle();
    }
    this.storage = EMPTY_F32;
    releaseF32(this.grad);
    this.grad = null;
    if (this.node?.saved) for (const a of this.node.saved) releaseF32(a);
    this.node = null;
    const retained = this.retained;
    this.retained = undefined;
    if (retained) for (const t of retained) t.dispose();
  }

  private recycle(): void {
    if (this.orphaned instanceof Float32Array) releaseF32(this.orphaned);
    this.orphaned = null;
  }

  /** Reverse-mode backward from this scalar (or with an explicit seed gradient). */
  backward(seed?: Float32Array): void {
    runBackward(this, seed);
  }
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new SidrecError('E_SHAPE', `bad dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new SidrecError('E_SHAPE', `axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// ---------------------------------------------------------------------------------------------------------------
// Scopes

/** Run `fn`, then dispose every tensor it created except the ones reachable from its result (Tensor, array, object). */
export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    for (const t of scope) if (!t.kept) t.dispose();
    throw error;
  } finally {
    scopes.pop();
  }
  const keepSet = new Set<Tensor>();
  collectTensors(result, keepSet, 0);
  // A returned tensor's graph stays alive so backward can still run on it: the graph's tensors move to the
  // parent scope and are disposed with the returned tensor (whichever comes first).
  const created = new Set(scope);
  for (const root of [...keepSet]) {
    const stack = [root];
    while (stack.length > 0) {
      const t = stack.pop()!;
      for (const input of t.node?.inputs ?? []) {
        // Tensors from outside this scope belong to their own scopes (or to the caller).
        if (keepSet.has(input) || !created.has(input)) continue;
        keepSet.add(input);
        stack.push(input);
        if (!input.kept) {
          root.retained ??= [];
          root.retained.push(input);
        }
      }
    }
  }
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) {
      if (parent && !t.kept) parent.push(t);
    } else if (!t.kept) t.dispose();
  }
  return result;
}

function collectTensors(value: unknown, into: Set<Tensor>, depth: number): void {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  if (value instanceof Tensor) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectTensors(v, into, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, into, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
}

/** Exempt `t` from every enclosing and future tidy scope (parameters, cached tensors). Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Dispose every tensor in a structure. */
export function disposeAll(...ts: (Tensor | null | undefined)[]): void {
  for (const t of ts) t?.dispose();
}

export interface MemoryStats {
  /** Tensors created and not yet disposed (views included). */
  readonly tensors: number;
  /** Bytes of storage owned by live tensors (views excluded; gradients excluded). */
  readonly bytes: number;
}

export function memoryStats(): MemoryStats {
  return { tensors: liveTensors, bytes: liveBytes };
}

// ---------------------------------------------------------------------------------------------------------------
// Gradient mode

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording a graph (evaluation, decoding). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Create an op result. When grad mode is on and some input requires grad, the result records `backward`, which
 * receives the result's gradient and must accumulate into `gradOf(input)` for each input that requires grad.
 */
export function makeResult(
  data: Float32Array | Int32Array,
  shape: Shape,
  inputs: readonly Tensor[],
  backward?: (g: Float32Array) => void,
  opts: { viewOf?: Tensor; saved?: readonly Float32Array[] } = {},
): Tensor {
  const needs = backward !== undefined && gradEnabled && inputs.some((t) => t.requiresGrad);
  const out = new Tensor(data, shape, { requiresGrad: needs, viewOf: opts.viewOf });
  if (needs) out.node = { inputs, backward: backward!, saved: opts.saved };
  else if (opts.saved) for (const a of opts.saved) releaseF32(a);
  return out;
}

/**
 * Add `g` into t's gradient. With `own`, a missing gradient simply takes `g` (no copy): allowed when the caller's
 * `g` is the result gradient handed to backward and no other input receives the same array.
 */
export function accumulateGrad(t: Tensor, g: Float32Array, own: boolean): void {
  if (!t.grad) {
    if (own) t.grad = g;
    else {
      t.grad = allocF32(g.length, false);
      t.grad.set(g);
    }
    return;
  }
  const gt = t.grad;
  for (let i = 0; i < gt.length; i++) gt[i] += g[i];
}

/** The gradient buffer of `t`, allocated zeroed on first use. */
export function gradOf(t: Tensor): Float32Array {
  if (!t.grad) t.grad = allocF32(t.size);
  return t.grad;
}

// ---------------------------------------------------------------------------------------------------------------
// Backward

function runBackward(root: Tensor, seed?: Float32Array): void {
  if (!root.requiresGrad) throw new SidrecError('E_STATE', 'backward() on a tensor that does not require grad');
  if (!seed && root.size !== 1) throw new SidrecError('E_SHAPE', `backward() without a seed needs a scalar, got [${root.shape.join(', ')}]`);
  // Iterative post-order DFS: topological order of the graph reachable from root.
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const g = gradOf(root);
  if (seed) for (let i = 0; i < g.length; i++) g[i] += seed[i];
  else g[0] += 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    if (!t.node) continue;
    const g = t.grad;
    if (g) {
      t.node.backward(g);
      // Intermediate gradients are not needed once propagated: recycle unless an input took the array over.
      if (!t.node.inputs.some((input) => input.grad === g)) releaseF32(g);
    }
    t.grad = null;
  }
}
