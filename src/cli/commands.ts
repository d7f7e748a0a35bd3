/** Every `sidrec` subcommand, in the order `sidrec --help` lists them. */
import type { Command } from './command.js';

export const commands: readonly Command<any>[] = [];
