/**
 * Chooses, per kernel, which provider runs it. Default order: openblas (when its optional addon loaded), then
 * onnxruntime, then plain TypeScript, overridden per kernel by profiling results in `defaultPreferences` or by
 * the environment: `SIDREC_KERNELS=plain` (everything plain) or `SIDREC_KERNELS=gemm:onnxruntime,gelu:plain`.
 * Follows onnxruntime-common's backend registry: every provider that failed to load is remembered with its cause.
 */
import { SidrecError } from '../../core/errors.js';
import type { KernelName, KernelProvider, Kernels, ProviderName } from './types.js';
import { plainKernels } from './plain.js';
import { availableParallelism } from 'node:os';
import { denormalMode, loadedBlasAddon, loadProviders } from './load.js';
import type { DenormalMode } from './denormals.js';
import { requestedThreads } from './threads.js';

const providers = new Map<ProviderName, KernelProvider>([['plain', plainKernels]]);
const loadFailures = new Map<ProviderName, string>();
let resolved: Kernels | undefined;
let preferenceOverride: Partial<Record<KernelName, ProviderName>> = {};

export function registerProvider(provider: KernelProvider): void {
  providers.set(provider.name, provider);
  resolved = undefined;
}

export function recordProviderFailure(name: ProviderName, cause: string): void {
  loadFailures.set(name, cause);
}

/** Force kernels onto providers (tests compare providers this way); `{}` restores the defaults. */
export function setKernelPreference(preference: Partial<Record<KernelName, ProviderName>>): void {
  preferenceOverride = { ...preference };
  resolved = undefined;
}

/**
 * Chosen by bench/kernels.ts on the reference shapes (2-core AVX-512 EPYC, shared with other jobs, so timings
 * swing 2x): the OpenBLAS addon won or tied every kernel it implements (sgemm 12800x448x1024 ~190 vs ORT ~105
 * GFLOP/s when quiet, attention batches ~2x ORT, fused C softmax-CE / GELU / row softmax 4-20x ORT, layer norm,
 * Adam and embedding bag 10-40x plain; only 1024^3 sgemm is within noise of ORT). onnxruntime beat plain
 * TypeScript on every kernel it has (GEMM 30-150x, softmax-CE ~2-3x, GELU ~4-9x, row softmax ~1.3-2.5x, GELU
 * backward ~1.2-2x). So one order serves every kernel; a kernel a provider lacks falls through to the next.
 */
const DEFAULT_ORDER: readonly ProviderName[] = ['openblas', 'onnxruntime', 'plain'];

function envPreference(): { all?: ProviderName; perKernel: Partial<Record<KernelName, ProviderName>> } {
  const raw = process.env.SIDREC_KERNELS?.trim();
  const perKernel: Partial<Record<KernelName, ProviderName>> = {};
  if (!raw) return { perKernel };
  if (!raw.includes(':')) return { all: checkProviderName(raw, 'SIDREC_KERNELS'), perKernel };
  for (const pair of raw.split(',')) {
    const [kernel, provider] = pair.split(':').map((s) => s.trim());
    perKernel[kernel as KernelName] = checkProviderName(provider ?? '', `SIDREC_KERNELS (${kernel})`);
  }
  return { perKernel };
}

function checkProviderName(name: string, field: string): ProviderName {
  if (name === 'plain' || name === 'onnxruntime' || name === 'openblas') return name;
  throw new SidrecError('E_CONFIG', `unknown kernel provider "${name}" (expected plain, onnxruntime or openblas)`, { field });
}

/** The resolved kernel table. Cheap to call: resolution is cached until a provider or preference changes. */
export function kernels(): Kernels {
  if (resolved) return resolved;
  loadProviders(); // optional providers load lazily, once, on first use; never throws
  const env = envPreference();
  const table = {} as Record<KernelName, unknown>;
  for (const name of Object.keys(plainKernels.kernels) as KernelName[]) {
    const exact = preferenceOverride[name] ?? env.perKernel[name];
    const wanted = exact ?? env.all;
    // SIDREC_KERNELS=<provider> moves every kernel that provider has; the ones it lacks stay on plain.
    const order: readonly ProviderName[] = exact ? [exact] : env.all ? (providers.has(env.all) ? [env.all, 'plain'] : [env.all]) : DEFAULT_ORDER;
    let chosen: KernelProvider | undefined;
    for (const providerName of order) {
      const provider = providers.get(providerName);
      if (provider?.kernels[name]) {
        chosen = provider;
        break;
      }
    }
    if (!chosen) {
      const why = !wanted ? 'no provider' : providers.has(wanted) ? 'the provider does not implement it' : (loadFailures.get(wanted) ?? 'not registered');
      throw new SidrecError('E_BACKEND', `kernel "${name}" cannot run on provider "${wanted}": ${why}`);
    }
    table[name] = chosen.kernels[name];
    chosenBy.set(name, chosen.name);
  }
  resolved = table as unknown as Kernels;
  return resolved;
}

const chosenBy = new Map<KernelName, ProviderName>();

/** Which provider runs each kernel, and why any provider is missing: printed by benchmarks and `--verbose`. */
export function describeKernels(): {
  readonly chosen: Record<string, ProviderName>;
  readonly failures: Record<string, string>;
  readonly denormals: DenormalMode;
  /**
   * Compute threads: OpenBLAS's (SIDREC_THREADS, else OPENBLAS_NUM_THREADS, else the cores) when its addon runs the
   * GEMMs, onnxruntime's intra-op pool (SIDREC_THREADS, else the cores) otherwise (threads.ts). Floating-point sums split over another number of threads round differently,
   * so bit-identical SIDs and metrics need the same count as well as the same providers and subnormal mode.
   */
  readonly threads: number;
} {
  kernels();
  const blas = chosenBy.get('gemm') === 'openblas' ? loadedBlasAddon()?.info().blasThreads : undefined;
  const threads = blas ?? (chosenBy.get('gemm') === 'onnxruntime' ? (requestedThreads() ?? Math.max(1, availableParallelism())) : 1);
  return { chosen: Object.fromEntries(chosenBy), failures: Object.fromEntries(loadFailures), denormals: denormalMode(), threads };
}
