/**
 * The stages of `sidrec reproduce` as a user would type them: each stage's command with the experiment's options (and
 * its top-level seed), printed before it runs, into the run folder; a stage that finished with the same arguments, and
 * every stage before it with the same arguments as then, is skipped (its stamp `WORK/STAGE.done.json` holds that key).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import type { Command } from './command.js';
import { STAGES, shellLine, stageArgs, type Experiment, type StageName } from './experiment.js';
import { parseCommand } from './options.js';

/** The stage commands, passed in so the reproduce files need no import of the command table (which lists reproduce). */
// biome-ignore lint/suspicious/noExplicitAny: stage commands of different option specs
export type StageCommands = Readonly<Record<StageName, Command<any>>>;

type Options = Record<string, string | number | boolean>;

export interface StageRunnerOptions {
  /** The run folder (stage stamps live here). */
  readonly work: string;
  /** Pass `--quiet` to the commands that take it. */
  readonly quiet: boolean;
  /** Continue an unfinished training stage (else one is refused). */
  readonly resume: boolean;
  /** Where training writes (an unfinished run there needs `resume`). */
  readonly model: string;
  readonly say: (line: string) => void;
}

export class StageRunner {
  /** Per stage: the arguments it runs with now and those of every stage before it (a changed dataset makes new SIDs and a new model). */
  private readonly keys: Partial<Record<StageName, string>> = {};

  constructor(
    private readonly experiment: Experiment,
    private readonly commands: StageCommands,
    private readonly options: StageRunnerOptions,
  ) {
    let upstream: unknown[] = [];
    for (const stage of STAGES) {
      if (!experiment.stages[stage] && stage !== 'prepare') continue;
      upstream = [...upstream, stage, stageArgs(this.stageOptions(stage))];
      this.keys[stage] = JSON.stringify(upstream);
    }
  }

  /** The experiment's options for `stage`, with the top-level seed where the command takes one and none is set. */
  stageOptions(stage: StageName): Options {
    const options: Options = { ...(this.experiment.stages[stage] ?? {}) };
    const { seed } = this.experiment;
    if (seed !== undefined && 'seed' in this.commands[stage].spec.options && options.seed === undefined) options.seed = seed;
    return options;
  }

  /** Runs `stage`'s command with `options` as the CLI would, printing the line first, tagged `[tag]`. */
  async invoke(tag: string, stage: StageName, options: Options): Promise<void> {
    const command = this.commands[stage];
    const args = stageArgs(this.options.quiet && 'quiet' in command.spec.options ? { ...options, quiet: true } : options);
    this.options.say(`[${tag}] sidrec ${command.spec.name} ${shellLine(args)}`);
    const parsed = parseCommand(command.spec, args);
    if (parsed) await command.run(parsed);
  }

  /**
   * Runs `stage` with the experiment's options and the `wired` paths (undefined values left out) unless it is done
   * (`always`: run it anyway); stamps it done when `finished()` says it ran to the end (training may pause).
   */
  async run(stage: StageName, wired: Record<string, string | number | boolean | undefined>, always = false, finished = (): boolean => true): Promise<void> {
    const options = { ...this.stageOptions(stage), ...Object.fromEntries(Object.entries(wired).filter(([, v]) => v !== undefined)) } as Options;
    const stamp = join(this.options.work, `${stage}.done.json`);
    const key = this.keys[stage] as string;
    if (!always && existsSync(stamp) && (JSON.parse(readFileSync(stamp, 'utf8')) as { key: string }).key === key) {
      this.options.say(`[${stage}] done earlier with the same settings (${stamp})`);
      return;
    }
    if (stage === 'train' && !this.options.resume && existsSync(join(this.options.model, 'run.json')))
      throw new SidrecError(
        'E_CONFIG',
        `${this.options.model} holds an unfinished training run: add --resume to continue it (or delete the folder to start over)`,
        { field: 'resume' },
      );
    await this.invoke(stage, stage, options);
    if (finished()) writeJsonAtomic(stamp, { key, finishedAt: new Date().toISOString() });
  }
}
