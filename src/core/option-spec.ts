/**
 * Typed option specs: what a command-line flag (or a JSON config key) is, its type, range, default and help text.
 * The CLI parses and documents flags from them (cli/options.ts); model families declare theirs with the same
 * types (families/), so `sidrec train --help` and the flags a family accepts come from one declaration.
 */

export interface BaseSpec {
  readonly description: string;
  /** One-letter alias, e.g. 'k'. */
  readonly short?: string;
}
export interface StringOption extends BaseSpec {
  readonly type: 'string';
  readonly default?: string;
  readonly choices?: readonly string[];
}
export interface NumberOption extends BaseSpec {
  readonly type: 'number';
  readonly default?: number;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanOption extends BaseSpec {
  readonly type: 'boolean';
  readonly default?: boolean;
}
export type OptionSpec = StringOption | NumberOption | BooleanOption;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends StringOption ? string : S extends NumberOption ? number : boolean;
/** Options with a default are always present; the rest may be undefined. */
export type ParsedOptions<S extends OptionSpecs> = {
  readonly [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

export interface CommandSpec<S extends OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  /** Longer explanation and examples shown by `--help`. */
  readonly details?: string;
  readonly options: S;
  /** A string option that one bare argument may give instead of its flag (`sidrec reproduce NAME`). */
  readonly positional?: string;
  /** `--out` names a file to write (replaced whole), not the directory every other command writes into. */
  readonly outIsFile?: boolean;
}

/** Values for every option of `spec`: the given one, else the spec's default (undefined when it has none). */
export function withDefaults<S extends OptionSpecs>(spec: S, given: Readonly<Record<string, unknown>>): ParsedOptions<S> {
  const out: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(spec)) out[name] = given[name] ?? option.default;
  return out as ParsedOptions<S>;
}
