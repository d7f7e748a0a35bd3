/** A small seeded SID set (synthetic catalogue, text features, OPQ 4 x 16) for the SID-directory tests. */
import { generateSynthetic, split, syntheticDataset } from '../../src/data/index.js';
import { tokenizeDataset, type DatasetSids } from '../../src/tokenize/index.js';

export const FIXTURE_SYNTH = { numUsers: 200, numItems: 80, numTopics: 4, subTopicsPerTopic: 2, seed: 3 } as const;

export function fixtureSids(seed: number): DatasetSids {
  const ds = syntheticDataset(generateSynthetic(FIXTURE_SYNTH));
  return tokenizeDataset(ds, split(ds), [{ source: 'text', weight: 1 }], { kind: 'opq', subspaces: 4, codebookSize: 16, rotationIters: 1 }, seed);
}
