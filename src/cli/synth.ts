/**
 * `sidrec synth`: writes the seeded synthetic benchmark (latent topics shape item text and user transitions) in
 * the benchmark folder layout, so every command can be tried without real data.
 */
import { SidrecError } from '../core/errors.js';
import { generateSynthetic, writeSyntheticBenchmark, DEFAULT_SYNTHETIC_CONFIG } from '../data/index.js';
import { defineCommand } from './command.js';

export const synthCommand = defineCommand({
  spec: {
    name: 'synth',
    summary: 'Write a seeded synthetic benchmark folder (sequences.txt, items.jsonl, item_attributes.json)',
    details: 'Example:\n  sidrec synth --users 2000 --items 1000 --seed 42 --out runs/synthetic/raw',
    options: {
      out: { type: 'string', description: 'Folder to write' },
      users: { type: 'number', integer: true, min: 10, description: 'Number of users', default: DEFAULT_SYNTHETIC_CONFIG.numUsers },
      items: { type: 'number', integer: true, min: 10, description: 'Number of items', default: DEFAULT_SYNTHETIC_CONFIG.numItems },
      topics: {
        type: 'number',
        integer: true,
        min: 1,
        description: 'Latent topics (at most --items; fewer sub-topics when items are scarce)',
        default: DEFAULT_SYNTHETIC_CONFIG.numTopics,
      },
      seed: { type: 'number', integer: true, description: 'Random seed (same seed, same bytes)', default: DEFAULT_SYNTHETIC_CONFIG.seed },
    },
  },
  async run(o) {
    if (!o.out) throw new SidrecError('E_CONFIG', 'missing --out (the folder to write)', { field: 'out' });
    if (o.topics > o.items)
      throw new SidrecError('E_CONFIG', `--topics ${o.topics} exceeds --items ${o.items}: every topic needs at least one item`, { field: 'topics' });
    const data = generateSynthetic({ numUsers: o.users, numItems: o.items, numTopics: o.topics, seed: o.seed });
    writeSyntheticBenchmark(o.out, data);
    process.stdout.write(`synthetic: ${o.users} users, ${o.items} items, ${o.topics} topics, seed ${o.seed} -> ${o.out}\n`);
  },
});
