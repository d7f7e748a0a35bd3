/**
 * Opens a TIGER or Gryphon model directory: the manifest names the SemanticIdTable directory it was trained
 * with (`sid.sidsDir`), whose table rebuilds the vocabulary, the item tokens and the decoding trie.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import { loadCheckpoint, loadMatchingParameters } from '../../tensor/index.js';
import { loadSidTable, TABLE_FILE } from '../../tokenize/index.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';
import { Gryphon, type GryphonConfig } from '../../model/gryphon.js';
import type { ModelManifest } from '../../model/manifest.js';
import { recordedSids } from '../../model/bundle.js';
import { Tiger } from '../../model/tiger.js';
import { SidVocabulary } from '../../model/tiger-vocab.js';
import { MODEL_FILES } from '../../model/files.js';

export interface LoadedSidModel {
  readonly kind: 'tiger' | 'gryphon';
  readonly manifest: ModelManifest;
  readonly model: Tiger | Gryphon;
  readonly table: SemanticIdTable;
}

/**
 * Where a family that trains a TIGER inside a larger model keeps it (DIGER: `tiger.*` beside its tokenizer): the
 * TIGER kind to open it as and the prefix of its weights in the checkpoint.
 */
export interface EmbeddedSidModel {
  readonly kind: 'tiger';
  readonly prefix: string;
}

export function openSidModel(dir: string, manifest: ModelManifest, embedded?: EmbeddedSidModel): LoadedSidModel {
  const kind = embedded?.kind ?? manifest.kind;
  if (kind !== 'tiger' && kind !== 'gryphon') throw new SidrecError('E_STATE', `not a TIGER/Gryphon model: "${manifest.kind}"`, { file: dir, field: 'kind' });
  const sidsDir = recordedSids(manifest);
  if (sidsDir === undefined) throw new SidrecError('E_STATE', 'the manifest names no SID directory', { file: dir, field: 'sids' });
  const path = existsSync(sidsDir) && statSync(sidsDir).isDirectory() ? join(sidsDir, TABLE_FILE) : sidsDir;
  const table = loadSidTable(path);
  const config = manifest.modelConfig as unknown as GryphonConfig;
  const model =
    kind === 'tiger'
      ? new Tiger(config, manifest.seed)
      : new Gryphon(manifest.numItems, new SidVocabulary(config.codeSizes, config.userBuckets).itemTokens(table), config, manifest.seed);
  const weights = join(dir, MODEL_FILES.best);
  if (embedded) {
    const { fresh } = loadMatchingParameters(weights, model.namedParameters(), (name) => embedded.prefix + name);
    if (fresh.length > 0)
      throw new SidrecError('E_STATE', `the checkpoint lacks ${embedded.prefix}${fresh[0]} (and ${fresh.length - 1} more)`, { file: weights });
  } else loadCheckpoint(weights, model.namedParameters());
  return { kind, manifest, model, table };
}

/** The test beam a TIGER/Gryphon run recorded (its default for decoding): 20 TIGER, 50 Gryphon when absent. */
export function recordedTestBeam(manifest: ModelManifest): number {
  return Number(manifest.sid?.testBeam ?? (manifest.kind === 'tiger' ? 20 : 50));
}
