/**
 * `sidrec sids PREFIX`: the reverse look-up of a Semantic-ID directory (from sidrec tokenize, or a model directory's
 * bundled copy): every item whose SID starts with PREFIX (codes joined by "-"), with its title when a dataset is
 * given. The same look-up the HTTP service answers at GET /v1/sids/PREFIX.
 */
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { loadDataset } from '../data/index.js';
import { findSidDir } from '../model/bundle.js';
import { parseSidPrefix } from '../serve/routes-items.js';
import { loadSidTable, TABLE_FILE } from '../tokenize/index.js';
import { defineCommand } from './command.js';

export const sidsCommand = defineCommand({
  spec: {
    name: 'sids',
    summary: 'List the items under a Semantic-ID prefix (reverse look-up)',
    details: `Examples:
  sidrec sids 12-5 --sids runs/beauty/sid-opq --data runs/beauty/data      (items whose SID starts 12, 5)
  sidrec sids 12-5-201-7 --sids runs/beauty/rpg --json                      (a whole SID: the items sharing it)
Prints the number of matches and up to --limit of them (item id, SID, title when --data is given).`,
    positional: 'prefix',
    options: {
      prefix: { type: 'string', description: 'Codes joined by "-" (e.g. 12-5); a whole SID lists the items that share it' },
      sids: { type: 'string', description: 'A sidrec tokenize directory, or a model directory that bundles one' },
      data: { type: 'string', description: 'Dataset directory, for item ids and titles (default: indices only)' },
      limit: { type: 'number', integer: true, min: 1, description: 'Most items to print', default: 50 },
      json: { type: 'boolean', description: 'Print JSON', default: false },
    },
  },
  async run(o) {
    if (!o.prefix) throw new SidrecError('E_CONFIG', 'missing the prefix (e.g. sidrec sids 12-5 --sids DIR)', { field: 'prefix' });
    if (!o.sids) throw new SidrecError('E_CONFIG', 'missing --sids (a sidrec tokenize directory or a model directory)', { field: 'sids' });
    const dir = findSidDir(o.sids);
    if (!dir)
      throw new SidrecError('E_NOT_FOUND', 'no SID directory here (sidrec tokenize writes one; model directories bundle theirs)', {
        file: o.sids,
        field: 'sids',
      });
    const table = loadSidTable(join(dir, TABLE_FILE));
    const prefix = parseSidPrefix(o.prefix);
    if (prefix.length > table.digits)
      throw new SidrecError('E_INPUT', `the prefix has ${prefix.length} codes, these SIDs ${table.digits}`, { field: 'prefix' });
    const items = Array.from(table.itemsUnder(prefix));
    const ds = o.data ? loadDataset(o.data) : undefined;
    if (ds && ds.numItems !== table.count)
      throw new SidrecError('E_STATE', `the dataset has ${ds.numItems} items, the SID table ${table.count}`, { file: o.data, field: 'data' });
    const rows = items.slice(0, o.limit).map((i) => ({
      index: i,
      ...(ds ? { id: ds.itemIds[i] } : {}),
      sid: Array.from(table.codesOf(i)),
      ...(ds?.catalog.texts[i]?.title ? { title: ds.catalog.texts[i].title } : {}),
    }));
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ prefix, total: items.length, items: rows })}\n`);
      return;
    }
    process.stdout.write(
      `${items.length} item${items.length === 1 ? '' : 's'} under ${prefix.join('-')}${items.length > rows.length ? ` (first ${rows.length})` : ''}\n`,
    );
    for (const r of rows) process.stdout.write(`  ${r.id ?? `#${r.index}`}  ${r.sid.join('-')}${r.title ? `  ${r.title}` : ''}\n`);
  },
});
