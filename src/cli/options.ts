/**
 * Typed command-line options: one spec per command drives parsing, validation, `--help` text and the merge with
 * a JSON config file. Precedence, written once here: flags > config file (`--config FILE`) > built-in defaults.
 * Unknown flags and unknown config keys are rejected by name (esbuild's habit), values are coerced and checked.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SidrecError } from '../core/errors.js';
import type { CommandSpec, OptionSpec, OptionSpecs, ParsedOptions } from '../core/option-spec.js';

export type { BooleanOption, CommandSpec, NumberOption, OptionSpec, OptionSpecs, ParsedOptions, StringOption } from '../core/option-spec.js';

const COMMON: OptionSpecs = {
  config: { type: 'string', description: 'JSON file of option values (flags override it)' },
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
};

/** Parse `argv` for a command: returns null when `--help` was printed. */
export function parseCommand<S extends OptionSpecs>(spec: CommandSpec<S>, argv: readonly string[]): ParsedOptions<S> | null {
  const all: OptionSpecs = { ...spec.options, ...COMMON };
  const parseOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, option] of Object.entries(all)) {
    parseOptions[name] = { type: option.type === 'boolean' ? 'boolean' : 'string', ...(option.short ? { short: option.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: parseOptions, strict: true, allowPositionals: spec.positional !== undefined });
  } catch (error) {
    throw new SidrecError('E_CONFIG', `${(error as Error).message.replace(/\. To specify.*$/s, '')}\nRun "sidrec ${spec.name} --help" for the options.`);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (spec.positional !== undefined && parsed.positionals.length > 0) {
    if (parsed.positionals.length > 1 || flags[spec.positional] !== undefined) {
      throw new SidrecError('E_CONFIG', `one ${spec.positional} only (got ${[...parsed.positionals, flags[spec.positional] ?? []].flat().join(', ')})`, {
        field: spec.positional,
      });
    }
    flags[spec.positional] = parsed.positionals[0];
  }
  if (flags.help) {
    process.stdout.write(helpText(spec));
    return null;
  }
  const fromFile = typeof flags.config === 'string' ? readConfigFile(flags.config, spec) : {};
  const result: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const flag = flags[name];
    if (flag !== undefined) result[name] = coerce(name, option, flag, `--${name}`);
    else if (fromFile[name] !== undefined) result[name] = coerce(name, option, fromFile[name], `${flags.config as string}: "${name}"`);
    else result[name] = option.default;
  }
  return result as ParsedOptions<S>;
}

/**
 * An output directory option (`--out`) must be a directory or a path where one can be made: an existing file at
 * the path, or a file where a parent directory would go, is an E_CONFIG error naming the path (instead of the
 * raw EEXIST / ENOTDIR the first write would throw).
 */
export function checkOutputDir(path: string, flag = 'out'): void {
  const target = resolve(path);
  for (let p = target; ; ) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      st = undefined; // a file further up: found on the way there
    }
    if (st !== undefined) {
      if (st.isDirectory()) return;
      const why = p === target ? `exists and is a file; --${flag} names a directory to write` : `${p} is a file, so no directory can be made under it`;
      throw new SidrecError('E_CONFIG', why, { file: path, field: flag });
    }
    const parent = dirname(p);
    if (parent === p) return;
    p = parent;
  }
}

function readConfigFile(path: string, spec: CommandSpec<OptionSpecs>): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new SidrecError('E_NOT_FOUND', `config file not found`, { file: path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SidrecError('E_CONFIG', `not valid JSON: ${(error as Error).message}`, { file: path });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SidrecError('E_CONFIG', 'expected a JSON object of option values', { file: path });
  }
  for (const key of Object.keys(value)) {
    if (!(key in spec.options)) {
      throw new SidrecError('E_CONFIG', `unknown option for "sidrec ${spec.name}" (known: ${Object.keys(spec.options).join(', ')})`, {
        file: path,
        field: key,
      });
    }
  }
  return value as Record<string, unknown>;
}

function coerce(name: string, option: OptionSpec, raw: unknown, where: string): string | number | boolean {
  const fail = (why: string): never => {
    throw new SidrecError('E_CONFIG', `${where}: ${why}`, { field: name });
  };
  switch (option.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return fail(`expected true or false, got ${JSON.stringify(raw)}`);
    case 'string': {
      if (typeof raw !== 'string') return fail(`expected a string, got ${JSON.stringify(raw)}`);
      if (option.choices && !option.choices.includes(raw)) return fail(`expected one of ${option.choices.join(', ')}, got "${raw}"`);
      return raw;
    }
    case 'number': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(value)) return fail(`expected a number, got ${JSON.stringify(raw)}`);
      if (option.integer && !Number.isInteger(value)) return fail(`expected an integer, got ${value}`);
      if (option.min !== undefined && value < option.min) return fail(`must be >= ${option.min}, got ${value}`);
      if (option.max !== undefined && value > option.max) return fail(`must be <= ${option.max}, got ${value}`);
      return value;
    }
  }
}

export function helpText(spec: CommandSpec<OptionSpecs>): string {
  const rows = Object.entries({ ...spec.options, ...COMMON }).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'boolean' ? '' : option.type === 'number' ? ' N' : ' VALUE'}`;
    const extra: string[] = [];
    if ('choices' in option && option.choices) extra.push(`one of: ${option.choices.join(', ')}`);
    if (option.default !== undefined) extra.push(`default: ${String(option.default)}`);
    return [flag, `${option.description}${extra.length ? ` (${extra.join('; ')})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = [
    `Usage: sidrec ${spec.name}${spec.positional ? ` <${spec.positional}>` : ''} [options]`,
    '',
    spec.summary,
    ...(spec.details ? ['', spec.details.trimEnd()] : []),
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
    '',
    'Precedence: command-line flags > --config file > defaults.',
    '',
  ];
  return lines.join('\n');
}
