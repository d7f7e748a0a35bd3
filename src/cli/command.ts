/** What every `sidrec` subcommand is: a spec (options, help) and a run function over the parsed options. */
import type { CommandSpec, OptionSpecs, ParsedOptions } from './options.js';

export interface Command<S extends OptionSpecs = OptionSpecs> {
  readonly spec: CommandSpec<S>;
  run(options: ParsedOptions<S>): Promise<void>;
}

/** Helps inference: `defineCommand({ spec: {...}, async run(o) {...} })` types `o` from the spec. */
export function defineCommand<S extends OptionSpecs>(command: Command<S>): Command<S> {
  return command;
}
