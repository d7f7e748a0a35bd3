#!/usr/bin/env node
/**
 * The `sidrec` command line: dispatches to one file per command and maps error codes to exit codes
 * (2 for bad input or options, 1 for anything else). Every failure, expected or not, prints one line naming
 * its stable code (`sidrec prepare [E_INPUT]: ...`); `SIDREC_DEBUG=1` adds the stack trace. Before a command
 * runs, its `--out` is checked to be a directory that can be made, so no command dies on a raw EEXIST/ENOTDIR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SidrecError, exitCodeFor } from '../core/errors.js';
import type { Command } from './command.js';
import { checkOutputDir, parseCommand } from './options.js';
import { commands } from './commands.js';
import { asSidrecError, errorLine } from './report.js';

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 2;
  return [
    'sidrec: generative recommendation with Semantic IDs',
    '',
    'Usage: sidrec <command> [options]     (sidrec <command> --help for its options)',
    '       sidrec --version',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'A typical run: sidrec quickstart   (synthetic data -> train -> evaluate, a few minutes on 2 cores)',
    'SIDREC_DEBUG=1 prints the stack trace of an error.',
    '',
  ].join('\n');
}

/** The version in sidrec's own package.json (found upwards from this file: dist/src/cli -> the package root). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sidrec' && typeof pkg.version === 'string') return pkg.version;
    }
    dir = dirname(dir);
  }
  throw new SidrecError('E_INTERNAL', "sidrec's package.json not found above the installed files");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    try {
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    } catch (error) {
      process.stderr.write(`${errorLine('sidrec', error)}\n`);
      return 1;
    }
  }
  const command = commands.find((c) => c.spec.name === name) as Command | undefined;
  if (!command) {
    process.stderr.write(`sidrec: unknown command "${name}". Commands: ${commands.map((c) => c.spec.name).join(', ')} (or --version, --help)\n`);
    return 2;
  }
  try {
    const options = parseCommand(command.spec, rest);
    if (options === null) return 0;
    const out = (options as Readonly<Record<string, unknown>>).out;
    if (command.spec.options.out?.type === 'string' && typeof out === 'string' && command.spec.outIsFile !== true) checkOutputDir(out);
    await command.run(options);
    return 0;
  } catch (error) {
    process.stderr.write(`${errorLine(`sidrec ${name}`, error)}\n`);
    return exitCodeFor(asSidrecError(error));
  }
}

/** Errors thrown outside a command's promise (timers, servers): one line and the mapped exit code. */
function crash(error: unknown): void {
  process.stderr.write(`${errorLine('sidrec', error)}\n`);
  process.exit(exitCodeFor(asSidrecError(error)));
}
process.on('uncaughtException', crash);
// A reader that stops early (`sidrec curves ... | head`) closes the pipe: that ends the output, it is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  crash(error);
});
process.on('unhandledRejection', crash);

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, crash);
