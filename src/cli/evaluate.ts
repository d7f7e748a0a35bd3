/**
 * `sidrec evaluate`: full-ranking leave-one-out evaluation (Recall/NDCG@5/10/20 over all items, no sampled
 * negatives) of a trained model directory or a built-in baseline, printed as a table and optionally as JSON.
 */
import { SidrecError } from '../core/errors.js';
import { loadDataset, sampleQueries, split } from '../data/index.js';
import { DEFAULT_METRICS, evaluate, formatTable, writeResultJson } from '../eval/index.js';
import { defineCommand } from './command.js';
import { flagsFor, mergedFamilyOptions } from './family-options.js';
import { resolveScorer } from './scorers.js';
import { familyOf } from '../families/index.js';
import { isModelDir, readManifest } from '../model/manifest.js';

export const evaluateCommand = defineCommand({
  spec: {
    name: 'evaluate',
    summary: 'Evaluate a trained model (or a baseline) with full ranking over all items',
    details: `Examples:
  sidrec evaluate --model runs/beauty/sasrec                 (its dataset is recorded in the model)
  sidrec evaluate --model bigram --data runs/beauty/data --split valid --json runs/bigram-valid.json
  sidrec evaluate --model sid-neighbours --data runs/beauty/data --sids runs/beauty/sids   (what the SIDs alone carry)
  sidrec evaluate --model runs/beauty/rpg --decode graph --beam 20 --neighbors 200 --steps 3
  sidrec evaluate --model runs/beauty/rpg --decode exact                 (RPG scoring every item)
  sidrec evaluate --model runs/beauty/gryphon --beam 50 --ranking beam     (Gryphon's candidates by beam likelihood)
  sidrec evaluate --model runs/beauty/grank --ranking generator --metrics recall@50,recall@200,recall@500   (candidate recall)
  sidrec evaluate --model runs/beauty/tiger --beam 500 --metrics recall@50,recall@200,recall@500 --users 4000   (on a sample)
RPG graph settings default to those recorded at training time; TIGER/Gryphon --beam defaults to the test beam.`,
    options: {
      model: {
        type: 'string',
        description:
          "Trained model directory, or a baseline: popularity | bigram | recent-bigram (the newest 5 items' counts, .5^k by age) | sid-neighbours (items sharing SID digits with the newest 5 items, .5^k by age; needs --sids)",
      },
      sids: { type: 'string', description: 'SID directory (sidrec tokenize --out) for the sid-neighbours baseline' },
      data: { type: 'string', description: 'Dataset artifact directory (default: the one the model was trained on)' },
      split: { type: 'string', choices: ['test', 'valid'], description: 'Which leave-one-out target to rank', default: 'test' },
      'history-cap': { type: 'number', integer: true, min: 1, description: 'Most recent items kept as history', default: 50 },
      users: {
        type: 'number',
        integer: true,
        min: 1,
        description: "Rank a seeded sample of this many users (seed 0; a quick estimate: the protocol's figures rank every user)",
      },
      'exclude-history': {
        type: 'boolean',
        description:
          "Rank as sidrec recommend and serve answer by default: each user's history items taken out of the ranking (not the papers' protocol, which keeps them)",
        default: false,
      },
      json: { type: 'string', description: 'Also write the metrics (with cold-start buckets) to this JSON file' },
      'per-user': { type: 'boolean', description: 'Include per-user ranks in the JSON', default: false },
      metrics: {
        type: 'string',
        description: 'Metrics, comma-separated (recall@K, ndcg@K; K up to the catalogue), e.g. recall@50,recall@200,recall@500 for candidate recall',
        default: DEFAULT_METRICS.join(','),
      },
      ...mergedFamilyOptions((f) => f.useOptions),
      quiet: { type: 'boolean', description: 'No progress bar', default: false },
    },
  },
  async run(o) {
    if (!o.model)
      throw new SidrecError('E_CONFIG', 'missing --model (a trained model directory, or popularity | bigram | recent-bigram | sid-neighbours)', {
        field: 'model',
      });
    if (o.sids && o.model !== 'sid-neighbours') throw new SidrecError('E_CONFIG', '--sids is read by the sid-neighbours baseline only', { field: 'sids' });
    const flags = isModelDir(o.model) ? flagsFor(familyOf(readManifest(o.model).kind, o.model), (f) => f.useOptions, o) : {};
    const resolved = await resolveScorer(o.model, o.data, flags, o.sids ? { sids: o.sids } : {});
    const which = o.split as 'test' | 'valid';
    const all = split(loadDataset(resolved.dataDir), { historyCap: o['history-cap'] });
    const sp = o.users === undefined ? all : sampleQueries(all, which, o.users, 0);
    const metrics = String(o.metrics)
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    const excludeHistory = o['exclude-history'];
    const result = await evaluate(resolved.scorer(sp), sp, which, { progress: !o.quiet, metrics, excludeHistory });
    const label = `${resolved.label} (${o.split}${excludeHistory ? ', history excluded' : ''})`;
    process.stdout.write(`${formatTable([result], [label])}\n`);
    const stats = resolved.stats?.();
    if (stats)
      process.stdout.write(
        `${Object.entries(stats)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}; ${((result.seconds * 1000) / Math.max(1, result.numQueries)).toFixed(2)} ms/user\n`,
      );
    if (o.json) {
      writeResultJson(o.json, result, { perQuery: o['per-user'], label });
      process.stdout.write(`metrics -> ${o.json}\n`);
    }
  },
});
