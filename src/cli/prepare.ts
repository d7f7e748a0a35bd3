/**
 * `sidrec prepare`: raw data -> a dataset artifact directory that every later stage reads. Accepts the
 * benchmark folder layout (sequences.txt [+ items.jsonl, item_attributes.json]) or an interaction log
 * (CSV/TSV/JSON lines/Parquet, read through DuckDB) with an optional item catalogue. Exact duplicate events are
 * dropped and counted unless --keep-duplicates; an input (or a k-core) that leaves no interactions is refused
 * before anything is written.
 */
import { statSync } from 'node:fs';
import { SidrecError } from '../core/errors.js';
import { describeDuplicates, loadBenchmark, loadInteractionLog, numInteractions, saveDataset, type InteractionDataset } from '../data/index.js';
import { defineCommand } from './command.js';

export const prepareCommand = defineCommand({
  spec: {
    name: 'prepare',
    summary: 'Read an interaction log or a benchmark folder into a dataset artifact',
    details: `Examples:
  sidrec prepare --input ../shared/data/amazon-beauty --out runs/beauty/data
  sidrec prepare --input clicks.parquet --user-column uid --item-column sku --time-column ts \\
                 --catalog products.csv --catalog-id sku --k-core 5 --out runs/shop/data
Exact duplicate events are dropped and counted (the count is printed and kept in dataset.json): in a log, rows
with the same user, item and time (without --time-column, the same item in consecutive rows of a user); in a
benchmark sequences.txt, which has no times, the same item twice in a row on a user's line. A duplicated event
can put the test target into its own history. --keep-duplicates keeps them (repeat-consumption domains).`,
    options: {
      input: { type: 'string', description: 'Benchmark folder (with sequences.txt) or a log file (.csv .tsv .jsonl .parquet)' },
      out: { type: 'string', description: 'Dataset artifact directory to write' },
      'user-column': { type: 'string', description: 'Log column with the user id', default: 'user_id' },
      'item-column': { type: 'string', description: 'Log column with the item id', default: 'item_id' },
      'time-column': { type: 'string', description: 'Log column with the time ("" = file order)', default: 'timestamp' },
      catalog: { type: 'string', description: 'Item catalogue for a log (JSON lines or CSV); every non-id field is text' },
      'catalog-id': { type: 'string', description: 'Catalogue field holding the item id', default: 'id' },
      'k-core': { type: 'number', integer: true, min: 0, description: 'Iterative k-core filter on users and items (0 = none)', default: 0 },
      'unknown-items': {
        type: 'string',
        choices: ['error', 'drop'],
        description: 'Benchmark sequences naming items missing from items.jsonl',
        default: 'error',
      },
      'keep-duplicates': { type: 'boolean', description: 'Keep exact duplicate events (repeat-consumption data) instead of dropping them', default: false },
    },
  },
  async run(o) {
    if (!o.input) throw new SidrecError('E_CONFIG', 'missing --input (a benchmark folder or a log file)', { field: 'input' });
    if (!o.out) throw new SidrecError('E_CONFIG', 'missing --out (the dataset directory to write)', { field: 'out' });
    const ds = await readInput(o.input, o);
    // The loaders refuse an input without interactions; a k-core (or dropping unknown items) can still empty it.
    if (numInteractions(ds) === 0) {
      if (o['k-core'] > 1)
        throw new SidrecError('E_CONFIG', `--k-core ${o['k-core']} leaves no interactions (every user or item has fewer); lower it`, { field: 'k-core' });
      throw new SidrecError('E_INPUT', 'no interactions left to write', { file: o.input });
    }
    saveDataset(o.out, ds);
    for (const warning of ds.warnings) process.stderr.write(`warning: ${warning}\n`);
    const duplicates = ds.duplicates ? `; ${describeDuplicates(ds.duplicates)}` : '';
    process.stdout.write(`${ds.name}: ${ds.numUsers} users, ${ds.numItems} items, ${numInteractions(ds)} interactions${duplicates} -> ${o.out}\n`);
  },
});

async function readInput(
  input: string,
  o: {
    'user-column': string;
    'item-column': string;
    'time-column': string;
    catalog?: string;
    'catalog-id': string;
    'k-core': number;
    'unknown-items': string;
    'keep-duplicates': boolean;
  },
): Promise<InteractionDataset> {
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch {
    throw new SidrecError('E_NOT_FOUND', 'no such file or folder', { file: input });
  }
  const kCore = o['k-core'] > 1 ? o['k-core'] : undefined;
  const duplicates = o['keep-duplicates'] ? 'keep' : 'drop';
  if (isDir) return loadBenchmark(input, { unknownItems: o['unknown-items'] as 'error' | 'drop', duplicates, ...(kCore ? { kCore } : {}) });
  return loadInteractionLog(input, {
    userColumn: o['user-column'],
    itemColumn: o['item-column'],
    timestampColumn: o['time-column'] === '' ? null : o['time-column'],
    kCore: kCore ?? 0,
    duplicates,
    ...(o.catalog ? { catalog: { path: o.catalog, idField: o['catalog-id'] } } : {}),
  });
}
