/**
 * Loads the optional kernel providers and registers them: the OpenBLAS addon (native/build/Release) and
 * onnxruntime-node. Side-effect free until called; the registry calls `loadProviders()` lazily on first use.
 * Never throws: a provider that cannot load is recorded with its cause (`describeKernels().failures`) and the
 * registry falls back to the next one.
 *
 * OpenBLAS picks its CPU kernel when the library loads, from OPENBLAS_CORETYPE. This environment presets
 * Haswell, which halves sgemm on AVX-512 CPUs, so on a CPU with avx512f we switch it to SkylakeX before the
 * addon (and with it libopenblas) is first required, unless the user chose another core type.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { blasProvider, checkBlasAddon, type BlasAddon } from './blas.js';
import { type DenormalMode, requestedDenormalMode } from './denormals.js';
import { onnxruntimeProvider } from './onnxruntime.js';
import { loadOrtRuntime } from './onnxruntime-session.js';
import { recordProviderFailure, registerProvider } from './registry.js';
import { applyPoolIdleCeiling } from '../pool-env.js';
import { applyRequestedThreads } from './threads.js';

const PRESET_CORETYPES = new Set(['', 'haswell']);

/** Sets OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs unless the user picked a core type other than the preset. */
export function chooseOpenblasCoretype(env: NodeJS.ProcessEnv = process.env, cpuinfo = readCpuinfo()): void {
  if (!/\bavx512f\b/.test(cpuinfo)) return;
  if (!PRESET_CORETYPES.has((env.OPENBLAS_CORETYPE ?? '').trim().toLowerCase())) return;
  env.OPENBLAS_CORETYPE = 'SkylakeX';
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** Candidate addon paths: the repository's native/build (from src/ or from dist/src/), then SIDREC_BLAS_ADDON. */
function addonPaths(): string[] {
  const paths = ['../../../native/build/Release/sidrec_blas.node', '../../../../native/build/Release/sidrec_blas.node'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  const override = process.env.SIDREC_BLAS_ADDON?.trim();
  return override ? [override, ...paths] : paths;
}

let blasAddon: BlasAddon | undefined;

/** The loaded addon (for `info()` in benchmarks), if any. */
export function loadedBlasAddon(): BlasAddon | undefined {
  return blasAddon;
}

function loadBlas(): void {
  const path = addonPaths().find((p) => existsSync(p));
  if (!path) {
    recordProviderFailure('openblas', 'native addon not built (npm run build:native needs libopenblas-dev and a C compiler)');
    return;
  }
  try {
    chooseOpenblasCoretype();
    // OpenMP threads spin after each parallel region by default, stealing the cores OpenBLAS's threads need.
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    // OpenBLAS's idle threads spin in sched_yield for ~2^28 cycles before sleeping: on 2 cores that was 30% of the
    // RPG step's CPU time in system calls. Sleeping after 2^4 (its minimum) measured 1,123 -> 1,254 positions/s,
    // system time 18.1 -> 9.7 s over 24 batches (bench/rpg-step.ts). A user's own setting stays.
    process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
    blasAddon = checkBlasAddon(createRequire(import.meta.url)(path));
    registerProvider(blasProvider(blasAddon));
  } catch (error) {
    recordProviderFailure('openblas', `${path}: ${(error as Error).message}`);
  }
}

/** Why onnxruntime-node can be absent (an optional dependency) and how to get it back. */
export const ONNXRUNTIME_MISSING =
  'onnxruntime-node is not installed (an optional dependency: npm drops it when its install script cannot download from api.nuget.org); reinstall with ONNXRUNTIME_NODE_INSTALL=skip npm install for its CPU kernels';

let denormals: DenormalMode = 'keep';

/** How the compute threads treat subnormal floats (denormals.ts): 'flush' only when asked and onnxruntime loaded. */
export function denormalMode(): DenormalMode {
  return denormals;
}

function loadOnnxruntime(wanted: DenormalMode, threads: number | undefined): void {
  try {
    registerProvider(onnxruntimeProvider(loadOrtRuntime(wanted, threads)));
    denormals = wanted;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /onnxruntime-node/.test((error as Error).message);
    recordProviderFailure('onnxruntime', missing ? ONNXRUNTIME_MISSING : (error as Error).message);
  }
}

let loaded = false;

/** Whether the providers have loaded (the subnormal mode is fixed from then on). */
export function providersLoaded(): boolean {
  return loaded;
}

/** Registers every optional provider that loads here, and reads SIDREC_POOL_IDLE_GB. Idempotent; throws only for a malformed SIDREC_DENORMALS, SIDREC_THREADS or SIDREC_POOL_IDLE_GB. */
export function loadProviders(): void {
  if (loaded) return;
  const wanted = requestedDenormalMode();
  const threads = applyRequestedThreads(); // before either library loads (threads.ts)
  applyPoolIdleCeiling();
  loaded = true;
  // onnxruntime first: its probe session sets the main thread's subnormal handling, which the threads libopenblas
  // starts when it loads inherit (denormals.ts).
  loadOnnxruntime(wanted, threads);
  loadBlas();
}
