/**
 * Synchronous access to onnxruntime-node. The public `InferenceSession.create/run` return Promises, but the
 * N-API binding underneath (`onnxruntime-node/dist/binding.js`) loads models and runs them synchronously;
 * `backend.js` only wraps those calls in `setImmediate` + Promise. The kernel seam is synchronous, so this file
 * calls the binding directly. That is an internal API: `loadOrtRuntime` checks its shape and runs a probe graph,
 * and fails with a message naming what changed, so the registry falls back instead of misbehaving.
 *
 * Outputs are pre-bound: a `fetches` entry holding a Tensor over our own Float32Array makes ORT write into it.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { DenormalMode } from './denormals.js';
import { encodeModel, ONNX_FLOAT, type OnnxGraph } from './onnx-proto.js';

type TensorData = Float32Array | Int32Array | BigInt64Array;
type TensorCtor = new (type: 'float32' | 'int32' | 'int64', data: TensorData, dims: readonly number[]) => OrtTensor;
type Feeds = Record<string, OrtTensor>;

interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Feeds, fetches: Record<string, OrtTensor | null>, options: object): Record<string, OrtTensor>;
  dispose(): void;
}

interface BindingModule {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}

/** One compiled graph; `run` blocks until ORT has written every pre-bound output. */
export interface OrtSession {
  run(feeds: Feeds, fetches: Record<string, OrtTensor>): void;
  /** Frees the native session (and its intra-op thread pool). */
  dispose(): void;
}

export interface OrtRuntime {
  readonly Tensor: TensorCtor;
  readonly threads: number;
  createSession(graph: OnnxGraph): OrtSession;
  /** A session over an encoded ModelProto (e.g. a model export). */
  createSessionFromBytes(model: Uint8Array): OrtSession;
}

function sessionOptions(threads: number, denormals: DenormalMode): object {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    // Kernel graphs see every shape of a run; an arena would keep the largest intermediate of each forever.
    enableCpuMemArena: false,
    logSeverityLevel: 3,
    // ORT's intra-op workers spin between runs by default. Kernel runs here are many and small, with JS in
    // between, so on 2 shared cores the spinning worker took the core the main thread needed: TIGER's test model
    // (dim 32, batch 64) measured 570-800 -> 40-100 ms per training step with a load average of ~20, and a
    // 4096x448x1024 sgemm was unchanged (21-27 GFLOP/s either way on that machine).
    // With '1' a session turns flushing on for the thread creating it and for its workers (denormals.ts). Loading
    // onnxruntime cleared a flushing state set on the main thread before it (measured), so the sessions set it.
    extra: { session: { intra_op: { allow_spinning: '0' }, set_denormal_as_zero: denormals === 'flush' ? '1' : '0' } },
  };
}

function checkBinding(mod: unknown): BindingModule {
  const m = mod as Partial<BindingModule> | undefined;
  const Session = m?.binding?.InferenceSession;
  if (typeof m?.initOrt !== 'function' || typeof Session !== 'function') {
    throw new Error('onnxruntime-node internals changed: dist/binding.js no longer exports binding.InferenceSession and initOrt');
  }
  for (const method of ['loadModel', 'run', 'dispose'] as const) {
    if (typeof (Session.prototype as Record<string, unknown>)[method] !== 'function') {
      throw new Error(`onnxruntime-node internals changed: native InferenceSession has no ${method}()`);
    }
  }
  return m as BindingModule;
}

/**
 * Loads onnxruntime-node synchronously and proves that a run completes synchronously into a bound output. The probe
 * session leaves the calling thread's subnormal handling at `denormals` (denormals.ts).
 */
export function loadOrtRuntime(denormals: DenormalMode, threadCount?: number): OrtRuntime {
  const require = createRequire(import.meta.url);
  const Tensor = (require('onnxruntime-node') as { Tensor: TensorCtor }).Tensor;
  const { binding, initOrt } = checkBinding(require('onnxruntime-node/dist/binding.js'));
  initOrt();
  const threads = threadCount ?? Math.max(1, availableParallelism());
  const options = sessionOptions(threads, denormals);
  const runtime: OrtRuntime = {
    Tensor,
    threads,
    createSession(graph) {
      return runtime.createSessionFromBytes(encodeModel(graph));
    },
    createSessionFromBytes(model) {
      const native = new binding.InferenceSession();
      native.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, options);
      return {
        run(feeds, fetches) {
          const result: unknown = native.run(feeds, fetches, {});
          if (typeof (result as { then?: unknown } | null)?.then === 'function') {
            throw new Error('onnxruntime-node internals changed: native run() returned a Promise');
          }
        },
        dispose() {
          native.dispose();
        },
      };
    },
  };
  probe(runtime);
  return runtime;
}

function probe(runtime: OrtRuntime): void {
  const session = runtime.createSession({
    name: 'probe',
    inputs: [{ name: 'x', elemType: ONNX_FLOAT, dims: ['n'] }],
    outputs: [{ name: 'y', elemType: ONNX_FLOAT, dims: ['n'] }],
    nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['y'] }],
  });
  const y = new Float32Array(3);
  try {
    session.run({ x: new runtime.Tensor('float32', Float32Array.of(1, 2, 3), [3]) }, { y: new runtime.Tensor('float32', y, [3]) });
  } finally {
    session.dispose(); // its threads would otherwise idle beside OpenBLAS's for the life of the process
  }
  if (y[0] !== -1 || y[2] !== -3) {
    throw new Error('onnxruntime-node internals changed: a synchronous run did not write its pre-bound output');
  }
}

/**
 * onnxruntime-node's public, asynchronous API (`InferenceSession.create` / `run`): the shape onnxruntime-web has,
 * for code written for the browser and checked here (a TIGER export's beam search, decode/sid-runtime.ts).
 */
export async function loadOrtPublicApi(): Promise<unknown> {
  return import('onnxruntime-node');
}
