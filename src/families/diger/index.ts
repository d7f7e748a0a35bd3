/**
 * The DIGER family (Fu et al., "DIGER: differentiable Semantic IDs", arXiv 2601.19711): an RQ-VAE tokenizer,
 * pre-trained as TIGER's (beta .25, k-means initialisation; pretrained.ts), whose codebooks then train on in the same
 * steps as a TIGER encoder-decoder through a straight-through Gumbel code assignment with an uncertainty-decay
 * schedule (model.ts, decay.ts), the recommender reading each epoch's SIDs. When training ends, the best epoch's SIDs
 * are frozen into an ordinary SID directory (OUT/sids: tokenizer, table, report with the share of items whose SID
 * changed; OUT/sids-changed.tsv lists them), so decoding, evaluation and serving open it as a TIGER model; a run
 * still under way opens from its best weights (in-progress.ts).
 *
 * `--sid-mode static` trains the same TIGER on the pre-trained SIDs with the tokenizer frozen: the baseline at
 * the same features, model size and budget.
 */
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { SidrecError } from '../../core/errors.js';
import { withDefaults, type OptionSpecs } from '../../core/option-spec.js';
import { sampleValidation } from '../../data/index.js';
import { parseFeatureSpec } from '../../features/dataset.js';
import { MODEL_FILES } from '../../model/files.js';
import { saveDatasetSids } from '../../tokenize/index.js';
import { tableReport } from '../../tokenize/report.js';
import { RqVaeTokenizer } from '../../tokenize/rqvae.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';
import { sidBatchHooks, sidExamples, type SidBatchContext } from '../../train/tiger-batches.js';
import type { TrainingPlan } from '../../train/run.js';
import type { SidBatch } from '../../model/sid-batch.js';
import { defineFamily, type ModelFamily, type TrainInput } from '../family.js';
import { architectureOptions, batchingOption, checkHeads, validUsersOption, type Batching } from '../options.js';
import { openSidModel, recordedTestBeam, type EmbeddedSidModel, type LoadedSidModel } from '../tiger/open.js';
import type { ModelManifest } from '../../model/manifest.js';
import { openSidGenerative, SidGenerativeRecommender } from '../tiger/recommender.js';
import { exportSidGenerative } from '../tiger/export.js';
import { checkHistories } from '../export-check.js';
import { evaluateSid, tigerScorer } from '../tiger/train.js';
import { TigerRecommender } from '../../decode/beam-tiger.js';
import { Tiger } from '../../model/tiger.js';
import { DEFAULT_DECAY, SID_MODES, type DecayConfig, type SidMode } from './decay.js';
import { Diger, refreshDigerTable, type SidGradient } from './model.js';
import { epochSids, forgetEpochSids } from './epoch-sids.js';
import { openDigerInProgress } from './in-progress.js';
import { pretrainedSids, tokenizerFeatures, tokenizerLatents } from './pretrained.js';
import { noiseReport } from './noise-check.js';

const KIND = 'diger';
/** The items whose SIDs training moved (changedSidsTsv), beside the model. */
const CHANGED_FILE = 'sids-changed.tsv';
const EMBEDDED: EmbeddedSidModel = { kind: 'tiger', prefix: 'tiger.' };

