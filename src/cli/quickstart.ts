/**
 * `sidrec quickstart`: the whole path on built-in data in a few minutes on 2 cores: a seeded synthetic benchmark
 * (latent topics shape item text and behaviour) -> dataset artifact -> SASRec trained with early stopping ->
 * full-ranking test metrics next to the popularity and bigram baselines. Every artifact lands under --out.
 */
import { join } from 'node:path';
import { formatSeconds } from '../core/progress.js';
import { generateSynthetic, saveDataset, split, syntheticDataset, writeSyntheticBenchmark } from '../data/index.js';
import { evaluate, formatTable } from '../eval/index.js';
import { bigramScorer, popularityScorer } from '../model/baselines.js';
import { DEFAULT_TRAIN_CONFIG } from '../train/config.js';
import { trainSasRec } from '../train/sasrec.js';
import { defineCommand } from './command.js';

export const quickstartCommand = defineCommand({
  spec: {
    name: 'quickstart',
    summary: 'Synthetic data -> train SASRec -> evaluate against baselines, end to end (a few minutes)',
    details: 'Then try the same on your data: sidrec prepare --help, sidrec train --help, sidrec evaluate --help.',
    options: {
      out: { type: 'string', description: 'Folder for every artifact', default: 'runs/quickstart' },
      users: { type: 'number', integer: true, min: 50, description: 'Synthetic users', default: 2000 },
      items: { type: 'number', integer: true, min: 20, description: 'Synthetic items', default: 1000 },
      epochs: { type: 'number', integer: true, min: 1, description: 'Maximum training epochs', default: 40 },
      seed: { type: 'number', integer: true, description: 'Seed for data, initialisation and training', default: 42 },
      quiet: { type: 'boolean', description: 'No progress bars', default: false },
    },
  },
  async run(o) {
    const started = performance.now();
    const say = (line: string): void => void process.stdout.write(`${line}\n`);
    const synthetic = generateSynthetic({ numUsers: o.users, numItems: o.items, seed: o.seed });
    writeSyntheticBenchmark(join(o.out, 'raw'), synthetic);
    const dataset = syntheticDataset(synthetic, 'synthetic');
    const dataDir = join(o.out, 'data');
    saveDataset(dataDir, dataset);
    say(`1/3 data: ${dataset.numUsers} users, ${dataset.numItems} items -> ${dataDir}`);
    const sp = split(dataset, { historyCap: 50 });
    say('2/3 training SASRec (early stopping on validation NDCG@10)');
    const run = await trainSasRec(
      sp,
      dataDir,
      { dim: 64, layers: 2, heads: 2, ffn: 256, dropout: 0.2 },
      { ...DEFAULT_TRAIN_CONFIG, epochs: o.epochs, batchSize: 64, lr: 0.003, warmupSteps: 50, patience: 5, seed: o.seed },
      { dir: join(o.out, 'sasrec'), quiet: o.quiet },
    );
    say('3/3 test metrics (leave-one-out, ranking over all items)');
    const popularity = await evaluate(popularityScorer(sp), sp, 'test');
    const bigram = await evaluate(bigramScorer(sp), sp, 'test');
    const results = [popularity, bigram, ...(run.test ? [run.test] : [])];
    say(formatTable(results.map((r) => ({ ...r, buckets: [] })), ['popularity', 'bigram', 'sasrec']));
    say(`done in ${formatSeconds((performance.now() - started) / 1000)}; model in ${join(o.out, 'sasrec')}`);
    say(`next: sidrec evaluate --model ${join(o.out, 'sasrec')} --split valid`);
  },
});
