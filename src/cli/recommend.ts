/**
 * `sidrec recommend`: top-K items for one user of the dataset (their full history) or for a history given as
 * item ids, from any trained model, through the same `Recommender` its family gives the HTTP service (RPG:
 * graph-constrained decoding by default, exact scoring when the directory holds a transition prior or with
 * --decode exact; TIGER / Gryphon: beam search, Gryphon re-scoring the resolved items). Items of the history are excluded as over HTTP (--include-history keeps them).
 * Items are printed as external ids with scores and titles (when the catalogue has them). --items reads the model
 * directory's own catalogue; --user needs the dataset.
 */
import { SidrecError } from '../core/errors.js';
import { userSequence, type ItemText } from '../data/index.js';
import { withDefaults } from '../core/option-spec.js';
import { familyOf } from '../families/index.js';
import { holdsPrior } from '../families/transitions.js';
import { loadPinnedDataset, readServingItems } from '../model/bundle.js';
import { readManifest } from '../model/manifest.js';
import { defineCommand } from './command.js';
import { flagsFor, mergedFamilyOptions } from './family-options.js';

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
      model: { type: 'string', description: 'Trained model directory' },
      data: {
        type: 'string',
        description: "Dataset directory (default: the model directory's catalogue; --user: the dataset trained on); must be the one trained on",
      },
      user: { type: 'string', description: 'External user id: recommend after their whole history' },
      items: { type: 'string', description: 'Comma-separated external item ids, oldest first (instead of --user)' },
      k: { type: 'number', integer: true, min: 1, description: 'How many items', default: 10 },
      ...mergedFamilyOptions((f) => f.useOptions),
      'include-history': { type: 'boolean', description: 'Also return items of the history (by default they are excluded, as over HTTP)', default: false },
      json: { type: 'boolean', description: 'Print JSON instead of a list', default: false },
    },
  },
  async run(o) {
    if (!o.model) throw new SidrecError('E_CONFIG', 'missing --model (a trained model directory)', { field: 'model' });
    if ((o.user === undefined) === (o.items === undefined)) throw new SidrecError('E_CONFIG', 'give exactly one of --user or --items', { field: 'user' });
    const manifest = readManifest(o.model);
    const family = familyOf(manifest.kind, o.model);
    const given = flagsFor(family, (f) => f.useOptions, o);
    // RPG: graph decoding unless --decode exact, or the directory holds a transition prior (it needs every item scored).
    const withGraph = withDefaults(family.useOptions, given);
    const { decode: _graph, ...exactWithPrior } = withGraph;
    const flags = given.decode === undefined && holdsPrior(o.model, given) ? exactWithPrior : withGraph;
    let history: Int32Array;
    let user: number | undefined;
    const items = readServingItems(o.model, manifest, o.data); // the serving catalogue, read once
    let catalogue: { readonly itemIds: readonly string[]; readonly texts: readonly ItemText[] } = items;
    if (o.user !== undefined) {
      const ds = loadPinnedDataset(o.model, manifest, o.data ?? manifest.dataDir);
      user = ds.userIds.indexOf(o.user);
      if (user < 0) throw new SidrecError('E_INPUT', `unknown user "${o.user}"`, { field: 'user' });
      history = userSequence(ds, user);
      catalogue = { itemIds: ds.itemIds, texts: ds.catalog.texts };
    } else {
      const itemIndex = new Map(catalogue.itemIds.map((id, i) => [id, i]));
      history = Int32Array.from(
        (o.items ?? '')
          .split(',')
          .filter((s) => s !== '')
          .map((id) => {
            const i = itemIndex.get(id);
            if (i === undefined) throw new SidrecError('E_INPUT', `unknown item "${id}"`, { field: 'items' });
            return i;
          }),
      );
    }
    const exclude: ReadonlySet<number> = o['include-history'] ? new Set() : new Set(history);
    const recommender = family.recommender(o.model, manifest, { items, log: () => {} }, flags);
    const started = performance.now();
    const [top] = recommender.recommend([{ history: Array.from(history), k: o.k, exclude, ...(user !== undefined ? { user } : {}) }]);
    const ms = performance.now() - started;
    const visited = recommender.scoredPerQuery?.()[0];
    const rows = top.map((r) => ({
      item: catalogue.itemIds[r.item],
      score: r.score,
      ...(catalogue.texts[r.item]?.title ? { title: catalogue.texts[r.item].title } : {}),
    }));
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({ history: history.length, excludedHistory: !o['include-history'], ...(visited !== undefined ? { visited } : {}), ms, items: rows })}\n`,
      );
    else {
      rows.forEach((r, i) => process.stdout.write(`${String(i + 1).padStart(3)}  ${r.item}  ${r.score.toFixed(4)}${r.title ? `  ${r.title}` : ''}\n`));
      process.stdout.write(
        `(${history.length} history items${o['include-history'] ? '' : ', excluded'}${visited !== undefined ? `, ${visited} items scored` : ''}, ${ms.toFixed(1)} ms)\n`,
      );
    }
  },
});
