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
import { bestTransitionPrior, bestTransitionWeight, sweepTransitionPriors, type TransitionSweep } from '../eval/transition-weights.js';
import { familyOf } from '../families/index.js';
import { readManifest, servedEpoch } from '../model/manifest.js';
import { fitBigram } from '../model/baselines.js';
import { NEWEST_ITEM } from '../model/transition-counts.js';
import { saveTransitions, TRANSITIONS_FILE } from '../model/transitions.js';
import { defineCommand } from './command.js';
import { flagsFor, mergedFamilyOptions } from './family-options.js';

/** The families' use-options (GRank's --ranking generator, ...), without --transitions: this command fits it. */
const { transitions: _fitted, ...familyUseOptions } = mergedFamilyOptions((f) => f.useOptions);

export const DEFAULT_TRANSITION_WEIGHTS = '0,0.5,1,2,4,8,16,32,64,128';
export const DEFAULT_TRANSITION_DECAYS = '0,0.25,0.5,0.75';

export const transitionsCommand = defineCommand({
  spec: {
    name: 'transitions',
    summary: "Add the training data's item-to-item transition counts to a model's scores, weighted on validation",
    details: `Examples:
  sidrec transitions --model runs/beauty/rpg
  sidrec transitions --model runs/beauty/sasrec --weights 0,1,2,4,8 --decays 0     (the newest item alone)
  sidrec transitions --model runs/beauty/grank --ranking generator    (then evaluate / serve with --ranking generator)
  sidrec evaluate --model runs/beauty/rpg --decode exact --transitions off      (the model alone again)
Every item's score becomes score + w * sum over k < --window of decay^k * log(1 + c_k), c_k = how often the item
followed the history's k-th newest item in the training sequences (decay 0: the newest item alone, what the item
bigram counts). One pass over the validation and the test users ranks every target under each (decay, w) of
--decays x --weights; the pair with the best validation NDCG@10 is kept (w 0 = the model alone, kept when nothing
beats it; ties go to the smaller decay and weight). The counts and w go to MODEL/${TRANSITIONS_FILE}; evaluate, recommend and serve add them to
the model's scores from then on (--transitions off: not). On a run still training it fits the best epoch so far and
records which; when training keeps a better epoch, the prior is refused until sidrec transitions runs again. Models that score every item only: SASRec, the Markov
chain, RPG (with a prior it scores every item instead of graph decoding), GRank's generator alone (--ranking
generator, given again when it is used); not TIGER, Gryphon or DIGER, which rank candidate lists.
Not from a paper: on Amazon Beauty the users whose target followed their newest item somewhere in training carry
most of every model's NDCG@10, and the counts remember those pairs better than any model here (BENCHMARKS.md).`,
    options: {
      model: { type: 'string', description: 'Trained model directory' },
      data: { type: 'string', description: 'Dataset directory (default: the one the model was trained on)' },
      weights: { type: 'string', description: 'Candidate weights w, comma-separated (0 = the model alone)', default: DEFAULT_TRANSITION_WEIGHTS },
      decays: {
        type: 'string',
        description: 'Candidate decays, comma-separated: the k-th newest history item counts decay^k (0 = the newest item alone)',
        default: DEFAULT_TRANSITION_DECAYS,
      },
      window: { type: 'number', integer: true, min: 1, description: 'Newest history items the prior reads', default: 5 },
      'history-cap': { type: 'number', integer: true, min: 1, description: 'Most recent items kept as history', default: 50 },
      ...familyUseOptions,
      quiet: { type: 'boolean', description: 'No progress bars', default: false },
    },
  },
  async run(o) {
    if (!o.model) throw new SidrecError('E_CONFIG', 'missing --model (a trained model directory)', { field: 'model' });
    const weights = numberList(o.weights, 'weights', (w) => Number.isFinite(w) && w >= 0, 'non-negative numbers');
    const decays = numberList(o.decays, 'decays', (d) => d >= 0 && d <= 1, 'numbers in [0, 1]');
    const window = o.window;
    const manifest = readManifest(o.model);
    const family = familyOf(manifest.kind, o.model);
    // The prior is added to exact scores: RPG scores every item here, whatever its decoding default.
    const decode = 'decode' in family.useOptions ? { decode: 'exact' } : {};
    const given = flagsFor(family, (f) => f.useOptions, o);
    // The epoch whose weights are read (a run under way may keep a better one meanwhile: then the read is redone).
    const modelEpoch = servedEpoch(o.model, manifest);
    const opened = family.scorer(o.model, manifest, { ...decode, ...given, transitions: 'off' });
    if (servedEpoch(o.model, manifest) !== modelEpoch)
      throw new SidrecError('E_STATE', 'training kept a better epoch while its weights were being read: run sidrec transitions again', {
        file: o.model,
      });
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
    const valid = await sweepTransitionPriors(scorer, sp, 'valid', table, weights, decays, window, { progress });
    const test = await sweepTransitionPriors(scorer, sp, 'test', table, weights, decays, window, { progress });
    const best = bestTransitionPrior(valid);
    const { weight } = best;
    const decay = decays[best.sweep];
    // Decay 0 reads the newest item alone, whatever the window: stored as such.
    const reach = decay === 0 ? NEWEST_ITEM : { window, decay };
    saveTransitions(o.model, {
      ...(modelEpoch !== undefined ? { modelEpoch } : {}),
      numItems: sp.numItems,
      table,
      weight,
      reach,
      report: {
        weights,
        valid: valid[best.sweep].ndcg10,
        test: test[best.sweep].ndcg10,
        decays,
        byDecay: decays.map((d, k) => ({ decay: d, valid: valid[k].ndcg10, test: test[k].ndcg10 })),
        metric: 'ndcg@10',
        data: resolve(dataDir),
        options: given,
        sweeps: [...valid, ...test].map((sweep) => ({ ...sweep })),
      },
    });
    process.stdout.write(
      `${opened.label}: score + w * sum_k decay^k * log(1 + count(k-th newest item -> item)), k < ${window}; decay and w chosen on validation NDCG@10\n`,
    );
    process.stdout.write(decayTable(valid, test));
    for (const sweep of [valid[best.sweep], test[best.sweep]]) process.stdout.write(sweepTable(sweep, weight));
    process.stdout.write(`decay ${decay}, w = ${weight} -> ${resolve(o.model, TRANSITIONS_FILE)}\n`);
    if (manifest.inProgress)
      process.stdout.write(
        `a run under way: the prior is fitted to its best epoch so far (${modelEpoch}); once training keeps a better one, evaluate, recommend and serve refuse the prior until sidrec transitions runs again\n`,
      );
    if (weights.length > 1 && weight === weights[weights.length - 1])
      process.stderr.write(`sidrec transitions: the largest weight tried (${weight}) was the best; a larger one may be better: add it to --weights\n`);
  },
});

