/**
 * `sidrec train`: trains a model on a prepared dataset with early stopping on validation NDCG@10, a checkpoint
 * every epoch (`--resume` continues an interrupted run exactly), then reports test metrics of the best epoch.
 * `--model rpg` (Hou et al., KDD 2025) first makes its Semantic IDs: `--sids FILE` reads a flat OPQ/PQ SID table
 * from `sidrec tokenize`; without it, OPQ is fitted here on text + attribute + co-occurrence features (the last
 * from training sequences only).
 * Everything is checked before the first write into --out: the dataset (it must have users with enough
 * interactions to train, validate and test), and that --out holds no earlier run unless --resume (continue it)
 * or --overwrite (replace it) says what to do with it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { existingRunFiles, formatRunSummary } from '../train/trainer.js';
import { loadDataset, numInteractions, split, type InteractionDataset } from '../data/index.js';
import { DEFAULT_ITEM_GRAPH } from '../decode/item-graph.js';
import { DEFAULT_GRAPH_SEARCH } from '../decode/graph.js';
import { formatTable } from '../eval/index.js';
import { DEFAULT_RPG_CONFIG } from '../model/rpg.js';
import { DEFAULT_RPG_SIDS, fitRpgSids } from '../model/rpg-sids.js';
import { loadItemCodes, readRpgSids } from '../model/rpg-io.js';
import { DEFAULT_SASREC_CONFIG } from '../model/sasrec.js';
import { DEFAULT_TRAIN_CONFIG } from '../train/config.js';
import { trainRpg } from '../train/rpg.js';
import { trainSasRec } from '../train/sasrec.js';
import { defineCommand } from './command.js';
import { DEFAULT_GRYPHON_CONFIG } from '../model/gryphon.js';
import { DEFAULT_SID_RUN } from '../train/tiger.js';
import { runSidTraining, type SidTrainFlags } from '../train/tiger-cli.js';
import { describeKernels } from '../tensor/index.js';

const T = DEFAULT_TRAIN_CONFIG;
const M = DEFAULT_SASREC_CONFIG;
const R = DEFAULT_RPG_CONFIG;
const S = DEFAULT_RPG_SIDS;
const G = DEFAULT_GRAPH_SEARCH;
const both = (s: number, r: number): string => `default: ${s} sasrec, ${r} rpg`;

export const trainCommand = defineCommand({
  spec: {
    name: 'train',
    summary: 'Train a model on a prepared dataset (early stopping on validation NDCG@10, resumable)',
    details: `Examples:
  sidrec train --data runs/beauty/data --out runs/beauty/sasrec
  sidrec train --data runs/beauty/data --out runs/beauty/sasrec --resume     (after an interruption)
  sidrec train --model rpg --data runs/beauty/data --out runs/beauty/rpg --digits 32 --lr 0.003 --warmup-steps 200 --epochs 25 --dropout 0.2 --attn-dropout 0.2
  sidrec train --model rpg --data runs/beauty/data --out runs/beauty/rpg2 --sids runs/beauty/rpg --lr 0.005   (same SIDs, no refit)
  sidrec train --model rpg --data runs/sports/data --out runs/sports/rpg --digits 16 --lr 0.003 --beam 100 --neighbors 30 --steps 5
Writes OUT/manifest.json, OUT/best.safetensors (best validation epoch) and OUT/checkpoint.safetensors (latest).
An OUT that already holds a run is refused: --resume continues it, --overwrite replaces it.
OUT/run.json records the settings (--resume refuses others, except --epochs and --patience) and OUT/epochs.jsonl
one line per epoch; while a run is under way or paused (--stop-after), sidrec evaluate --model OUT scores its
best epoch so far.
RPG also writes OUT/sids.safetensors (item codes) and OUT/graph.safetensors (item graph, built once after
training), and reports test metrics with exact scoring and with graph-constrained decoding.
RPG SIDs: --sids DIR|FILE (a flat PQ/OPQ table from sidrec tokenize --kind opq, or an RPG model directory), else OPQ with --digits sub-spaces fitted on
text (TF-IDF/LSA, --text-dim), attribute (--attr-dim) and co-occurrence (--cooc-dim, training sequences only)
features, each block weighted by its --*-weight; a block is skipped when the dataset lacks it or its dim is 0.
TIGER / Gryphon (--model tiger|gryphon): --sids DIR is a hierarchical RQ-KMeans SID directory from
  sidrec tokenize --kind rqkmeans --levels 3 (collision digit added); without it, RQ-KMeans (--levels x --sid-codebook-size)
  is fitted here on --sid-features (default text) and saved to OUT/sids. --layers is per stack (encoder and
  decoder). Validation: beam --valid-beam over --valid-users sampled users; test: beam --test-beam, all users.
  Gryphon reports its item-level ranking and the beam-likelihood ranking of the same candidates.
  sidrec train --model tiger --data runs/beauty/data --sids runs/beauty/sid-rq --out runs/beauty/tiger
  sidrec train --model gryphon --data runs/beauty/data --sids runs/beauty/sid-rq --out runs/beauty/gryphon --lambda 1
  sidrec train --model gryphon --data runs/beauty/data --sids runs/beauty/sid-rq --out runs/beauty/gryphon2 --init-from runs/beauty/tiger`,
    options: {
      data: { type: 'string', description: 'Dataset artifact directory (from sidrec prepare)' },
      out: { type: 'string', description: 'Model directory to write' },
      model: { type: 'string', choices: ['sasrec', 'rpg', 'tiger', 'gryphon'], description: 'Architecture', default: 'sasrec' },
      resume: { type: 'boolean', description: 'Continue from OUT/checkpoint.safetensors', default: false },
      overwrite: { type: 'boolean', description: 'Replace a run already in --out (without it, or --resume, such an --out is refused)', default: false },
      'stop-after': { type: 'number', integer: true, min: 1, description: 'Stop after this many epochs in this run, keeping the schedule of --epochs (continue later with --resume)' },
      epochs: { type: 'number', integer: true, min: 1, description: 'Maximum epochs (also the length of the cosine schedule)', default: T.epochs },
      'batch-size': { type: 'number', integer: true, min: 1, description: 'Sequences per batch', default: T.batchSize },
      lr: { type: 'number', min: 0, description: 'Peak learning rate (AdamW, warm-up then cosine)', default: T.lr },
      'weight-decay': { type: 'number', min: 0, description: 'AdamW decoupled weight decay', default: T.weightDecay },
      'warmup-steps': { type: 'number', integer: true, min: 0, description: 'Linear warm-up steps', default: T.warmupSteps },
      clip: { type: 'number', min: 0, description: 'Gradient-norm clip (0 = off)', default: T.clip },
      patience: { type: 'number', integer: true, min: 1, description: 'Epochs without validation gain before stopping', default: T.patience },
      seed: { type: 'number', integer: true, description: 'Seed for initialisation, batch order and dropout', default: T.seed },
      dim: { type: 'number', integer: true, min: 1, description: `Hidden size (${both(M.dim, R.dim)})` },
      layers: { type: 'number', integer: true, min: 1, description: `Transformer layers (${both(M.layers, R.layers)})` },
      heads: { type: 'number', integer: true, min: 1, description: `Attention heads, must divide dim (${both(M.heads, R.heads)})` },
      ffn: { type: 'number', integer: true, min: 1, description: `Feed-forward width (${both(M.ffn, R.ffn)})` },
      dropout: { type: 'number', min: 0, max: 0.95, description: `Dropout; RPG: on the input embeddings (${both(M.dropout, R.dropout)})` },
      'max-len': { type: 'number', integer: true, min: 1, description: 'Most recent items read per user', default: M.maxLen },
      'attn-dropout': { type: 'number', min: 0, max: 0.95, description: 'RPG: dropout on the attention weights', default: R.attnDropout },
      'resid-dropout': { type: 'number', min: 0, max: 0.95, description: 'RPG: dropout on the blocks\' residual branches', default: R.residDropout },
      temperature: { type: 'number', min: 0.001, description: 'RPG: temperature of the cosine code logits', default: R.temperature },
      sids: { type: 'string', description: 'RPG: sidrec tokenize output (its directory or sids.sidtab; flat PQ/OPQ) or an RPG model directory / sids.safetensors; default: fit OPQ here' },
      digits: { type: 'number', integer: true, min: 1, description: 'RPG: OPQ digits m when fitting SIDs here', default: S.digits },
      'text-dim': { type: 'number', integer: true, min: 0, description: 'RPG SIDs: text feature dimension (0 = none)', default: S.textDim },
      'text-weight': { type: 'number', min: 0, description: 'RPG SIDs: text block weight', default: S.textWeight },
      'attr-dim': { type: 'number', integer: true, min: 0, description: 'RPG SIDs: attribute feature dimension (0 = none)', default: S.attrDim },
      'attr-weight': { type: 'number', min: 0, description: 'RPG SIDs: attribute block weight', default: S.attrWeight },
      'cooc-dim': { type: 'number', integer: true, min: 0, description: 'RPG SIDs: co-occurrence feature dimension (0 = none)', default: S.coocDim },
      'cooc-weight': { type: 'number', min: 0, description: 'RPG SIDs: co-occurrence block weight', default: S.coocWeight },
      'graph-k': { type: 'number', integer: true, min: 1, description: 'RPG: neighbours stored per item in the item graph', default: 200 },
      'graph-method': { type: 'string', choices: ['auto', 'exact', 'usearch'], description: 'RPG: item-graph construction (auto = exact up to 50k items)', default: DEFAULT_ITEM_GRAPH.method },
      beam: { type: 'number', integer: true, min: 1, description: 'RPG graph decoding: beam width b', default: G.beam },
      neighbors: { type: 'number', integer: true, min: 0, description: 'RPG graph decoding: neighbours read per beam item k (<= --graph-k)', default: G.neighbors },
      steps: { type: 'number', integer: true, min: 0, description: 'RPG graph decoding: expansion steps q', default: G.steps },
      levels: { type: 'number', integer: true, min: 1, max: 8, description: 'TIGER/Gryphon: RQ-KMeans levels when fitting SIDs here', default: 3 },
      'sid-features': { type: 'string', description: 'TIGER/Gryphon: feature spec when fitting SIDs here', default: 'text' },
      'sid-codebook-size': { type: 'number', integer: true, min: 2, max: 65536, description: 'TIGER/Gryphon: codes per RQ-KMeans level when fitting SIDs here', default: 256 },
      'valid-beam': { type: 'number', integer: true, min: 1, description: 'TIGER/Gryphon: beam width for validation', default: DEFAULT_SID_RUN.validBeam },
      batching: { type: 'string', choices: ['uniform', 'length-bucketed'], description: 'RPG: batches drawn uniformly (computed in length-sorted parts) or of similar-length windows (learns slower)', default: 'uniform' },
      'valid-users': { type: 'number', integer: true, min: 0, description: `Validation users, drawn once by --seed (the same users every epoch; 0 = all) (default: ${DEFAULT_SID_RUN.validUsers} tiger/gryphon, all sasrec/rpg)` },
      'test-beam': { type: 'number', integer: true, min: 1, description: 'TIGER/Gryphon: beam width for the test evaluation (default 20 tiger, 50 gryphon)' },
      'examples-per-user': { type: 'number', integer: true, min: 1, description: 'TIGER/Gryphon: keep each user\'s most recent N training prefixes (default: all)' },
      lambda: { type: 'number', min: 0, description: 'Gryphon: weight of the item-level loss', default: DEFAULT_GRYPHON_CONFIG.lambda },
      'init-from': { type: 'string', description: 'TIGER/Gryphon: start from the best weights of another tiger/gryphon run DIR on the same data and SIDs (a Gryphon from a TIGER starts its item scorer fresh)' },
      quiet: { type: 'boolean', description: 'No progress bars', default: false },
    },
  },
  async run(o) {
    if (!o.data) throw new SidrecError('E_CONFIG', 'missing --data (a dataset directory from sidrec prepare)', { field: 'data' });
    if (!o.out) throw new SidrecError('E_CONFIG', 'missing --out (the model directory to write)', { field: 'out' });
    if (o.resume && o.overwrite) throw new SidrecError('E_CONFIG', '--resume continues the run in --out, --overwrite replaces it: give one', { field: 'overwrite' });
    const ds = loadDataset(o.data);
    assertTrainable(ds, o.data);
    // --overwrite: the training loop's fresh start removes the old run's weights, checkpoint and manifest.
    const previous = existingRunFiles(o.out);
    if (previous.length > 0 && !o.resume && !o.overwrite) {
      throw new SidrecError('E_CONFIG', `already holds a training run (${previous.join(', ')}); continue it with --resume, replace it with --overwrite, or train into another --out`, { file: o.out, field: 'out' });
    }
    if (o.model === 'tiger' || o.model === 'gryphon') return runSidTraining(o as SidTrainFlags);
    if (o['init-from'] !== undefined) throw new SidrecError('E_CONFIG', `--init-from is for --model tiger|gryphon, not ${o.model}`, { field: 'init-from' });
    const base = o.model === 'rpg' ? R : M;
    const arch = { dim: o.dim ?? base.dim, layers: o.layers ?? base.layers, heads: o.heads ?? base.heads, ffn: o.ffn ?? base.ffn, dropout: o.dropout ?? base.dropout, maxLen: o['max-len'] };
    if (arch.dim % arch.heads !== 0) throw new SidrecError('E_CONFIG', `--heads ${arch.heads} must divide --dim ${arch.dim}`, { field: 'heads' });
    const sp = split(ds, { historyCap: o['max-len'] });
    if (!o.quiet) process.stderr.write(`kernels: ${JSON.stringify(describeKernels().chosen)}\n`);
    const started = performance.now();
    const trainConfig = { ...T, epochs: o.epochs, batchSize: o['batch-size'], lr: o.lr, weightDecay: o['weight-decay'], warmupSteps: o['warmup-steps'], clip: o.clip, patience: o.patience, seed: o.seed };
    const runOptions = { dir: o.out, resume: o.resume, quiet: o.quiet, maxEpochsThisRun: o['stop-after'] };
    if (o.model === 'sasrec') {
      const { result, test } = await trainSasRec(sp, o.data, arch, trainConfig, runOptions, o['valid-users'] ?? 0);
      process.stdout.write(`${formatRunSummary(result, (performance.now() - started) / 1000)}\n`);
      if (test) process.stdout.write(`${formatTable([test], ['sasrec (test)'])}\n`);
      process.stdout.write(`model -> ${o.out}\n`);
      return;
    }
    let codes;
    let sidInfo: Record<string, unknown>;
    const savedSids = join(o.out, 'sids.safetensors');
    if (o.resume && existsSync(savedSids)) {
      codes = loadItemCodes(savedSids); // the interrupted run's codes, not a refit
      sidInfo = { source: 'resumed' };
    } else if (o.sids) {
      codes = readRpgSids(o.sids, ds.numItems);
      sidInfo = { source: o.sids };
    } else {
      const fitted = fitRpgSids(ds, sp, { digits: o.digits, textDim: o['text-dim'], textWeight: o['text-weight'], attrDim: o['attr-dim'], attrWeight: o['attr-weight'], coocDim: o['cooc-dim'], coocWeight: o['cooc-weight'], seed: o.seed });
      codes = fitted.codes;
      sidInfo = { kind: 'opq', digits: codes.digits, blocks: fitted.blocks, featureSeconds: fitted.featureSeconds, fitSeconds: fitted.fitSeconds, collisionRate: fitted.collisionRate };
      if (!o.quiet) process.stderr.write(`sids: opq ${codes.digits}x${codes.codebookSize} on ${fitted.blocks.join(' + ')}: features ${fitted.featureSeconds.toFixed(1)} s, fit ${fitted.fitSeconds.toFixed(1)} s, collisions ${(100 * fitted.collisionRate).toFixed(2)}%\n`);
    }
    if (o.neighbors > o['graph-k']) throw new SidrecError('E_CONFIG', `--neighbors ${o.neighbors} exceeds --graph-k ${o['graph-k']}`, { field: 'neighbors' });
    const run = await trainRpg(sp, o.data, codes, { ...arch, attnDropout: o['attn-dropout'], residDropout: o['resid-dropout'], temperature: o.temperature }, trainConfig, runOptions, {
      sids: sidInfo,
      graph: { k: o['graph-k'], method: o['graph-method'] as 'auto' | 'exact' | 'usearch', seed: o.seed },
      decode: { beam: o.beam, neighbors: o.neighbors, steps: o.steps, seed: o.seed },
      validUsers: o['valid-users'] ?? 0,
      batching: o.batching as 'uniform' | 'length-bucketed',
    });
    const { result, test, testGraph, graph } = run;
    process.stdout.write(`${formatRunSummary(result, (performance.now() - started) / 1000)}\n`);
    if (test && testGraph && graph) {
      process.stdout.write(`${formatTable([test, testGraph], ['rpg exact (test)', `rpg graph b${o.beam}/k${o.neighbors}/q${o.steps} (test)`])}\n`);
      process.stdout.write(`item graph: ${graph.method}, k ${graph.k}, built in ${graph.buildSeconds.toFixed(1)} s; visited ${run.visitedPerUser?.toFixed(0)} items per user\n`);
    }
    process.stdout.write(`model -> ${o.out}\n`);
  },
});

/** A dataset that training could only fail on (or evaluate on nobody) is refused before --out is touched. */
function assertTrainable(ds: InteractionDataset, dir: string): void {
  const file = join(dir, 'dataset.json');
  if (numInteractions(ds) === 0) throw new SidrecError('E_INPUT', `the dataset has no interactions (${ds.numUsers} users); prepare it from data with rows`, { file });
  for (let u = 0; u < ds.numUsers; u++) if (ds.offsets[u + 1] - ds.offsets[u] >= 3) return;
  throw new SidrecError('E_INPUT', 'no user has 3 or more interactions: the leave-one-out split needs them to validate and test', { file });
}
