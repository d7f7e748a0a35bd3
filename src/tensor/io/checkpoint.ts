/**
 * Checkpoints: parameters and optimiser state in one safetensors file. Names: `param/<name>`,
 * `optim/<name>.<slot>`, and `optim/__step__` (I32). Loading checks every parameter is present with its shape and
 * copies in place, so optimisers holding the parameter tensors keep working. `loadMatchingParameters` warm-starts a
 * model from another model's weights (e.g. Gryphon from a trained TIGER): it copies every parameter the file has
 * under the mapped name and leaves the rest as initialised.
 */
import { SidrecError } from '../../core/errors.js';
import type { NamedParameter, Optimizer } from '../optim/optimizer.js';
import { loadSafetensors, saveSafetensors, type StoredTensor } from './safetensors.js';

export function saveCheckpoint(path: string, params: readonly NamedParameter[], optimizer?: Optimizer, metadata: Record<string, string> = {}): void {
  const out = new Map<string, StoredTensor>();
  for (const { name, tensor } of params) out.set(`param/${name}`, { dtype: 'F32', shape: tensor.shape, data: tensor.f32 });
  if (optimizer) {
    const state = optimizer.stateDict();
    for (const [key, data] of state.buffers) out.set(`optim/${key}`, { dtype: 'F32', shape: [data.length], data });
    out.set('optim/__step__', { dtype: 'I32', shape: [1], data: Int32Array.of(state.step) });
  }
  saveSafetensors(path, out, metadata);
}

/** Load into existing parameters (and optimiser); returns the file's metadata. */
export function loadCheckpoint(path: string, params: readonly NamedParameter[], optimizer?: Optimizer): Record<string, string> {
  const file = loadSafetensors(path);
  for (const { name, tensor } of params) {
    const stored = file.tensors.get(`param/${name}`);
    if (!stored) throw new SidrecError('E_STATE', 'checkpoint lacks a parameter', { file: path, field: name });
    if (stored.dtype !== 'F32' || stored.shape.length !== tensor.rank || stored.shape.some((d, i) => d !== tensor.shape[i])) {
      throw new SidrecError('E_STATE', `checkpoint shape [${stored.shape}] != parameter [${tensor.shape}]`, { file: path, field: name });
    }
    tensor.f32.set(stored.data as Float32Array);
  }
  if (optimizer) {
    const step = file.tensors.get('optim/__step__');
    if (!step) throw new SidrecError('E_STATE', 'checkpoint has no optimiser state', { file: path });
    const buffers = new Map<string, Float32Array>();
    for (const [key, t] of file.tensors) {
      if (key.startsWith('optim/') && key !== 'optim/__step__') buffers.set(key.slice('optim/'.length), t.data as Float32Array);
    }
    optimizer.loadStateDict({ step: step.data[0], buffers });
  }
  return file.metadata;
}

export interface MatchedParameters {
  /** Parameters copied from the file. */
  readonly loaded: readonly string[];
  /** Parameters the file lacks, left as initialised. */
  readonly fresh: readonly string[];
}

/**
 * Copies into `params` every parameter the checkpoint has under `sourceName(name)` (undefined: no counterpart); a
 * shape mismatch is an error (a different architecture), and so is a file that matches none (another model kind).
 */
export function loadMatchingParameters(
  path: string,
  params: readonly NamedParameter[],
  sourceName: (name: string) => string | undefined = (n) => n,
): MatchedParameters {
  const file = loadSafetensors(path);
  const loaded: string[] = [];
  const fresh: string[] = [];
  for (const { name, tensor } of params) {
    const source = sourceName(name);
    const stored = source === undefined ? undefined : file.tensors.get(`param/${source}`);
    if (!stored) {
      fresh.push(name);
      continue;
    }
    if (stored.dtype !== 'F32' || stored.shape.length !== tensor.rank || stored.shape.some((d, i) => d !== tensor.shape[i])) {
      throw new SidrecError('E_CONFIG', `parameter shape [${stored.shape}] in the file != [${tensor.shape}] in this model (a different architecture)`, {
        file: path,
        field: name,
      });
    }
    tensor.f32.set(stored.data as Float32Array);
    loaded.push(name);
  }
  if (loaded.length === 0) throw new SidrecError('E_CONFIG', 'no parameter of this model is in the file (a different kind of model?)', { file: path });
  return { loaded, fresh };
}
