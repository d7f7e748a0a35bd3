/** Every `sidrec` subcommand, in the order `sidrec --help` lists them. */
import type { Command } from './command.js';
import { compareCommand } from './compare.js';
import { curvesCommand } from './curves.js';
import { evaluateCommand } from './evaluate.js';
import { experimentsCommand } from './experiments.js';
import { exportCommand } from './export.js';
import { prepareCommand } from './prepare.js';
import { quickstartCommand } from './quickstart.js';
import { recommendCommand } from './recommend.js';
import { reproduceCommand } from './reproduce.js';
import { serveCommand } from './serve.js';
import { sidsCommand } from './sids.js';
import { synthCommand } from './synth.js';
import { tokenizeCommand } from './tokenize.js';
import { trainCommand } from './train.js';
import { transitionsCommand } from './transitions.js';

const reproduce = reproduceCommand({
  prepare: prepareCommand,
  tokenize: tokenizeCommand,
  train: trainCommand,
  baseline: evaluateCommand,
  transitions: transitionsCommand,
  evaluate: evaluateCommand,
});

// biome-ignore lint/suspicious/noExplicitAny: commands of different option specs in one list (run() is contravariant in them)
export const commands: readonly Command<any>[] = [
  quickstartCommand,
  synthCommand,
  prepareCommand,
  tokenizeCommand,
  trainCommand,
  evaluateCommand,
  transitionsCommand,
  curvesCommand,
  compareCommand,
  reproduce,
  experimentsCommand,
  recommendCommand,
  serveCommand,
  exportCommand,
  sidsCommand,
];
