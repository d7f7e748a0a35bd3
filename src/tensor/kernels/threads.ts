/**
 * The engine's compute threads, chosen once for every provider: `SIDREC_THREADS=N` runs OpenBLAS's GEMMs, the
 * addon's OpenMP loops and onnxruntime's intra-op pool on N threads (unset: OpenBLAS and OpenMP read their own
 * OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else one per core; onnxruntime one per core). Float sums split over another
 * number of threads round differently, so a figure is re-made bit for bit only at the thread count it was made with
 * (an experiment pins it: `"engine": { "threads": 1 }`). Read when the providers load (load.ts), fixed after.
 */
import { SidrecError } from '../../core/errors.js';

/** SIDREC_THREADS as a thread count; undefined when unset or blank. */
export function requestedThreads(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SIDREC_THREADS?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new SidrecError('E_CONFIG', `SIDREC_THREADS must be a whole number of threads (1 or more), got "${env.SIDREC_THREADS}"`, {
      field: 'SIDREC_THREADS',
    });
  return n;
}

/** Hands SIDREC_THREADS to OpenBLAS and OpenMP (they read their variables when their libraries load); returns it. */
export function applyRequestedThreads(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = requestedThreads(env);
  if (n === undefined) return undefined;
  env.OPENBLAS_NUM_THREADS = String(n);
  env.OMP_NUM_THREADS = String(n);
  return n;
}
