/**
 * Adapter registry: manifest kind -> a factory that opens that kind's model directory as a `Recommender`.
 * Adding a model kind to the server is one file in this folder plus one line here: the factory returns a
 * Recommender, with `semanticId`, `tokenizerReport` and `addItems` when the model has a frozen tokenizer
 * (rpg.ts: OPQ codes, new items encoded and scored at once; sasrec.ts: ids only, no adds; sid-generative.ts:
 * TIGER / Gryphon beam search over their SID trie, no adds).
 */
import { SidrecError } from '../../core/errors.js';
import type { ModelManifest } from '../../model/manifest.js';
import type { Recommender } from '../recommender.js';
import { openRpg } from './rpg.js';
import { openSasRec } from './sasrec.js';
import { openSidGenerative } from './sid-generative.js';

export type AdapterFactory = (dir: string, manifest: ModelManifest) => Recommender;

export const ADAPTERS: Readonly<Record<string, AdapterFactory>> = Object.freeze({
  sasrec: openSasRec,
  rpg: openRpg,
  tiger: openSidGenerative,
  gryphon: openSidGenerative,
});

export function adapterFor(manifest: ModelManifest, dir: string): AdapterFactory {
  const kind = manifest.kind as string;
  const factory = ADAPTERS[kind];
  if (!factory) {
    throw new SidrecError('E_CONFIG', `no serving adapter for model kind "${kind}" (known: ${Object.keys(ADAPTERS).join(', ')})`, { file: dir, field: 'kind' });
  }
  return factory;
}
