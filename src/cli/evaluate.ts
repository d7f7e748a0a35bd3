/**
 * `sidrec evaluate`: full-ranking leave-one-out evaluation (Recall/NDCG@5/10/20 over all items, no sampled
 * negatives) of a trained model directory or a built-in baseline, printed as a table and optionally as JSON.
 */
import { SidrecError } from '../core/errors.js';
import { loadDataset, split } from '../data/index.js';
import { evaluate, formatTable, writeResultJson } from '../eval/index.js';
import { defineCommand } from './command.js';
import { resolveScorer } from './scorers.js';

export const evaluateCommand = defineCommand({
  spec: {
    name: 'evaluate',
    summary: 'Evaluate a trained model (or a baseline) with full ranking over all items',
    details: `Examples:
  sidrec evaluate --model runs/beauty/sasrec                 (its dataset is recorded in the model)
  sidrec evaluate --model bigram --data runs/beauty/data --split valid --json runs/bigram-valid.json`,
    options: {
      model: { type: 'string', description: 'Trained model directory, or a baseline: popularity | bigram' },
      data: { type: 'string', description: 'Dataset artifact directory (default: the one the model was trained on)' },
      split: { type: 'string', choices: ['test', 'valid'], description: 'Which leave-one-out target to rank', default: 'test' },
      'history-cap': { type: 'number', integer: true, min: 1, description: 'Most recent items kept as history', default: 50 },
      json: { type: 'string', description: 'Also write the metrics (with cold-start buckets) to this JSON file' },
      'per-user': { type: 'boolean', description: 'Include per-user ranks in the JSON', default: false },
    },
  },
  async run(o) {
    if (!o.model) throw new SidrecError('E_CONFIG', 'missing --model (a trained model directory, or popularity | bigram)', { field: 'model' });
    const resolved = await resolveScorer(o.model, o.data);
    const sp = split(loadDataset(resolved.dataDir), { historyCap: o['history-cap'] });
    const result = await evaluate(resolved.scorer(sp), sp, o.split as 'test' | 'valid');
    process.stdout.write(`${formatTable([result], [`${resolved.label} (${o.split})`])}\n`);
    if (o.json) {
      writeResultJson(o.json, result, { perQuery: o['per-user'] });
      process.stdout.write(`metrics -> ${o.json}\n`);
    }
  },
});
