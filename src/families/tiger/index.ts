/**
 * The TIGER (Rajput et al., NeurIPS 2023) and Gryphon families: hierarchical Semantic IDs (RQ-KMeans / RQ-VAE or
 * imported, with a collision digit) generated digit by digit by a T5-style encoder-decoder with trie-constrained
 * beam search; Gryphon adds an item-level scorer that re-ranks the resolved candidates. Both live here (Gryphon
 * is TIGER plus the scorer): one folder, two table lines.
 */
import { SidrecError } from '../../core/errors.js';
import { withDefaults, type OptionSpecs } from '../../core/option-spec.js';
import { DEFAULT_GRYPHON_CONFIG as G } from '../../model/gryphon.js';
import { defineFamily, type ModelFamily } from '../family.js';
import { architectureOptions, batchingOption, checkHeads, sidOptions, validUsersOption } from '../options.js';
import { sidsForRun } from '../sids.js';
import { openSidModel, recordedTestBeam } from './open.js';
import { openSidGenerative } from './recommender.js';
import { DEFAULT_SID_RUN, gryphonScorer, sidPlan, tigerScorer, type SidModelKind } from './train.js';
import { isHierarchical } from '../../tokenize/sid-table.js';
import { GryphonRecommender, TigerRecommender } from '../../decode/beam-tiger.js';
import { Tiger } from '../../model/tiger.js';
import { checkHistories } from '../export-check.js';
import { exportSidGenerative } from './export.js';

const sidTrainOptions = (testBeam: number): OptionSpecs => ({
  ...architectureOptions(
    { dim: G.dim, layers: G.encoderLayers, heads: G.heads, ffn: G.ffn, dropout: G.dropout },
    {
      layers: 'per stack: encoder and decoder',
      heads: 'unless --head-dim is given',
    },
  ),
  ...sidOptions(
    'SIDs: a hierarchical sidrec tokenize directory (rqkmeans / rqvae / --import; or a model directory); default: fit RQ-KMeans here into OUT/sids',
    'text',
  ),
  'head-dim': {
    type: 'number',
    integer: true,
    min: 1,
    description: "Width of each attention head (T5's d_kv); heads x head-dim need not be --dim: the reference TIGER is 6 x 64 on d 128 (default: dim / heads)",
  },
  levels: { type: 'number', integer: true, min: 1, max: 8, description: 'RQ-KMeans levels when fitting SIDs here', default: 3 },
  'valid-beam': { type: 'number', integer: true, min: 1, description: 'Beam width for validation', default: DEFAULT_SID_RUN.validBeam },
  'test-beam': { type: 'number', integer: true, min: 1, description: 'Beam width for the test evaluation', default: testBeam },
  'examples-per-user': { type: 'number', integer: true, min: 1, description: "Keep each user's most recent N training prefixes (default: all)" },
  'init-from': {
    type: 'string',
    description: 'Start from the best weights of another tiger/gryphon run DIR on the same data and SIDs (a Gryphon from a TIGER starts its item scorer fresh)',
  },
  ...batchingOption('uniform'),
  ...validUsersOption(DEFAULT_SID_RUN.validUsers),
});

const HELP = `TIGER / Gryphon: --sids DIR is a hierarchical SID directory (sidrec tokenize --kind rqkmeans, or --import of
published SIDs; collision digit added); without it, RQ-KMeans (--levels x --sid-codebook-size) is fitted here on
--sid-features into OUT/sids. --layers is per stack. Validation: beam --valid-beam over --valid-users sampled users;
test: beam --test-beam, all users. Gryphon reports its item-level ranking and the beam-likelihood ranking of the
same candidates.`;

