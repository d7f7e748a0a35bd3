/**
 * Experiment files: one committed JSON per quality figure, naming every stage's options as the CLI takes them, so a
 * figure in BENCHMARKS.md is re-created by `sidrec reproduce NAME` instead of a command line copied from prose.
 *
 *   {
 *     "description": "RPG on Beauty at the T03 settings",
 *     "seed": 42,                                        // given to every stage that has --seed, unless it sets one
 *     "prepare":  { "input": "../shared/data/amazon-beauty" },
 *     "tokenize": { "features": "text,attributes,cooccurrence", "kind": "opq", "subspaces": 32 },  // or { "import": FILE }
 *     "train":    { "model": "rpg", "epochs": 35, "batch-size": 64, "lr": 0.003 },
 *     "transitions": {},                                 // optional: sidrec transitions on the trained model
 *     "evaluate": { "split": "test" },                   // optional: a separate evaluation with cold-start buckets
 *     "engine":   { "denormals": "keep", "threads": 1 }, // optional: the engine mode and compute threads the figure was made with
 *     "superseded": { "by": ["rpg-beauty-t03-uniform"], "why": "..." }  // optional: a design no longer pursued
 *   }
 *
 * A built-in baseline (nothing to train) takes "baseline" instead of "train": `{ "model": "sid-neighbours" }` and
 * any other `sidrec evaluate` option; it is ranked on validation and test, with the tokenize stage's SIDs when the
 * experiment has one.
 *
 * Keys are the commands' long option names. A string that begins with ./ or ../ is a path relative to the folder
 * that holds `experiments/` (the repository root), so the files work from any working directory. The stages'
 * own inputs and outputs (--data, --sids, --out, --model) are set by `reproduce` and may not appear.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { SidrecError } from '../core/errors.js';
import { readJsonFile } from '../core/json-file.js';

const optionValue = z.union([z.string(), z.number(), z.boolean()]);
const stage = z.record(z.string(), optionValue);

const experimentSchema = z
  .strictObject({
    description: z.string().min(1),
    seed: z.number().int().optional(),
    prepare: stage,
    tokenize: stage.optional(),
    train: stage.optional(),
    baseline: stage.optional(),
    transitions: stage.optional(),
    evaluate: stage.optional(),
    // Results made before subnormal floats were flushed (2026-12-05) pin 'keep' to re-create to the last digit.
    engine: z.strictObject({ denormals: z.enum(['flush', 'keep']).optional(), threads: z.number().int().min(1).optional() }).optional(),
    // A design kept for the figures BENCHMARKS.md took from it (often a run stopped part-way), no longer pursued.
    superseded: z.strictObject({ by: z.array(z.string().min(1)).optional(), why: z.string().min(1) }).optional(),
  })
  .superRefine((value, context) => {
    if ((value.train === undefined) === (value.baseline === undefined))
      context.addIssue({
        code: 'custom',
        message: 'an experiment has either "train" (a model) or "baseline" (a built-in baseline), not both or neither',
        path: ['train'],
      });
    if (value.baseline && (value.transitions || value.evaluate))
      context.addIssue({
        code: 'custom',
        message: 'a baseline experiment is evaluated on validation and test by its own stage: remove "transitions" and "evaluate"',
        path: ['baseline'],
      });
    if (value.baseline && typeof value.baseline.model !== 'string')
      context.addIssue({
        code: 'custom',
        message: 'name the baseline: "baseline": { "model": "sid-neighbours" } (or popularity, bigram, recent-bigram)',
        path: ['baseline', 'model'],
      });
  });

export type StageName = 'prepare' | 'tokenize' | 'train' | 'baseline' | 'transitions' | 'evaluate';
/** The stages in the order they run (an experiment has train or baseline). */
export const STAGES: readonly StageName[] = Object.freeze(['prepare', 'tokenize', 'train', 'baseline', 'transitions', 'evaluate']);
export type StageOptions = Readonly<Record<string, string | number | boolean>>;

export interface Experiment {
  readonly name: string;
  /** The experiment file. */
  readonly file: string;
  /** The folder relative paths are resolved against (the parent of experiments/). */
  readonly root: string;
  readonly description: string;
  readonly seed?: number;
  readonly stages: Readonly<Partial<Record<StageName, StageOptions>>>;
  /** Engine settings the figure was made with (src/tensor/kernels/denormals.ts); absent: the defaults. */
  readonly engine?: { readonly denormals?: 'flush' | 'keep'; readonly threads?: number };
  /** Not pursued any more: the experiments that replaced it (files beside this one) and why. */
  readonly superseded?: { readonly by?: readonly string[]; readonly why: string };
  /** The file's content, as read (recorded in the results). */
  readonly raw: unknown;
}

