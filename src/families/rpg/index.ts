/**
 * The RPG family (Hou et al., KDD 2025, "Generating Long Semantic IDs in Parallel"): items as long flat OPQ codes,
 * a causal transformer over mean-of-codes inputs, one softmax per digit predicted in parallel, and
 * graph-constrained decoding over an item graph built after training.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import { withDefaults } from '../../core/option-spec.js';
import { DEFAULT_GRAPH_SEARCH as G, graphScorer } from '../../decode/graph.js';
import { DEFAULT_ITEM_GRAPH, openItemGraph } from '../../decode/item-graph.js';
import { MODEL_FILES } from '../../model/files.js';
import { loadItemCodes, sidsFromTable } from '../../model/rpg-io.js';
import { rpgExactScorer } from '../../model/rpg-score.js';
import { DEFAULT_RPG_CONFIG as R, type ItemCodes, type ResidualInit } from '../../model/rpg.js';
import { defineFamily, type ModelFamily } from '../family.js';
import { architectureOf, architectureOptions, batchingOption, checkHeads, sidOptions, validUsersOption } from '../options.js';
import { sidsForRun } from '../sids.js';
import { checkHistories } from '../export-check.js';
import { exportRpg } from './export.js';
import { openRpg, openRpgModel, recordedGraphSearch } from './recommender.js';
import type { WindowMode } from '../../train/batches.js';
import { rpgPlan, type RpgBatching } from './train.js';

const trainOptions = {
  ...architectureOptions(R, { dropout: 'on the input embeddings' }),
  'attn-dropout': { type: 'number', min: 0, max: 0.95, description: 'Dropout on the attention weights', default: R.attnDropout },
  'resid-dropout': { type: 'number', min: 0, max: 0.95, description: "Dropout on the blocks' residual branches", default: R.residDropout },
  temperature: { type: 'number', min: 0.001, description: 'Temperature of the cosine code logits', default: R.temperature },
  'item-ids': {
    type: 'boolean',
    description:
      "Add a learned per-item embedding to each history item's mean-of-codes input (not in the paper: it lets RPG read the newest item exactly, as an item-id model does; items added later read their codes only)",
    default: R.itemIds,
  },
  ...sidOptions(
    'SIDs: a sidrec tokenize directory (flat PQ/OPQ; or a file in it, or a model directory); default: fit OPQ here into OUT/sids',
    'text,attributes,cooccurrence',
  ),
  digits: { type: 'number', integer: true, min: 1, description: 'OPQ digits (sub-spaces) when fitting SIDs here', default: 32 },
  'graph-k': { type: 'number', integer: true, min: 1, description: 'Neighbours stored per item in the item graph', default: 200 },
  'graph-method': {
    type: 'string',
    choices: ['auto', 'exact', 'usearch'],
    description: 'Item-graph construction (auto = exact up to 50k items)',
    default: DEFAULT_ITEM_GRAPH.method,
  },
  beam: { type: 'number', integer: true, min: 1, description: 'Graph decoding: beam width b', default: G.beam },
  neighbors: { type: 'number', integer: true, min: 0, description: 'Graph decoding: neighbours read per beam item k (<= --graph-k)', default: G.neighbors },
  steps: { type: 'number', integer: true, min: 0, description: 'Graph decoding: expansion steps q', default: G.steps },
  ...batchingOption('uniform'),
  windows: {
    type: 'string',
    choices: ['tiled', 'sliding'],
    description:
      "Training windows of sequences longer than the history: 'tiled' (half-overlapping, every position a target) or 'sliding' (rpg_torch.py's: one window per later item, its last position the target)",
    default: 'tiled',
  },
  'code-init-std': {
    type: 'number',
    min: 0,
    description: 'Std of the code embeddings at initialisation; 0 = 0.02 * sqrt(digits) (rpg_torch.py and the paper: 0.02)',
    default: R.codeInitStd,
  },
  'residual-init': {
    type: 'string',
    choices: ['standard', 'gpt2'],
    description:
      "Blocks' residual output projections at initialisation: 'standard' (like every Linear) or 'gpt2' (divided by sqrt(2 x layers), as GPT-2 and rpg_torch.py)",
    default: R.residualInit,
  },
  ...validUsersOption(0),
} as const;

const useOptions = {
  decode: { type: 'string', choices: ['graph', 'exact'], description: 'Graph-constrained decoding or exact scoring of every item', default: 'graph' },
  beam: { type: 'number', integer: true, min: 1, description: 'Graph decoding: beam width (default: as trained)' },
  neighbors: { type: 'number', integer: true, min: 0, description: 'Graph decoding: neighbours read per beam item (default: as trained)' },
  steps: { type: 'number', integer: true, min: 0, description: 'Graph decoding: expansion steps (default: as trained)' },
} as const;

export const rpgFamily: ModelFamily = defineFamily({
  kind: 'rpg',
  summary: 'RPG (KDD 2025): long flat OPQ Semantic IDs predicted in parallel, graph-constrained decoding',
  trainOptions,
  trainHelp: `RPG writes OUT/sids.safetensors (item codes) and OUT/graph.safetensors (item graph, built once after training),
and reports test metrics with exact scoring and with graph-constrained decoding. --sids DIR is a flat PQ/OPQ directory
from sidrec tokenize --kind opq; without it, OPQ (--digits x --sid-codebook-size) is fitted here on --sid-features
with the same code as sidrec tokenize, into OUT/sids. RPG's own training defaults are the paper's Beauty schedule
(--epochs 150 --patience 20 --lr 0.01 --warmup-steps 10000; the paper uses --lr 0.003 on Sports and Toys): on
Amazon Beauty that schedule tests above SASRec where a 35-epoch one stayed below it (BENCHMARKS.md, session 20).`,
  trainDefaults: { epochs: 150, patience: 20, lr: 0.01, warmupSteps: 10000 },
  useOptions,
  plan(input, flags) {
    const o = withDefaults(trainOptions, flags);
    checkHeads(o.dim, o.heads);
    if (o.neighbors > o['graph-k']) throw new SidrecError('E_CONFIG', `--neighbors ${o.neighbors} exceeds --graph-k ${o['graph-k']}`, { field: 'neighbors' });
    const { split, dataDir, train, run } = input;
    const saved = join(run.dir, MODEL_FILES.itemCodes);
    let codes: ItemCodes;
    let sidsDir: string | undefined;
    if (run.resume && existsSync(saved) && o.sids === undefined && !existsSync(join(run.dir, MODEL_FILES.sidsDir))) {
      codes = loadItemCodes(saved); // a run from before OUT/sids: its own codes, not a refit
    } else {
      const sids = sidsForRun(input, o.sids, {
        features: o['sid-features'],
        config: { kind: 'opq', subspaces: o.digits, codebookSize: o['sid-codebook-size'] },
        seed: train.seed,
      });
      codes = sidsFromTable(sids.table, split.numItems);
      sidsDir = sids.dir;
    }
    const arch = {
      ...architectureOf(o, flags),
      attnDropout: o['attn-dropout'],
      residDropout: o['resid-dropout'],
      temperature: o.temperature,
      itemIds: o['item-ids'],
      codeInitStd: o['code-init-std'],
      residualInit: o['residual-init'] as ResidualInit,
    };
    return rpgPlan(split, dataDir, codes, arch, train, run, {
      ...(sidsDir !== undefined ? { sidsDir } : {}),
      graph: { k: o['graph-k'], method: o['graph-method'] as 'auto' | 'exact' | 'usearch', seed: train.seed },
      decode: { beam: o.beam, neighbors: o.neighbors, steps: o.steps, seed: train.seed },
      validUsers: o['valid-users'],
      batching: o.batching as RpgBatching,
      windows: o.windows as WindowMode,
    });
  },
  scorer(dir, manifest, flags) {
    const o = withDefaults(useOptions, flags);
    const model = openRpgModel(dir, manifest);
    if (o.decode === 'exact') return { label: 'rpg exact', scorer: () => rpgExactScorer(model) };
    // A run under way has no item graph yet (it is built when training ends): unless graph decoding is asked for
    // by name, its best epoch so far is scored exactly, and the label says so.
    if (flags.decode === undefined && manifest.inProgress)
      return { label: 'rpg exact (no item graph before training ends)', scorer: () => rpgExactScorer(model) };
    const graph = requireGraph(dir);
    const search = recordedGraphSearch(manifest, { beam: o.beam, neighbors: o.neighbors, steps: o.steps });
    let decoder: ReturnType<typeof graphScorer> | undefined;
    return {
      label: `rpg graph b${search.beam}/k${search.neighbors}/q${search.steps}`,
      scorer: () => {
        decoder = graphScorer(model, graph, search);
        return decoder.scorer;
      },
      stats: () => ({ visitedPerUser: decoder?.stats().visitedPerQuery ?? 0 }),
    };
  },
  recommender(dir, manifest, context, flags) {
    // Exact scoring unless graph decoding is asked for (sidrec recommend's default; the service scores exactly, so
    // added items need no graph update); from the first added item on it is exact anyway (the graph is stale).
    const o = withDefaults(useOptions, flags);
    const decoding =
      flags.decode === 'graph'
        ? { graph: requireGraph(dir), search: recordedGraphSearch(manifest, { beam: o.beam, neighbors: o.neighbors, steps: o.steps }) }
        : undefined;
    return openRpg(dir, manifest, context, decoding);
  },
  export(dir, manifest, context, out, options = {}) {
    const model = openRpgModel(dir, manifest);
    const graph = openItemGraph(dir);
    const decoding = graph ? { graph, search: recordedGraphSearch(manifest) } : undefined;
    return exportRpg(model, dir, manifest, context.items, checkHistories(model.numItems, model.config.maxLen), out, options.precision, decoding, options.prior);
  },
});

function requireGraph(dir: string) {
  const graph = openItemGraph(dir);
  if (!graph)
    throw new SidrecError('E_STATE', `this RPG directory has no ${MODEL_FILES.itemGraph} (training did not finish); use --decode exact`, {
      file: dir,
      field: 'decode',
    });
  return graph;
}
