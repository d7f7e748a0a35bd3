/**
 * Flag specs several families declare alike (a transformer's size, validation sampling), each with the declaring
 * family's defaults: `sidrec train --help` shows every family's default of a shared flag.
 */
import { SidrecError } from '../core/errors.js';
import type { OptionSpecs } from '../core/option-spec.js';

export interface ArchitectureDefaults {
  readonly dim: number;
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
  readonly dropout: number;
}

const num = (description: string, dflt: number, range: { readonly min?: number; readonly max?: number; readonly integer?: boolean }) =>
  ({ type: 'number', ...range, description, default: dflt }) as const;

export function architectureOptions(d: ArchitectureDefaults, notes: { readonly layers?: string; readonly heads?: string; readonly dropout?: string } = {}) {
  return {
    dim: num('Hidden size', d.dim, { integer: true, min: 1 }),
    layers: num(`Transformer layers${notes.layers ? ` (${notes.layers})` : ''}`, d.layers, { integer: true, min: 1 }),
    heads: num(`Attention heads, must divide dim${notes.heads ? ` ${notes.heads}` : ''}`, d.heads, { integer: true, min: 1 }),
    ffn: num('Feed-forward width', d.ffn, { integer: true, min: 1 }),
    dropout: num(`Dropout${notes.dropout ? ` (${notes.dropout})` : ''}`, d.dropout, { min: 0, max: 0.95 }),
  } satisfies OptionSpecs;
}

/** The architecture flags' values (architectureOptions) and the shared --max-len, as a model config. */
export function architectureOf(o: ArchitectureDefaults, flags: Readonly<Record<string, unknown>>): ArchitectureDefaults & { readonly maxLen: number } {
  return { dim: o.dim, layers: o.layers, heads: o.heads, ffn: o.ffn, dropout: o.dropout, maxLen: flags['max-len'] as number };
}

export function validUsersOption(defaultUsers: number) {
  return {
    'valid-users': num('Validation users, drawn once by --seed (the same users every epoch; 0 = all)', defaultUsers, { integer: true, min: 0 }),
  } satisfies OptionSpecs;
}

/** The SID flags of a family that reads a tokenize directory or fits one (families/sids.ts). */
export function sidOptions(sidsDescription: string, defaultFeatures: string) {
  return {
    sids: { type: 'string', description: sidsDescription },
    'sid-features': { type: 'string', description: 'Feature spec when fitting SIDs here (as sidrec tokenize --features)', default: defaultFeatures },
    'sid-codebook-size': num('Codes per digit when fitting SIDs here', 256, { integer: true, min: 2, max: 65536 }),
  } as const satisfies OptionSpecs;
}

export type Batching = 'uniform' | 'length-bucketed';

/** --batching: how a step's examples are drawn (train/batches.ts, tiger-batches.ts). */
export function batchingOption(defaultBatching: Batching) {
  return {
    batching: {
      type: 'string',
      choices: ['uniform', 'length-bucketed'],
      description: 'Batches drawn uniformly (computed in length-sorted parts) or of similar-length histories (cheaper; RPG and TIGER learned slower so)',
      default: defaultBatching,
    },
  } as const satisfies OptionSpecs;
}

/** Refuses heads that do not divide dim, naming the flag; a head width of their own (`--head-dim`) lifts that. */
export function checkHeads(dim: number, heads: number, headDim?: number): void {
  if (headDim === undefined && dim % heads !== 0) throw new SidrecError('E_CONFIG', `--heads ${heads} must divide --dim ${dim}`, { field: 'heads' });
}