const trainOptions: OptionSpecs = {
  ...architectureOptions({ dim: 128, layers: 6, heads: 4, ffn: 512, dropout: 0.1 }, { layers: 'per stack: encoder and decoder' }),
  history: { type: 'number', integer: true, min: 1, description: 'History items the encoder reads', default: 50 },
  ...batchingOption('uniform'),
  sids: { type: 'string', description: 'A pre-trained RQ-VAE SID directory (sidrec tokenize --kind rqvae); default: fit one here into OUT/sids-initial' },
  'sid-features': { type: 'string', description: 'Feature spec when fitting SIDs here (as sidrec tokenize --features)', default: 'text' },
  'sid-codebook-size': { type: 'number', integer: true, min: 2, max: 65536, description: 'Codes per digit when fitting SIDs here', default: 256 },
  levels: { type: 'number', integer: true, min: 1, max: 8, description: 'RQ-VAE levels when fitting SIDs here', default: 3 },
  'sid-mode': {
    type: 'string',
    choices: [...SID_MODES],
    description: 'static: tokenizer frozen (TIGER on the pre-trained SIDs); gumbel: constant noise; frequency / std: the two decay schedules',
    default: 'frequency',
  },
  tau: { type: 'number', min: 0.01, description: 'Gumbel-softmax temperature', default: DEFAULT_DECAY.tau },
  'noise-scale': {
    type: 'number',
    min: 0,
    description:
      'Gumbel noise scale (gumbel, frequency): absolute, against the squared-distance gaps between codes of this RQ-VAE (the run logs how many codes one draw changes)',
    default: DEFAULT_DECAY.noiseScale,
  },
  'hot-ratio': { type: 'number', min: 1, description: 'frequency: a code is hot above this multiple of uniform use', default: DEFAULT_DECAY.hotRatio },
  'usage-momentum': { type: 'number', min: 0, max: 0.9999, description: 'frequency: usage EMA momentum', default: DEFAULT_DECAY.momentum },
  'sigma-lambda': { type: 'number', min: 0, description: 'std: lambda in L/(2(sigma+lambda)^2) + log(sigma+lambda)', default: DEFAULT_DECAY.lambda },
  'sigma-lr': { type: 'number', min: 0, description: 'std: learning rate of sigma', default: 1e-3 },
  'sigma-init': {
    type: 'number',
    min: 0,
    description: "std: sigma's starting value, the noise scale at the start (absolute, as --noise-scale: the run logs what it does to the codes)",
    default: 1,
  },
  'tokenizer-lr': { type: 'number', min: 0, description: 'Learning rate of the tokenizer (the recommender uses --lr)', default: 1e-5 },
  'sid-gradient': {
    type: 'string',
    choices: ['none', 'recommendation'],
    description:
      "recommendation: the recommendation loss reaches the codebooks through each item's soft assignment (the epoch's SIDs still read and predicted as they are); none: only the tokenizer's own loss moves them",
    default: 'none',
  },
  'tokenizer-weight': { type: 'number', min: 0, description: "Weight of the tokenizer's loss (latent reconstruction + codebook + commitment)", default: 1 },
  'collision-codes': {
    type: 'number',
    integer: true,
    min: 1,
    description: 'Codes of the collision digit (default: twice the largest pre-trained group, at least 4)',
  },
  'valid-beam': { type: 'number', integer: true, min: 1, description: 'Beam width for validation', default: 10 },
  'test-beam': { type: 'number', integer: true, min: 1, description: 'Beam width for the test evaluation', default: 20 },
  ...validUsersOption(2000),
};

const HELP = `DIGER: the RQ-VAE tokenizer (pre-trained here on --sid-features into OUT/sids-initial, or --sids DIR of
sidrec tokenize --kind rqvae) keeps training its codebooks beside a TIGER encoder-decoder (--layers per stack) that
reads each epoch's SIDs; codes are drawn by a straight-through Gumbel softmax: --sid-mode frequency (noise on items
whose first code is over-used), std (a learnable noise scale that decays with the loss), gumbel (constant noise) or
static (tokenizer frozen: the TIGER baseline). --tokenizer-lr is the codebooks' learning rate (the recommender's is
--lr; the tokenizer's encoder stays as pre-trained). --sid-gradient recommendation lets the recommendation loss reach
the codebooks too (through each item's soft assignment, the epoch's SIDs read and predicted as they are). Each
epoch's validation records code use and perplexity per level and the share of items whose SID moved; at the end the
best epoch's SIDs are frozen into OUT/sids, an ordinary SID directory.`;

const useOptions: OptionSpecs = { beam: { type: 'number', integer: true, min: 1, description: 'Beam width (default: the test beam recorded at training)' } };

/** The items whose tokenizer digits differ between two tables of the same items. */
export function movedItems(before: SemanticIdTable, after: SemanticIdTable): number[] {
  const levels = before.shape.baseDigits;
  const moved: number[] = [];
  for (let i = 0; i < before.count; i++) {
    const a = before.codesOf(i);
    const b = after.codesOf(i);
    for (let l = 0; l < levels; l++)
      if (a[l] !== b[l]) {
        moved.push(i);
        break;
      }
  }
  return moved;
}

/** The moved items, one line each: `id<TAB>before<TAB>after` (codes joined by -). */
export function changedSidsTsv(before: SemanticIdTable, after: SemanticIdTable, moved: readonly number[], ids: readonly string[]): string {
  const levels = before.shape.baseDigits;
  const sid = (table: SemanticIdTable, i: number): string => Array.from(table.codesOf(i).subarray(0, levels)).join('-');
  return `${['id\tbefore\tafter', ...moved.map((i) => `${ids[i]}\t${sid(before, i)}\t${sid(after, i)}`)].join('\n')}\n`;
}

/** Code use per tokenizer level (tableReport's): share of codes used and perplexity. */
function codeUse(table: SemanticIdTable): { readonly used: number[]; readonly perplexity: number[] } {
  const { perDigit } = tableReport('rqvae', table);
  return { used: perDigit.map((d) => d.utilisation), perplexity: perDigit.map((d) => d.perplexity) };
}

