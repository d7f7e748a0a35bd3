/**
 * The transition prior (model/transitions.ts) on every family: `defineFamily` adds the use-option `--transitions
 * on|off` and wraps the family's scorer and recommender, so a model directory that holds transitions.safetensors
 * (written by `sidrec transitions`) is evaluated, recommended from and served with it unless `--transitions off`.
 * The prior is added to every item's score, so with one RPG scores exactly (its graph decoding visits a subset).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../core/errors.js';
import { TransitionRecommender } from '../decode/transition-recommender.js';
import { type ModelManifest, servedEpoch } from '../model/manifest.js';
import { openTransitions, TRANSITIONS_FILE, type TransitionPrior, withTransitions } from '../model/transitions.js';
import type { FamilyScorer, Flags, ModelFamily } from './family.js';

export const TRANSITIONS_OPTION = {
  transitions: {
    type: 'string',
    choices: ['on', 'off'],
    description: `Add the transition prior the model directory holds (${TRANSITIONS_FILE}, from sidrec transitions); off: the model alone`,
    default: 'on',
  },
} as const;

function priorFor(dir: string, manifest: ModelManifest, flags: Flags) {
  return flags.transitions === 'off' ? null : openTransitions(dir, manifest.numItems, servedEpoch(dir, manifest));
}

/**
 * Whether `dir` holds a prior the flags leave on: a command whose own default decodes a candidate list (sidrec
 * recommend's RPG graph) asks this first, since the prior needs every item scored.
 */
export function holdsPrior(dir: string, flags: Flags): boolean {
  return flags.transitions !== 'off' && existsSync(join(dir, TRANSITIONS_FILE));
}

/**
 * With a prior, a family that can decode a candidate list (RPG's graph) scores every item instead; a candidate
 * decoding asked for by name is refused rather than replaced, so the figure printed is the one asked for.
 */
function exactWith(dir: string, family: ModelFamily, flags: Flags, prior: unknown): Flags {
  if (!prior || !('decode' in family.useOptions)) return flags;
  if (flags.decode !== undefined && flags.decode !== 'exact')
    throw new SidrecError(
      'E_CONFIG',
      `--decode ${String(flags.decode)} ranks a subset of the items, and ${dir} holds ${TRANSITIONS_FILE}, which needs every item scored: leave --decode out (exact with the prior), or add --transitions off to decode without it`,
      { field: 'decode' },
    );
  return { ...flags, decode: 'exact' };
}

/** The family with `--transitions` among its use-options and the prior applied where a directory holds one. */
export function withTransitionPrior(family: ModelFamily): ModelFamily {
  return {
    ...family,
    useOptions: { ...family.useOptions, ...TRANSITIONS_OPTION },
    scorer(dir, manifest, flags): FamilyScorer {
      const prior = priorFor(dir, manifest, flags);
      const inner = family.scorer(dir, manifest, exactWith(dir, family, flags, prior));
      if (!prior) return inner;
      return {
        ...inner,
        label: `${inner.label} + transitions x ${prior.weight}${reachLabel(prior)}`,
        scorer: (split) => {
          const scorer = inner.scorer(split);
          if (scorer.kind !== 'scores')
            throw new SidrecError('E_CONFIG', `${dir} holds ${TRANSITIONS_FILE}, which needs every item scored: ${hint(family.kind, prior)}`, {
              field: 'transitions',
            });
          return withTransitions(scorer, prior, split.numItems);
        },
      };
    },
    ...(family.export ? { export: exportWithPrior(family.export) } : {}),
    recommender(dir, manifest, context, flags) {
      const prior = priorFor(dir, manifest, flags);
      const inner = family.recommender(dir, manifest, context, exactWith(dir, family, flags, prior));
      if (!prior) return inner;
      if (!inner.scoreAll)
        throw new SidrecError('E_CONFIG', `${dir} holds ${TRANSITIONS_FILE}, which needs every item scored: ${hint(family.kind, prior)}`, {
          field: 'transitions',
        });
      context.log(`transition prior: weight ${prior.weight}${reachLabel(prior)} (${TRANSITIONS_FILE})`);
      return new TransitionRecommender(inner, prior);
    },
  };
}

/**
 * The family's export with the directory's prior carried along (unless `transitions: 'off'`): the family's writer
 * stores it as transitions.bin and the browser module adds it as the server does (a family whose export ranks beam
 * candidates refuses it, as its served model does).
 */
function exportWithPrior(inner: NonNullable<ModelFamily['export']>): NonNullable<ModelFamily['export']> {
  return (dir, manifest, context, out, options = {}) => {
    const prior = options.transitions === 'off' ? null : openTransitions(dir, manifest.numItems, servedEpoch(dir, manifest));
    if (!prior) return inner(dir, manifest, context, out, options);
    return inner(dir, manifest, context, out, { ...options, prior });
  };
}

/** ' (newest 5, decay 0.5)' for a prior that reads more than the newest item; '' for one that does not. */
function reachLabel(prior: TransitionPrior): string {
  const reach = prior.reach;
  return reach && reach.window > 1 && reach.decay > 0 ? ` (newest ${reach.window}, decay ${reach.decay})` : '';
}

/** What to do when a prior meets a ranking that returns candidate lists: the options it was fitted with, or none. */
function hint(kind: string, prior: TransitionPrior): string {
  const options = Object.entries(prior.report.options ?? {}).map(([name, value]) => `--${name} ${String(value)}`);
  const fitted = options.length > 0 ? `give the options it was fitted with (${options.join(' ')}), or ` : '';
  return `model kind "${kind}" ranks candidate lists here; ${fitted}use --transitions off`;
}
