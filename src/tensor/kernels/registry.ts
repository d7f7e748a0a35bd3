/**
 * Chooses, per kernel, which provider runs it. Default order: openblas (when its optional addon loaded), then
 * onnxruntime, then plain TypeScript, overridden per kernel by profiling results in `defaultPreferences` or by
 * the environment: `SIDREC_KERNELS=plain` (everything plain) or `SIDREC_KERNELS=gemm:onnxruntime,gelu:plain`.
 * Follows onnxruntime-common's backend registry: every provider that failed to load is remembered with its cause.
 */
import { SidrecError } from '../../core/errors.js';
import type { KernelName, KernelProvider, Kernels, ProviderName } from './types.js';
import { plainKernels } from './plain.js';

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
  const env = envPreference();
  const table = {} as Record<KernelName, unknown>;
  for (const name of Object.keys(plainKernels.kernels) as KernelName[]) {
    const wanted = preferenceOverride[name] ?? env.perKernel[name] ?? env.all;
    const order = wanted ? [wanted] : DEFAULT_ORDER;
    let chosen: KernelProvider | undefined;
    for (const providerName of order) {
      const provider = providers.get(providerName);
      if (provider?.kernels[name]) {
        chosen = provider;
        break;
      }
    }
    if (!chosen) {
      const why = wanted ? (loadFailures.get(wanted) ?? 'not registered') : 'no provider';
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
export function describeKernels(): { readonly chosen: Record<string, ProviderName>; readonly failures: Record<string, string> } {
  kernels();
  return { chosen: Object.fromEntries(chosenBy), failures: Object.fromEntries(loadFailures) };
}
