/**
 * Child process for the crash test in sid-dir.test.ts: tokenizes the fixture dataset with seed 1 and starts
 * replacing the SID directory argv[2], then stops where the parent asked (argv[3]: 'mid-write' after the first
 * file, 'before-rename' with the new directory complete) and tells the parent, which kills it with SIGKILL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic } from '../../src/core/atomic-dir.js';
import { saveDatasetSids } from '../../src/tokenize/index.js';
import { fixtureSids } from './sid-dir-fixture.js';

const [dir, where] = process.argv.slice(2);
const hang = (): never => {
  process.send!('ready');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until killed
  throw new Error('unreachable');
};
if (where === 'before-rename') saveDatasetSids(dir, fixtureSids(1), { beforeRename: hang });
else
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, 'tokenizer.sidtok'), 'half of a new SID set');
    hang();
  });
