/**
 * Issue 20 diagnostic: where a model's NDCG@10 comes from, by what the newest history item says about the target.
 * Users are split by (a) whether the pair (newest history item -> target) occurs as consecutive items anywhere in
 * the training sequences ("seen": an item bigram can memorise it) and (b) the newest item's training count. Each
 * model is scored on validation and test (full ranking, all users); prints users and mean NDCG@10 per group, and
 * each group's share of the model's total. The item bigram is always one of the models; a model directory's
 * transition prior (sidrec transitions) is left out.
 * Usage: node dist/bench/transition-buckets.js DATA_DIR MODEL_DIR[:decode] ... [--parts valid,test]
 *   e.g. node dist/bench/transition-buckets.js runs/rpg-beauty-words/data /tmp/sasrec/model runs/rpg-beauty-words/model:exact
 */
import { parseArgs } from 'node:util';
import { loadDataset, split, type EvalExample } from '../src/data/index.js';
import { evaluate } from '../src/eval/index.js';
import { familyOf } from '../src/families/index.js';
import { bigramScorer } from '../src/model/baselines.js';
import { readManifest } from '../src/model/manifest.js';
import type { Scorer } from '../src/model/scorer.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { parts: { type: 'string', default: 'valid,test' } } });
const [dataDir, ...modelArgs] = positionals;
if (!dataDir) throw new Error('usage: transition-buckets.js DATA_DIR MODEL_DIR[:decode] ... [--parts valid,test]');
const sp = split(loadDataset(dataDir));
const N = sp.numItems;
const seenPairs = new Set<number>();
for (const s of sp.train) for (let t = 1; t < s.items.length; t++) seenPairs.add(s.items[t - 1] * N + s.items[t]);
const counts = sp.trainItemCounts;
const countBucket = (c: number): string => (c === 0 ? '0' : c < 5 ? '1-4' : c < 20 ? '5-19' : '20+');

function groupsOf(q: EvalExample): string[] {
  const newest = q.history[q.history.length - 1];
  if (newest === undefined) return ['pair: no history', 'newest: none'];
  return [`pair: ${seenPairs.has(newest * N + q.target) ? 'seen' : 'unseen'}`, `newest item's count: ${countBucket(counts[newest])}`];
}

const models: { label: string; scorer: () => Scorer }[] = [{ label: 'bigram', scorer: () => bigramScorer(sp) }];
for (const arg of modelArgs) {
  const [dir, decode] = arg.split(':');
  const manifest = readManifest(dir);
  const opened = familyOf(manifest.kind).scorer(dir, manifest, { ...(decode ? { decode } : {}), transitions: 'off' }); // the model alone
  models.push({ label: `${manifest.kind}${decode ? ` ${decode}` : ''} (${dir})`, scorer: () => opened.scorer(sp) as Scorer });
}

for (const part of values.parts.split(',') as ('valid' | 'test')[]) {
  const examples = sp[part];
  const size = new Map<string, number>();
  for (const q of examples) for (const g of groupsOf(q)) size.set(g, (size.get(g) ?? 0) + 1);
  const names = [...size.keys()].sort();
  console.log(`\n${part}, ${examples.length} users: mean NDCG@10 per group (the group's share of the model's total)`);
  console.log(['group'.padEnd(28), 'users'.padStart(6), ...models.map((m) => m.label.slice(0, 24).padStart(26))].join(' '));
  const columns: Map<string, number>[] = [];
  for (const model of models) {
    const result = await evaluate(model.scorer(), sp, part, { metrics: ['ndcg@10'] });
    const sums = new Map<string, number>([['all', 0]]);
    examples.forEach((q, i) => {
      const gain = result.ranks[i] < 10 ? 1 / Math.log2(result.ranks[i] + 2) : 0;
      sums.set('all', sums.get('all')! + gain);
      for (const g of groupsOf(q)) sums.set(g, (sums.get(g) ?? 0) + gain);
    });
    columns.push(sums);
  }
  for (const g of ['all', ...names]) {
    const users = g === 'all' ? examples.length : size.get(g)!;
    const cells = columns.map((c) => `${((c.get(g) ?? 0) / users).toFixed(4)} (${(((c.get(g) ?? 0) / c.get('all')!) * 100).toFixed(0)}%)`.padStart(26));
    console.log([g.padEnd(28), String(users).padStart(6), ...cells].join(' '));
  }
}
