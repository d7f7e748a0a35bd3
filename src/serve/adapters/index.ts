/**
 * Adapter registry: manifest kind -> a factory that opens that kind's model directory as a `Recommender`.
 * Adding a model kind to the server is one file in this folder plus one line here: the factory returns a
 * Recommender, with `semanticId`, `tokenizerReport` and `addItems` when the model has a frozen tokenizer
 * (rpg.ts: OPQ codes, new items encoded and scored at once; sasrec.ts: ids only, no adds; sid-generative.ts:
 * TIGER / Gryphon beam search over their SID trie, no adds).
 */
import { SidrecError } from '../../core/errors.js';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import type { Recommender } from '../recommender.js';
import { openRpg } from './rpg.js';
import { openSasRec } from './sasrec.js';
import { openSidGenerative } from './sid-generative.js';

/** What an adapter may read besides its directory: the serving catalogue, and where to say what it is doing. */
export interface AdapterContext {
  readonly items: ServingItems;
  readonly log: (line: string) => void;
}

export type AdapterFactory = (dir: string, manifest: ModelManifest, context: AdapterContext) => Recommender;

export const ADAPTERS: Readonly<Record<string, AdapterFactory>> = Object.freeze({
  sasrec: (dir: string) => openSasRec(dir),
  rpg: openRpg,
  tiger: (dir: string, manifest: ModelManifest) => openSidGenerative(dir, manifest),
  gryphon: (dir: string, manifest: ModelManifest) => openSidGenerative(dir, manifest),
});

export function adapterFor(manifest: ModelManifest, dir: string): AdapterFactory {
  const kind = manifest.kind as string;
  const factory = ADAPTERS[kind];
  if (!factory) {
    throw new SidrecError('E_CONFIG', `no serving adapter for model kind "${kind}" (known: ${Object.keys(ADAPTERS).join(', ')})`, { file: dir, field: 'kind' });
  }
  return factory;
}
