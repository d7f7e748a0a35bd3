/**
 * The family table: manifest kind -> model family (family.ts). `sidrec train --model`, evaluate, recommend, serve
 * and model loading dispatch through it and nothing else; adding a model is a folder here plus one line below.
 */
import { SidrecError } from '../core/errors.js';
import type { ModelManifest } from '../model/manifest.js';
import type { ModelFamily } from './family.js';
import { digerFamily } from './diger/index.js';
import { grankFamily } from './grank/index.js';
import { markovFamily } from './markov/index.js';
import { rpgFamily } from './rpg/index.js';
import { sasrecFamily } from './sasrec/index.js';
import { gryphonFamily, tigerFamily } from './tiger/index.js';

export const FAMILIES: Readonly<Record<string, ModelFamily>> = Object.freeze({
  sasrec: sasrecFamily,
  rpg: rpgFamily,
  tiger: tigerFamily,
  gryphon: gryphonFamily,
  markov: markovFamily,
  grank: grankFamily,
  diger: digerFamily,
});

export const FAMILY_KINDS: readonly string[] = Object.freeze(Object.keys(FAMILIES));

/** The family of `kind`; an unknown kind is an error naming the known ones (and `file`, a model directory). */
export function familyOf(kind: string, file?: string): ModelFamily {
  const family = Object.hasOwn(FAMILIES, kind) ? FAMILIES[kind] : undefined;
  if (!family)
    throw new SidrecError(file ? 'E_STATE' : 'E_CONFIG', `unknown model kind "${kind}" (known: ${FAMILY_KINDS.join(', ')})`, {
      ...(file ? { file } : {}),
      field: file ? 'kind' : 'model',
    });
  return family;
}

/** The family of a model directory's manifest. */
export function familyOfManifest(manifest: ModelManifest, dir: string): ModelFamily {
  return familyOf(manifest.kind, dir);
}

export type { Flags, FamilyScorer, ModelFamily, OpenContext, TrainInput } from './family.js';
