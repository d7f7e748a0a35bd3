#!/usr/bin/env node
/**
 * The `sidrec` command line: dispatches to one file per command and maps error codes to exit codes
 * (2 for bad input or options, 1 for anything else) with a one-line message instead of a stack trace.
 */
import { SidrecError, exitCodeFor } from '../core/errors.js';
import type { Command } from './command.js';
import { parseCommand } from './options.js';
import { commands } from './commands.js';

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 2;
  return [
    'sidrec: generative recommendation with Semantic IDs',
    '',
    'Usage: sidrec <command> [options]     (sidrec <command> --help for its options)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'A typical run: sidrec quickstart   (synthetic data -> train -> evaluate, a few minutes on 2 cores)',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.spec.name === name) as Command | undefined;
  if (!command) {
    process.stderr.write(`sidrec: unknown command "${name}". Commands: ${commands.map((c) => c.spec.name).join(', ')}\n`);
    return 2;
  }
  try {
    const options = parseCommand(command.spec, rest);
    if (options === null) return 0;
    await command.run(options);
    return 0;
  } catch (error) {
    const message = error instanceof SidrecError ? `sidrec ${name}: ${error.message}` : `sidrec ${name}: ${(error as Error).stack ?? String(error)}`;
    process.stderr.write(`${message}\n`);
    return exitCodeFor(error);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sidrec: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
