/**
 * GRank diagnostic: the blend weight of a trained model's ranker beyond the grid training chose from. Ranks every
 * user's validation and test targets (full ranking, the protocol of `sidrec evaluate`) at each weight from one pass
 * per split (rank.ts's RankerBlend: the candidates and both scores computed once), so it tells whether the grid's
 * largest weight limited the choice and how the ranker alone (a weight so large the generator only breaks ties)
 * compares with the blend.
 * Usage: node dist/bench/grank-ranker-weights.js RUN_DIR [--weights 0,4,8,16,32,64,256,1e6] [--metric ndcg@10]
 *   RUN_DIR: a reproduce run directory (RUN_DIR/model and RUN_DIR/data), e.g. runs/grank-beauty-counts-alone
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset, split } from '../src/data/index.js';
import { recordedCandidates, recordedRankerWeight } from '../src/families/grank/index.js';
import { chooseRankerWeight } from '../src/families/grank/rank.js';
import { openGRankModel } from '../src/families/grank/recommender.js';
import { readManifest } from '../src/model/manifest.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { weights: { type: 'string', default: '0,4,8,16,32,64,256,1e6' }, metric: { type: 'string', default: 'ndcg@10' } },
});
const [runDir] = positionals;
if (!runDir) throw new Error('usage: grank-ranker-weights.js RUN_DIR [--weights W,W,...] [--metric ndcg@10]');
const modelDir = join(runDir, 'model');
const manifest = readManifest(modelDir);
const model = openGRankModel(modelDir, manifest);
const weights = values.weights.split(',').map(Number);
if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error(`--weights: non-negative numbers, got ${values.weights}`);
const data = split(loadDataset(join(runDir, 'data')), { historyCap: model.config.maxLen });
const candidates = recordedCandidates(manifest);
console.log(`${runDir}: ${candidates} candidates; chosen at training: weight ${recordedRankerWeight(manifest)}`);
console.log('split  weight     recall@10  ndcg@10');
for (const part of ['valid', 'test'] as const) {
  const { weight, tried } = await chooseRankerWeight(model, data, part, candidates, values.metric, weights);
  for (const t of tried)
    console.log(
      `${part.padEnd(6)} ${String(t.weight).padEnd(10)} ${t.result.metrics['recall@10'].toFixed(4)}     ${t.result.metrics['ndcg@10'].toFixed(4)}${t.weight === weight ? '  <- best' : ''}`,
    );
}
