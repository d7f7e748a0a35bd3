/**
 * `sidrec recommend`: top-K items for one user of the dataset (their full history) or for a history given as
 * item ids, from an RPG model (graph-constrained decoding by default, or exact scoring of every item), a
 * TIGER / Gryphon model (beam search; Gryphon re-scores the resolved items) or a SASRec model. Items of the
 * history are excluded as over HTTP (--include-history keeps them). Items are printed as external ids with
 * scores and titles (when the catalogue has them), with how many items were scored (RPG graph: visited;
 * TIGER / Gryphon: candidates). --items reads the model directory's own catalogue; --user needs the dataset.
 */
import { SidrecError } from '../core/errors.js';
import { userSequence, type ItemText } from '../data/index.js';
import { DEFAULT_GRAPH_SEARCH, GraphDecoder, type GraphSearchConfig } from '../decode/graph.js';
import { openItemGraph } from '../decode/item-graph.js';
import { TopK } from '../decode/topk.js';
import { loadPinnedDataset, readServingItems } from '../model/bundle.js';
import { openModel } from '../model/load.js';
import { readManifest } from '../model/manifest.js';
import { openSidGenerative, topCandidates } from '../serve/adapters/sid-generative.js';
import { scoreAll } from '../model/rpg-score.js';
import { defineCommand } from './command.js';

