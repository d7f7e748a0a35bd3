/**
 * `sidrec transitions`: fits the transition prior of a trained model (model/transitions.ts): the item-to-item
 * counts of its training sequences and the weight, chosen on validation NDCG@10, with which they are added to the
 * model's scores. Writes MODEL/transitions.safetensors; evaluate, recommend and serve then use it (--transitions off
 * leaves it out). Prints each weight's validation and test figures, split by whether the (newest item -> target)
 * pair was seen in training.
 */
import { resolve } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { loadDataset, split } from '../data/index.js';
import { bestTransitionWeight, sweepTransitionWeights, type TransitionSweep } from '../eval/transition-weights.js';
import { familyOf } from '../families/index.js';
import { readManifest } from '../model/manifest.js';
import { fitBigram } from '../model/baselines.js';
import { saveTransitions, TRANSITIONS_FILE } from '../model/transitions.js';
import { defineCommand } from './command.js';
import { flagsFor, mergedFamilyOptions } from './family-options.js';

/** The families' use-options (GRank's --ranking generator, ...), without --transitions: this command fits it. */
const { transitions: _fitted, ...familyUseOptions } = mergedFamilyOptions((f) => f.useOptions);

export const DEFAULT_TRANSITION_WEIGHTS = '0,0.5,1,2,4,8,16,32,64,128';

export const transitionsCommand = defineCommand({
  spec: {
    name: 'transitions',
    summary: "Add the training data's item-to-item transition counts to a model's scores, weighted on validation",
    details: `Examples:
  sidrec transitions --model runs/beauty/rpg
  sidrec transitions --model runs/beauty/sasrec --weights 0,1,2,4,8
  sidrec transitions --model runs/beauty/grank --ranking generator    (then evaluate / serve with --ranking generator)
  sidrec evaluate --model runs/beauty/rpg --decode exact --transitions off      (the model alone again)
Every item's score becomes score + w * log(1 + c), c = how often the item followed the history's newest item in
the training sequences (what the item bigram counts). For each w of --weights, one pass over the validation and
the test users ranks every target; w is the one with the best validation NDCG@10 (0 = the model alone, kept when
nothing beats it). The counts and w go to MODEL/${TRANSITIONS_FILE}; evaluate, recommend and serve add them to
the model's scores from then on (--transitions off: not). Models that score every item only: SASRec, the Markov
chain, RPG (with a prior it scores every item instead of graph decoding), GRank's generator alone (--ranking
generator, given again when it is used); not TIGER, Gryphon or DIGER, which rank candidate lists.
Not from a paper: on Amazon Beauty the users whose target followed their newest item somewhere in training carry
most of every model's NDCG@10, and the counts remember those pairs better than any model here (BENCHMARKS.md).`,
    options: {
      model: { type: 'string', description: 'Trained model directory' },
      data: { type: 'string', description: 'Dataset directory (default: the one the model was trained on)' },
      weights: { type: 'string', description: 'Candidate weights w, comma-separated (0 = the model alone)', default: DEFAULT_TRANSITION_WEIGHTS },
      'history-cap': { type: 'number', integer: true, min: 1, description: 'Most recent items kept as history', default: 50 },
      ...familyUseOptions,
      quiet: { type: 'boolean', description: 'No progress bars', default: false },
    },
  },
  async run(o) {
    if (!o.model) throw new SidrecError('E_CONFIG', 'missing --model (a trained model directory)', { field: 'model' });
    const weights = [
      ...new Set(
        String(o.weights)
          .split(',')
          .filter((s) => s.trim() !== '')
          .map(Number),
      ),
    ].sort((a, b) => a - b);
    if (weights.length === 0 || weights.some((w) => !Number.isFinite(w) || w < 0))
      throw new SidrecError('E_CONFIG', `--weights must be non-negative numbers, got "${o.weights}"`, { field: 'weights' });
    const manifest = readManifest(o.model);
    if (manifest.inProgress) throw new SidrecError('E_STATE', 'training has not finished: the prior is fitted to a finished model', { file: o.model });
    const family = familyOf(manifest.kind, o.model);
    // The prior is added to exact scores: RPG scores every item here, whatever its decoding default.
    const decode = 'decode' in family.useOptions ? { decode: 'exact' } : {};
    const given = flagsFor(family, (f) => f.useOptions, o);
    const opened = family.scorer(o.model, manifest, { ...decode, ...given, transitions: 'off' });
    const dataDir = o.data ?? manifest.dataDir;
    const sp = split(loadDataset(dataDir), { historyCap: o['history-cap'] });
    if (sp.numItems !== manifest.numItems)
      throw new SidrecError('E_STATE', `model has ${manifest.numItems} items, dataset has ${sp.numItems}`, { file: dataDir });
    const scorer = opened.scorer(sp);
    if (scorer.kind !== 'scores')
      throw new SidrecError('E_CONFIG', `model kind "${manifest.kind}" ranks candidate lists; the transition prior needs every item scored`, {
        field: 'model',
      });
    const table = fitBigram(sp);
    const progress = !o.quiet;
    const valid = await sweepTransitionWeights(scorer, sp, 'valid', table, weights, { progress });
    const test = await sweepTransitionWeights(scorer, sp, 'test', table, weights, { progress });
    const weight = bestTransitionWeight(valid);
    saveTransitions(o.model, {
      numItems: sp.numItems,
      table,
      weight,
      report: {
        weights,
        valid: valid.ndcg10,
        test: test.ndcg10,
        metric: 'ndcg@10',
        data: resolve(dataDir),
        options: given,
        sweeps: [{ ...valid }, { ...test }],
      },
    });
    process.stdout.write(`${opened.label}: score + w * log(1 + transition count), w chosen on validation NDCG@10\n`);
    for (const sweep of [valid, test]) process.stdout.write(sweepTable(sweep, weight));
    process.stdout.write(`w = ${weight} -> ${resolve(o.model, TRANSITIONS_FILE)}\n`);
    if (weights.length > 1 && weight === weights[weights.length - 1])
      process.stderr.write(`sidrec transitions: the largest weight tried (${weight}) was the best; a larger one may be better: add it to --weights\n`);
  },
});

function sweepTable(s: TransitionSweep, chosen: number): string {
  const lines = [
    `\n${s.part}: ${s.users} users, ${s.seenUsers} (${((100 * s.seenUsers) / s.users).toFixed(1)}%) whose newest item -> target pair occurs in training`,
    `${'w'.padStart(7)} ${'R@10'.padStart(7)} ${'N@10'.padStart(7)} ${'N@10 seen'.padStart(10)} ${'N@10 unseen'.padStart(12)}`,
  ];
  s.weights.forEach((w, k) => {
    const cells = [
      s.recall10[k].toFixed(4).padStart(7),
      s.ndcg10[k].toFixed(4).padStart(7),
      s.ndcg10Seen[k].toFixed(4).padStart(10),
      s.ndcg10Unseen[k].toFixed(4).padStart(12),
    ];
    lines.push(`${String(w).padStart(7)} ${cells.join(' ')}${w === chosen ? '   <- chosen' : ''}`);
  });
  return `${lines.join('\n')}\n`;
}