function plan(input: TrainInput, flags: Readonly<Record<string, string | number | boolean | undefined>>): TrainingPlan<SidBatch | Int32Array, SidBatch> {
  const o = withDefaults(trainOptions, flags) as Record<string, number | string | undefined>;
  const n = (name: string): number => o[name] as number;
  checkHeads(n('dim'), n('heads'));
  const pre = pretrainedSids(input, o.sids as string | undefined, {
    features: o['sid-features'] as string,
    levels: n('levels'),
    codebookSize: n('sid-codebook-size'),
  });
  if (pre.table.count !== input.split.numItems)
    throw new SidrecError('E_STATE', `SID table has ${pre.table.count} items, dataset ${input.split.numItems}`, { file: pre.dir, field: 'sids' });
  const log = (line: string) => {
    if (!input.run.quiet) process.stderr.write(`diger: ${line}\n`);
  };
  log(`features ${pre.features} for ${input.split.numItems} items ...`);
  const latents = tokenizerLatents(input.run.dir, pre, () => tokenizerFeatures(input.dataset, input.split, pre), {
    reuse: input.run.resume === true,
    save: true,
  });
  const largest = pre.table.collisionStats().largestGroup;
  const decay: DecayConfig = {
    mode: o['sid-mode'] as SidMode,
    tau: n('tau'),
    noiseScale: n('noise-scale'),
    hotRatio: n('hot-ratio'),
    momentum: n('usage-momentum'),
    lambda: n('sigma-lambda'),
  };
  const lr = input.train.lr;
  const model = new Diger(
    { dim: n('dim'), encoderLayers: n('layers'), decoderLayers: n('layers'), heads: n('heads'), ffn: n('ffn'), dropout: n('dropout'), maxItems: n('history') },
    pre.tokenizer.network,
    latents,
    {
      decay,
      tokenizerLrScale: n('tokenizer-lr') / lr,
      sigmaLrScale: n('sigma-lr') / lr,
      sigmaInit: n('sigma-init'),
      tokenizerWeight: n('tokenizer-weight'),
      collisionCodes: o['collision-codes'] !== undefined ? n('collision-codes') : Math.max(4, 2 * largest),
      sidGradient: o['sid-gradient'] as SidGradient,
    },
    input.train.seed,
  );
  const initial = model.table;
  if (!input.run.resume) forgetEpochSids(input.run.dir);
  log(`${decay.mode}: ${pre.table.digits} digits, largest collision group ${largest}, collision digit of ${model.options.collisionCodes} codes`);
  if (decay.mode !== 'static' && !input.run.quiet) {
    // The noise scale is absolute: say what it does to this latent's codes (std starts at |sigma| = --sigma-init).
    const scale = decay.mode === 'std' ? n('sigma-init') : decay.noiseScale;
    const rows = Math.min(latents.count, 2000);
    const net = pre.tokenizer.network;
    const report = noiseReport(
      latents.data.subarray(0, rows * latents.dim),
      rows,
      net.codebooks.map((c) => c.f32),
      [scale],
    );
    const pct = (v: number): string => `${Math.round(100 * v)}%`;
    log(
      `noise scale ${scale}: one noisy draw changes ${report.map((r) => pct(r.changed[0])).join(' / ')} of the codes at levels ${report.map((r) => r.level).join(' / ')} (median nearest-vs-second gaps ${report.map((r) => r.gapMedian.toPrecision(2)).join(' / ')})${report[0].changed[0] > 0.5 ? '; the noise overwhelms this latent: a smaller --noise-scale keeps codes near their choice (node dist/bench/diger-noise.js compares scales)' : ''}`,
    );
  }
  const examples = sidExamples(input.split.train);
  const maxItems = model.tiger.config.maxItems;
  const validSplit = sampleValidation(input.split, n('valid-users'), input.train.seed);
  const testBeam = n('test-beam');
  // The SIDs of the codebooks at the epoch's start (which train on), kept so that a resume inside it reads them.
  const contextOf = (epoch: number): SidBatchContext => {
    const table = epochSids(input.run.dir, epoch, model);
    const vocab = model.tiger.vocab;
    return { vocab, table, itemTokens: vocab.itemTokens(table), maxItems };
  };
  return {
    kind: KIND,
    numItems: input.split.numItems,
    dataDir: input.dataDir,
    model,
    hooks: {
      ...sidBatchHooks(examples, o.batching as Batching, input.train.batchSize, contextOf),
      validate: async (_epoch, signal) => {
        const table = refreshDigerTable(model);
        const metrics = (await evaluateSid(model.tiger, table, validSplit, 'valid', n('valid-beam'), { metrics: ['ndcg@10', 'recall@10'], signal })).primary
          .metrics;
        const use = codeUse(table);
        const perLevel = Object.fromEntries(
          use.used.flatMap((u, l) => [
            [`codes-used@${l}`, u],
            [`perplexity@${l}`, use.perplexity[l]],
          ]),
        );
        return { ...metrics, ...perLevel, 'sids-changed': movedItems(initial, table).length / table.count, sigma: model.sigma.f32[0] };
      },
    },
    settings: {
      kind: KIND,
      numItems: input.split.numItems,
      config: model.config,
      data: resolve(input.dataDir),
      initialSids: resolve(pre.dir),
      features: pre.features,
      batching: o.batching,
    },
    // Runs from before --sigma-init / --sid-gradient / a recorded draw.
    addedSettings: { 'config.diger.sigmaInit': 1, 'config.diger.sidGradient': 'none', batching: 'length-bucketed' },
    async finish(run) {
      const table = refreshDigerTable(model); // the best epoch's weights are loaded
      const sidsDir = join(run.dir, MODEL_FILES.sidsDir);
      const moved = movedItems(initial, table);
      const changed = moved.length / table.count;
      const use = codeUse(table);
      const report = {
        ...tableReport('rqvae', table),
        fittedItems: 0,
        features: parseFeatureSpec(pre.features, 'sid-features'),
        diger: { initialSids: resolve(pre.dir), sidsChanged: changed, codesUsed: use.used, perplexity: use.perplexity, mode: decay.mode },
      };
      saveDatasetSids(sidsDir, { tokenizer: RqVaeTokenizer.fromNetwork(model.tokenizer), table, report });
      writeFileAtomic(join(run.dir, CHANGED_FILE), changedSidsTsv(initial, table, moved, input.dataset.itemIds));
      const test = await evaluateSid(model.tiger, table, input.split, 'test', testBeam, {
        signal: run.signal,
        ...(run.quiet === true ? {} : { progressLabel: `test, beam ${testBeam}` }),
      });
      return {
        test: test.primary,
        tables: [{ label: `diger ${decay.mode} (test)`, result: test.primary }],
        notes: [
          `SIDs changed for ${(100 * changed).toFixed(1)}% of items; codes used per level ${use.used.map((u) => `${(100 * u).toFixed(0)}%`).join(' / ')}`,
        ],
        manifest: {
          sids: resolve(sidsDir),
          sid: { testBeam, validBeam: n('valid-beam'), validUsers: n('valid-users') },
          diger: report.diger,
        },
      };
    },
  };
}