export const recommendCommand = defineCommand({
  spec: {
    name: 'recommend',
    summary: 'Recommend items for a user or a history with a trained model',
    details: `Examples:
  sidrec recommend --model runs/beauty/rpg --user A1YJEY40YUW4SE --k 10
  sidrec recommend --model runs/beauty/rpg --items B004756YJA,B00027D8IC --decode exact --json
  sidrec recommend --model runs/beauty/gryphon --user A1YJEY40YUW4SE --beam 50 --ranking beam
Scores: SASRec logits; RPG and TIGER log-likelihoods; Gryphon item-level scores (--ranking beam: likelihoods).`,
    options: {
      model: { type: 'string', description: 'Trained model directory (sasrec, rpg, tiger or gryphon)' },
      data: { type: 'string', description: 'Dataset directory (default: the model directory\'s catalogue; --user: the dataset trained on); must be the one trained on' },
      user: { type: 'string', description: 'External user id: recommend after their whole history' },
      items: { type: 'string', description: 'Comma-separated external item ids, oldest first (instead of --user)' },
      k: { type: 'number', integer: true, min: 1, description: 'How many items', default: 10 },
      decode: { type: 'string', choices: ['graph', 'exact'], description: 'RPG: graph-constrained decoding or exact scoring', default: 'graph' },
      beam: { type: 'number', integer: true, min: 1, description: 'RPG graph decoding / TIGER / Gryphon beam search: beam width (default: as trained)' },
      ranking: { type: 'string', choices: ['item', 'beam'], description: 'Gryphon: rank resolved candidates by the item-level scorer or by beam likelihood', default: 'item' },
      neighbors: { type: 'number', integer: true, min: 0, description: 'RPG graph decoding: neighbours per beam item k (default: as trained)' },
      steps: { type: 'number', integer: true, min: 0, description: 'RPG graph decoding: expansion steps q (default: as trained)' },
      'include-history': { type: 'boolean', description: 'Also return items of the history (by default they are excluded, as over HTTP)', default: false },
      json: { type: 'boolean', description: 'Print JSON instead of a list', default: false },
    },
  },
  async run(o) {
    if (!o.model) throw new SidrecError('E_CONFIG', 'missing --model (a trained model directory)', { field: 'model' });
    if ((o.user === undefined) === (o.items === undefined)) throw new SidrecError('E_CONFIG', 'give exactly one of --user or --items', { field: 'user' });
    const manifest = readManifest(o.model);
    let history: Int32Array;
    let user: number | undefined;
    let catalogue: { readonly itemIds: readonly string[]; readonly texts: readonly ItemText[] };
    if (o.user !== undefined) {
      const ds = loadPinnedDataset(o.model, manifest, o.data ?? manifest.dataDir);
      user = ds.userIds.indexOf(o.user);
      if (user < 0) throw new SidrecError('E_INPUT', `unknown user "${o.user}"`, { field: 'user' });
      history = userSequence(ds, user);
      catalogue = { itemIds: ds.itemIds, texts: ds.catalog.texts };
    } else {
      catalogue = readServingItems(o.model, manifest, o.data);
      const itemIndex = new Map(catalogue.itemIds.map((id, i) => [id, i]));
      history = Int32Array.from(o.items!.split(',').filter((s) => s !== '').map((id) => {
        const i = itemIndex.get(id);
        if (i === undefined) throw new SidrecError('E_INPUT', `unknown item "${id}"`, { field: 'items' });
        return i;
      }));
    }
    const exclude: ReadonlySet<number> = o['include-history'] ? new Set() : new Set(history);
    const opened = manifest.kind === 'tiger' || manifest.kind === 'gryphon'
      ? { kind: 'sid' as const, rec: openSidGenerative(o.model, manifest, { beamWidth: o.beam, ranking: o.ranking as 'item' | 'beam' }) }
      : openModel(o.model);
    const started = performance.now();
    let items: Int32Array;
    let scores: Float32Array;
    let visited: number;
    if (opened.kind === 'sid') {
      const [scored] = opened.rec.candidates([{ history: Array.from(history), k: o.k, exclude, ...(user !== undefined ? { user } : {}) }]);
      const top = topCandidates(scored, o.k, exclude);
      items = Int32Array.from(top, (r) => r.item);
      scores = Float32Array.from(top, (r) => r.score);
      visited = scored.candidates.items.length;
    } else if (opened.kind === 'sasrec') {
      ({ items, scores } = topOf(opened.model.score([history]), o.k, exclude));
      visited = opened.model.numItems;
    } else {
      const model = opened.model;
      const logp = model.logProbs([history]);
      const graph = o.decode === 'exact' ? null : openItemGraph(o.model);
      if (!graph) {
        if (o.decode === 'graph') throw new SidrecError('E_STATE', 'this RPG directory has no graph.safetensors; use --decode exact', { file: o.model });
        ({ items, scores } = topOf(scoreAll(logp, 1, model.itemTokens, model.digits, model.codebookSize, model.numItems), o.k, exclude));
        visited = model.numItems;
      } else {
        const recorded = (opened.manifest.rpg?.decode ?? {}) as Partial<GraphSearchConfig>;
        const search: GraphSearchConfig = { ...DEFAULT_GRAPH_SEARCH, ...recorded, ...(o.beam ? { beam: o.beam } : {}), ...(o.neighbors !== undefined ? { neighbors: o.neighbors } : {}), ...(o.steps !== undefined ? { steps: o.steps } : {}) };
        const res = new GraphDecoder(model.itemTokens, model.digits, graph, search).search(logp, 0, 0, o.k + exclude.size); // room for the excluded
        const keep = Array.from(res.items.keys()).filter((r) => !exclude.has(res.items[r])).slice(0, o.k);
        items = Int32Array.from(keep, (r) => res.items[r]);
        scores = Float32Array.from(keep, (r) => res.scores[r]);
        visited = res.visited;
      }
    }
    const ms = performance.now() - started;
    const rows = Array.from(items, (i, r) => ({ item: catalogue.itemIds[i], score: scores[r], ...(catalogue.texts[i]?.title ? { title: catalogue.texts[i].title } : {}) }));
    if (o.json) process.stdout.write(`${JSON.stringify({ history: history.length, excludedHistory: !o['include-history'], visited, ms, items: rows })}\n`);
    else {
      rows.forEach((r, i) => process.stdout.write(`${String(i + 1).padStart(3)}  ${r.item}  ${r.score.toFixed(4)}${r.title ? `  ${r.title}` : ''}\n`));
      process.stdout.write(`(${history.length} history items${o['include-history'] ? '' : ', excluded'}, ${visited} items scored, ${ms.toFixed(1)} ms)\n`);
    }
  },
});

function topOf(scores: Float32Array, k: number, exclude: ReadonlySet<number>): { items: Int32Array; scores: Float32Array } {
  const top = new TopK(Math.min(k, scores.length));
  for (let i = 0; i < scores.length; i++) if (!exclude.has(i)) top.push(i, scores[i]);
  const items = new Int32Array(top.size);
  const out = new Float32Array(top.size);
  top.sortedInto(items, 0, out);
  return { items, scores: out };
}