function sidFamily(kind: SidModelKind, summary: string, testBeam: number, extra: OptionSpecs, useOptions: OptionSpecs): ModelFamily {
  const trainOptions = { ...sidTrainOptions(testBeam), ...extra };
  return defineFamily({
    kind,
    summary,
    trainOptions,
    trainHelp: HELP,
    useOptions,
    plan(input, flags) {
      const o = withDefaults(trainOptions, flags) as Record<string, number | string | undefined>;
      const n = (name: string): number => o[name] as number;
      checkHeads(n('dim'), n('heads'), o['head-dim'] as number | undefined);
      const sids = sidsForRun(input, o.sids as string | undefined, {
        features: o['sid-features'] as string,
        config: { kind: 'rqkmeans', levels: n('levels'), codebookSize: n('sid-codebook-size') },
        seed: input.train.seed,
      });
      if (!isHierarchical(sids.table.shape))
        throw new SidrecError('E_CONFIG', `${kind} needs hierarchical SIDs (sidrec tokenize --kind rqkmeans, or --import)`, { file: sids.dir, field: 'sids' });
      if (sids.table.count !== input.split.numItems)
        throw new SidrecError('E_STATE', `SID table has ${sids.table.count} items, dataset ${input.split.numItems}`, { file: sids.dir, field: 'sids' });
      const stats = sids.table.collisionStats();
      if (!input.run.quiet)
        process.stderr.write(
          `sids: ${sids.table.digits} digits, collisions ${(100 * stats.collisionRate).toFixed(1)}% (largest group ${stats.largestGroup})\n`,
        );
      // lambda is in TIGER's recorded config too (run.json of runs before families): kept, so they resume.
      const arch = {
        dim: n('dim'),
        encoderLayers: n('layers'),
        decoderLayers: n('layers'),
        heads: n('heads'),
        ...(o['head-dim'] !== undefined ? { headDim: n('head-dim') } : {}),
        ffn: n('ffn'),
        dropout: n('dropout'),
        lambda: o.lambda !== undefined ? n('lambda') : G.lambda,
      };
      return sidPlan(kind, input.split, input.dataDir, sids, arch, input.train, input.run, {
        validBeam: n('valid-beam'),
        validUsers: n('valid-users'),
        testBeam: n('test-beam'),
        ...(o['examples-per-user'] !== undefined ? { examplesPerUser: n('examples-per-user') } : {}),
        ...(o['init-from'] !== undefined ? { initFrom: o['init-from'] as string } : {}),
        batching: o.batching as 'uniform' | 'length-bucketed',
      });
    },
    scorer(dir, manifest, flags) {
      const loaded = openSidModel(dir, manifest);
      const beamWidth = (flags.beam as number | undefined) ?? recordedTestBeam(manifest);
      const ranking = (flags.ranking as 'item' | 'beam' | undefined) ?? 'item';
      const m = loaded.model;
      return {
        label: m instanceof Tiger ? `tiger beam ${beamWidth}` : `gryphon ${ranking}-level, beam ${beamWidth}`,
        scorer: () =>
          m instanceof Tiger
            ? tigerScorer(new TigerRecommender(m, loaded.table, { beamWidth }))
            : gryphonScorer(new GryphonRecommender(m, loaded.table, { beamWidth }), ranking),
      };
    },
    recommender(dir, manifest, _context, flags) {
      return openSidGenerative(dir, manifest, { beamWidth: flags.beam as number | undefined, ranking: flags.ranking as 'item' | 'beam' | undefined });
    },
    export(dir, manifest, context, out, options = {}) {
      const loaded = openSidModel(dir, manifest);
      const tiger = loaded.model instanceof Tiger ? loaded.model : loaded.model.tiger;
      return exportSidGenerative(loaded, dir, manifest, context.items, checkHistories(loaded.table.count, tiger.config.maxItems), out, options);
    },
  });
}

const beamOption: OptionSpecs = { beam: { type: 'number', integer: true, min: 1, description: 'Beam width (default: the test beam recorded at training)' } };

export const tigerFamily: ModelFamily = sidFamily(
  'tiger',
  'TIGER (NeurIPS 2023): hierarchical Semantic IDs generated by an encoder-decoder, beam search',
  20,
  {},
  beamOption,
);

export const gryphonFamily: ModelFamily = sidFamily(
  'gryphon',
  "Gryphon: TIGER plus an item-level scorer that re-ranks the beam's resolved candidates",
  50,
  { lambda: { type: 'number', min: 0, description: 'Weight of the item-level loss', default: G.lambda } },
  {
    ...beamOption,
    ranking: {
      type: 'string',
      choices: ['item', 'beam'],
      description: 'Rank resolved candidates by the item-level scorer or by beam likelihood',
      default: 'item',
    },
  },
);