/** A finished DIGER directory opens as the TIGER on its frozen SIDs; a run in progress from its best weights. */
function openDiger(dir: string, manifest: ModelManifest): LoadedSidModel {
  return manifest.inProgress ? openDigerInProgress(dir, manifest) : openSidModel(dir, manifest, EMBEDDED);
}

export const digerFamily: ModelFamily = defineFamily({
  kind: KIND,
  summary: 'DIGER (2026): Semantic IDs learned with a TIGER recommender (straight-through Gumbel codes, uncertainty decay)',
  trainOptions,
  trainHelp: HELP,
  useOptions,
  plan,
  scorer(dir, manifest, flags) {
    const { model, table } = openDiger(dir, manifest);
    if (!(model instanceof Tiger)) throw new SidrecError('E_STATE', 'a DIGER model directory holds a TIGER', { file: dir, field: 'kind' });
    const beamWidth = (flags.beam as number | undefined) ?? recordedTestBeam({ ...manifest, kind: 'tiger' });
    return { label: `diger beam ${beamWidth}`, scorer: () => tigerScorer(new TigerRecommender(model, table, { beamWidth })) };
  },
  recommender(dir, manifest, _context, flags) {
    const options = { beamWidth: flags.beam as number | undefined };
    if (manifest.inProgress) return new SidGenerativeRecommender(openDigerInProgress(dir, manifest), options);
    return openSidGenerative(dir, manifest, options, EMBEDDED);
  },
  export(dir, manifest, context, out, options = {}) {
    const loaded = openDiger(dir, manifest);
    if (!(loaded.model instanceof Tiger)) throw new SidrecError('E_STATE', 'a DIGER model directory holds a TIGER', { file: dir, field: 'kind' });
    return exportSidGenerative(loaded, dir, manifest, context.items, checkHistories(loaded.table.count, loaded.model.config.maxItems), out, options);
  },
});
