/**
 * The engine settings behind a reproduced figure: `engine.denormals` and `engine.threads` of an experiment file are
 * set before any kernel loads (the environment wins), and each results file records the GEMM provider, subnormal
 * handling and compute threads it was made with.
 */
import { SidrecError } from '../core/errors.js';
import { denormalMode, describeKernels, providersLoaded } from '../tensor/index.js';
import type { Experiment } from './experiment.js';

/**
 * Sets the engine settings an experiment pins (`engine.denormals`, `engine.threads`) before any kernel loads; the
 * environment (SIDREC_DENORMALS, SIDREC_THREADS) wins. Returns the lines to print for settings that are not the
 * defaults, and refuses a process whose kernels already run otherwise (both are fixed when they load).
 */
export function applyEngine(experiment: Experiment): string[] {
  const lines: string[] = [];
  const pin = (variable: 'SIDREC_DENORMALS' | 'SIDREC_THREADS', field: string, pinned: string, running: () => string, note: string): void => {
    const fromEnv = process.env[variable]?.trim();
    if (fromEnv) {
      lines.push(`engine: ${variable}=${fromEnv} (the experiment pins ${pinned}; the environment wins)`);
      return;
    }
    if (providersLoaded() && running() !== pinned)
      throw new SidrecError(
        'E_CONFIG',
        `the experiment pins ${field} ${pinned} but this process's kernels already run with ${running()}: run sidrec reproduce in a fresh process`,
        { file: experiment.file, field },
      );
    process.env[variable] = pinned;
    if (note) lines.push(note);
  };
  const { denormals, threads } = experiment.engine ?? {};
  if (denormals)
    pin(
      'SIDREC_DENORMALS',
      'engine.denormals',
      denormals,
      denormalMode,
      denormals === 'keep' ? 'engine: subnormal floats kept, as when this figure was made (engine.denormals)' : '',
    );
  if (threads !== undefined)
    pin(
      'SIDREC_THREADS',
      'engine.threads',
      String(threads),
      () => String(describeKernels().threads),
      `engine: ${threads} compute thread${threads === 1 ? '' : 's'}, as when this figure was made (engine.threads)`,
    );
  return lines;
}

/**
 * The GEMM provider, subnormal handling and compute threads this process ran with: a result made with any of them
 * changed can differ (SIDs fitted with 1 and 2 OpenBLAS threads differed in most codes, at the same quality).
 */
export function engineOf(): { readonly gemm: string; readonly denormals: string; readonly threads: number } {
  const { chosen, denormals, threads } = describeKernels();
  return { gemm: chosen.gemm, denormals, threads };
}
