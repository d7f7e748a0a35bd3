/**
 * How the engine's compute threads treat subnormal floats (|x| < 1.2e-38): flushed to zero (the default) or kept.
 *
 * Backward passes make them: at RPG's paper size about a tenth of the gradient entries entering the transformer's
 * GEMMs were subnormal, and x86 cores compute on subnormal operands through a microcode assist, up to 100x slower
 * (one 1536x1024x448 sgemm: 132 GFLOP/s on normal inputs, 1.2 with a third of them subnormal). Flushing them (MXCSR
 * FTZ + DAZ) is what TensorFlow does on its compute threads and what torch.set_flush_denormal(True) does; the
 * values lost are below float32's normal range, where a gradient carries nothing a weight update can use.
 *
 * How it is set: onnxruntime applies `session.set_denormal_as_zero` to the thread that creates a session (the main
 * thread: the provider's probe at load) and to its own pool's threads. load.ts loads onnxruntime before the OpenBLAS
 * addon, whose worker threads start when libopenblas loads and inherit the main thread's state then (Linux copies it
 * into new threads), as do the OpenMP threads the addon's kernels start later. So flushing needs onnxruntime-node
 * installed; without it the mode is 'keep' whatever was asked (describeKernels() says so).
 *
 * SIDREC_DENORMALS=keep restores IEEE behaviour: the engine's numbers before 2026-12-05, needed to re-create a result
 * made before then to the last digit.
 */
import { SidrecError } from '../../core/errors.js';

export type DenormalMode = 'flush' | 'keep';

/** The mode asked for by SIDREC_DENORMALS (default 'flush'). */
export function requestedDenormalMode(env: NodeJS.ProcessEnv = process.env): DenormalMode {
  const raw = (env.SIDREC_DENORMALS ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'flush') return 'flush';
  if (raw === 'keep') return 'keep';
  throw new SidrecError('E_CONFIG', `SIDREC_DENORMALS must be flush or keep, got "${env.SIDREC_DENORMALS}"`, { field: 'SIDREC_DENORMALS' });
}