/** A comma-separated option as distinct sorted numbers, each passing `ok`; the error names the flag. */
function numberList(value: unknown, flag: string, ok: (v: number) => boolean, what: string): number[] {
  const values = [
    ...new Set(
      String(value)
        .split(',')
        .filter((s) => s.trim() !== '')
        .map(Number),
    ),
  ].sort((a, b) => a - b);
  if (values.length === 0 || values.some((v) => Number.isNaN(v) || !ok(v)))
    throw new SidrecError('E_CONFIG', `--${flag} must be ${what}, comma-separated; got "${String(value)}"`, { field: flag });
  return values;
}

/** Each decay's best weight on validation, with its validation and test NDCG@10. */
function decayTable(valid: readonly TransitionSweep[], test: readonly TransitionSweep[]): string {
  const lines = [`\n${'decay'.padStart(7)} ${'best w'.padStart(7)} ${'valid N@10'.padStart(11)} ${'test N@10'.padStart(10)}`];
  valid.forEach((sweep, d) => {
    const k = sweep.weights.indexOf(bestTransitionWeight(sweep));
    lines.push(
      `${String(sweep.decay).padStart(7)} ${String(sweep.weights[k]).padStart(7)} ${sweep.ndcg10[k].toFixed(4).padStart(11)} ${test[d].ndcg10[k].toFixed(4).padStart(10)}`,
    );
  });
  return `${lines.join('\n')}\n`;
}

function sweepTable(s: TransitionSweep, chosen: number): string {
  const lines = [
    `\n${s.part}, decay ${s.decay}: ${s.users} users, ${s.seenUsers} (${((100 * s.seenUsers) / s.users).toFixed(1)}%) whose newest item -> target pair occurs in training`,
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
