/**
 * The model-family contract (in the spirit of RecBole's abstract recommender and transformers.js's task table):
 * everything sidrec does with one kind of model, behind one object. A family lives in one folder
 * (families/<kind>/) and exports a `ModelFamily`; the frozen table in families/index.ts maps the manifest kind to
 * it, and `sidrec train / evaluate / recommend / serve` and model loading dispatch through that table only.
 *
 * A family declares
 * - its flags: `trainOptions` (read by `sidrec train --model <kind>`) and `useOptions` (read by evaluate,
 *   recommend and serve), with the family's own defaults; the CLI builds its flags and help from them;
 * - how it trains: `plan` returns a `TrainingPlan` (its model, batch format, validation, run settings and the
 *   test evaluation + manifest block), which the one training entry (train/run.ts) drives;
 * - how it is used once trained: `scorer` (full-ranking evaluation of a split) and `recommender` (the seam the
 *   CLI's recommend and the HTTP service share).
 */
import type { OptionSpecs } from '../core/option-spec.js';
import type { InteractionDataset, LeaveOneOutSplit } from '../data/index.js';
import type { Recommender } from '../decode/recommender.js';
import type { Scorer } from '../eval/index.js';
import type { ServingItems } from '../model/bundle.js';
import type { ModelManifest } from '../model/manifest.js';
import type { ExportedTransitions } from '../model/transition-counts.js';
import type { TransitionPrior } from '../model/transitions.js';
import type { TrainConfig } from '../train/config.js';
import type { TrainingPlan } from '../train/run.js';
import type { TrainRunOptions } from '../train/trainer.js';
import type { ExportPrecision } from './onnx-graph.js';
import { withTransitionPrior } from './transitions.js';

/** Option values as parsed from flags: a family reads its own (see `withDefaults`). */
export type Flags = Readonly<Record<string, string | number | boolean | undefined>>;

/** What `plan` is given: the dataset, its split, the training-loop options and the run's directory. */
export interface TrainInput {
  readonly dataset: InteractionDataset;
  readonly split: LeaveOneOutSplit;
  readonly dataDir: string;
  readonly train: TrainConfig;
  readonly run: TrainRunOptions;
}

/** A trained model as `sidrec evaluate` uses it: a label for tables and a scorer per split. */
export interface FamilyScorer {
  readonly label: string;
  scorer(split: LeaveOneOutSplit): Scorer;
  /** Decoding statistics after evaluation (graph decoding: visited items per user). */
  stats?(): Readonly<Record<string, number>>;
}

/** What opening a model for use may read besides its directory: the serving catalogue, and a progress log. */
export interface OpenContext {
  readonly items: ServingItems;
  readonly log: (line: string) => void;
}

export interface ModelFamily {
  /** The manifest kind and `--model` value, e.g. 'rpg'. */
  readonly kind: string;
  /** One line for `sidrec train --help`, naming the paper it follows. */
  readonly summary: string;
  /** Flags of `sidrec train --model <kind>` beyond the shared ones (train/config.ts), with this family's defaults. */
  readonly trainOptions: OptionSpecs;
  /** Help lines for `sidrec train --help`. */
  readonly trainHelp?: string;
  /**
   * The family's own defaults for shared training flags (train/config.ts) where the shared ones would train it
   * worse than measured: RPG at its paper's schedule. A flag given on the command line wins.
   */
  readonly trainDefaults?: Readonly<Partial<Pick<TrainConfig, 'epochs' | 'lr' | 'warmupSteps' | 'patience'>>>;
  /** Flags of evaluate / recommend that this family reads (decoding settings), defaults as trained when unset. */
  readonly useOptions: OptionSpecs;
  /** Builds the training run (after the CLI checked the dataset and the output directory). */
  // biome-ignore lint/suspicious/noExplicitAny: each family's plan has its own batch types
  plan(input: TrainInput, flags: Flags): Promise<TrainingPlan<any, any>> | TrainingPlan<any, any>;
  /** A trained (or in-progress) model directory as an evaluation scorer. */
  scorer(dir: string, manifest: ModelManifest, flags: Flags): FamilyScorer;
  /** A trained model directory as a `Recommender` (the CLI's recommend and the HTTP service). */
  recommender(dir: string, manifest: ModelManifest, context: OpenContext, flags: Flags): Recommender;
  /** Writes the trained model as a self-checked ONNX export into `out` (absent: the kind cannot be exported yet). */
  export?(dir: string, manifest: ModelManifest, context: OpenContext, out: string, options?: ExportOptions): ExportResult | Promise<ExportResult>;
}

/** An export's self-check: its runtime's scores against the engine's on `histories` histories. */
export interface ExportCheck {
  readonly histories: number;
  readonly maxAbsDiff: number;
  readonly scoreRange: number;
  /** Share of histories whose top 10 is the same, in order. */
  readonly top10Agreement: number;
  /** Mean share of a history's top 10 that the export's top 10 also holds (any order). */
  readonly top10Overlap: number;
}

export interface ExportOptions {
  /** Float weights stored as float32 (exact) or float16 (half the size; checked the same way). @default 'float32' */
  readonly precision?: ExportPrecision;
  /** Carry the model directory's transition prior into the export (transitions.bin), or leave it out. @default 'on' */
  readonly transitions?: 'on' | 'off';
  /** The prior to carry, opened by families/transitions.ts from the model directory (not set by callers). */
  readonly prior?: TransitionPrior;
}

/** What `sidrec export` wrote. */
export interface ExportResult {
  readonly dir: string;
  /** Size of the ONNX graphs (model.onnx, and decoder.onnx for TIGER-style models). */
  readonly bytes: number;
  readonly check: ExportCheck;
  /** The transition prior the export carries (transitions.bin), when it carries one. */
  readonly transitions?: ExportedTransitions;
}

/**
 * Freezes a family (and types its methods' parameters from the contract), with the transition prior every family
 * takes (families/transitions.ts: `--transitions`, applied where the model directory holds one).
 */
export function defineFamily(family: ModelFamily): ModelFamily {
  return Object.freeze(withTransitionPrior(family));
}