/** Options `reproduce` wires between stages; an experiment may not set them. */
const WIRED: Readonly<Record<StageName, readonly string[]>> = {
  prepare: ['out'],
  tokenize: ['data', 'out'],
  train: ['data', 'sids', 'out', 'resume', 'stop-after', 'overwrite'],
  baseline: ['data', 'sids', 'split', 'json'],
  transitions: ['model', 'data'],
  evaluate: ['model', 'data', 'json'],
};

/**
 * Find an experiment by name (`experiments/NAME.json` under the current directory or any parent) or by path.
 * @example readExperiment('rpg-beauty-t03')
 */
export function readExperiment(nameOrFile: string, cwd = process.cwd()): Experiment {
  const file = nameOrFile.endsWith('.json') ? resolve(cwd, nameOrFile) : findByName(nameOrFile, cwd);
  const raw = readJsonFile(file, 'no such experiment file');
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SidrecError('E_INPUT', issue.message, { file, field: issue.path.join('.') || undefined });
  }
  const root = dirname(dirname(file));
  const stages: Partial<Record<StageName, StageOptions>> = {};
  for (const name of STAGES) {
    const options = parsed.data[name];
    if (!options) continue;
    for (const key of Object.keys(options)) {
      if (WIRED[name].includes(key))
        throw new SidrecError('E_INPUT', `"${key}" is set by sidrec reproduce (it wires the stages together); remove it`, { file, field: `${name}.${key}` });
    }
    stages[name] = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, typeof v === 'string' && /^\.\.?\//.test(v) ? join(root, v) : v]));
  }
  const { superseded } = parsed.data;
  (superseded?.by ?? []).forEach((by, i) => {
    if (!existsSync(join(dirname(file), `${by}.json`)))
      throw new SidrecError('E_INPUT', `"${by}" names no experiment file beside this one`, { file, field: `superseded.by.${i}` });
  });
  const { description, seed, engine } = parsed.data;
  return { name: basename(file, '.json'), file, root, description, seed, stages, engine, ...(superseded ? { superseded } : {}), raw };
}

/**
 * Where `sidrec reproduce` keeps an experiment's stage outputs (WORK/NAME, by default runs/NAME beside experiments/;
 * the trained model in its `model` folder) and writes its results file (RESULTS/NAME.json, by default results/).
 */
export function experimentPaths(
  experiment: Pick<Experiment, 'name' | 'root'>,
  where: { readonly work?: string; readonly results?: string } = {},
): { readonly work: string; readonly model: string; readonly results: string } {
  const work = join(where.work ?? join(experiment.root, 'runs'), experiment.name);
  return { work, model: join(work, 'model'), results: join(where.results ?? join(experiment.root, 'results'), `${experiment.name}.json`) };
}

function findByName(name: string, cwd: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new SidrecError('E_CONFIG', `"${name}" is neither an experiment name nor a .json file`, { field: 'experiment' });
  const dir = findUp(cwd, join('experiments', `${name}.json`));
  if (dir === undefined) throw new SidrecError('E_NOT_FOUND', `no experiments/${name}.json in ${resolve(cwd)} or above`, { field: 'experiment' });
  return join(dir, 'experiments', `${name}.json`);
}

/** The folder holding experiments/ (`sidrec experiments`): the working directory or the nearest one above it. */
export function experimentsRoot(cwd = process.cwd()): string {
  const dir = findUp(cwd, 'experiments');
  if (dir === undefined) throw new SidrecError('E_NOT_FOUND', `no experiments/ folder in ${resolve(cwd)} or above`, { field: 'experiments' });
  return dir;
}

/** The nearest of `cwd` and the folders above it that holds `relative`, or undefined. */
function findUp(cwd: string, relative: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** A stage's options as command-line arguments (`--key value`; `--key` for true, nothing for false). */
export function stageArgs(options: StageOptions): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === false) continue;
    args.push(`--${key}`);
    if (value !== true) args.push(String(value));
  }
  return args;
}

/** Quote an argument list for a copy-paste shell line. */
export function shellLine(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
