/**
 * tokenizeReport: how good a set of SIDs is, in the figures the SID papers discuss: collision rate (items
 * sharing their full tokenizer SID, before the collision digit) and largest collision group, per-digit codebook
 * utilisation (fraction of codes used) and perplexity (exp of the code-usage entropy; = codebookSize when
 * perfectly even), reconstruction error relative to the data's total variance, and fit time. JSON + table.
 */
import type { ItemFeatures } from '../features/types.js';
import type { SemanticIdTable } from './sid-table.js';
import type { Tokenizer } from './tokenizer.js';

export interface DigitUsage {
  readonly digit: number;
  readonly used: number;
  readonly utilisation: number;
  readonly perplexity: number;
}

export interface TokenizeReport {
  readonly kind: string;
  readonly items: number;
  readonly digits: number;
  readonly codebookSize: number;
  readonly collisionDigit: boolean;
  readonly collisionRate: number;
  readonly collidedItems: number;
  readonly largestCollisionGroup: number;
  readonly uniqueSids: number;
  readonly perDigit: readonly DigitUsage[];
  /** Mean squared reconstruction error per item (absent for imported SIDs: no features, no decoder). */
  readonly mse?: number;
  /** mse / mean squared distance to the data mean (0 perfect, 1 = predicting the mean). */
  readonly relativeMse?: number;
  readonly fitSeconds: number;
  readonly encodeSeconds: number;
}

export function tokenizeReport(args: {
  readonly tokenizer: Tokenizer;
  readonly table: SemanticIdTable;
  readonly features: ItemFeatures;
  readonly fitSeconds: number;
  readonly encodeSeconds?: number;
}): TokenizeReport & { readonly mse: number; readonly relativeMse: number } {
  const { tokenizer, table, features } = args;
  const n = table.count;
  const b = tokenizer.digits;
  const baseCodes = new Int32Array(n * b);
  for (let i = 0; i < n; i++) baseCodes.set(table.codes.subarray(i * table.digits, i * table.digits + b), i * b);
  const recon = tokenizer.decode(baseCodes, n);
  const { dim, data } = features;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  let err = 0;
  let variance = 0;
  for (let i = 0; i < n * dim; i++) {
    const e = data[i] - recon[i];
    const v = data[i] - mean[i % dim];
    err += e * e;
    variance += v * v;
  }
  return {
    ...tableReport(tokenizer.kind, table),
    mse: err / n,
    relativeMse: variance > 0 ? err / variance : 0,
    fitSeconds: args.fitSeconds,
    encodeSeconds: args.encodeSeconds ?? 0,
  };
}

/** What a SID table alone tells (collisions, per-digit code use): the whole report of imported SIDs. */
export function tableReport(kind: string, table: SemanticIdTable): TokenizeReport {
  const n = table.count;
  const b = table.shape.baseDigits;
  const size = table.shape.codebookSize;
  const perDigit: DigitUsage[] = [];
  const counts = new Float64Array(size);
  for (let l = 0; l < b; l++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[table.codes[i * table.digits + l]]++;
    let used = 0;
    let entropy = 0;
    for (const c of counts) {
      if (c === 0) continue;
      used++;
      const p = c / n;
      entropy -= p * Math.log(p);
    }
    perDigit.push({ digit: l, used, utilisation: used / size, perplexity: Math.exp(entropy) });
  }
  const stats = table.collisionStats();
  return {
    kind,
    items: n,
    digits: b,
    codebookSize: size,
    collisionDigit: table.shape.collisionDigit,
    collisionRate: stats.collisionRate,
    collidedItems: stats.collidedItems,
    largestCollisionGroup: stats.largestGroup,
    uniqueSids: stats.uniqueSids,
    perDigit,
    fitSeconds: 0,
    encodeSeconds: 0,
  };
}

/** Fixed-width text table of a report (digits beyond 8 summarised as min/mean/max). */
export function formatTokenizeReport(r: TokenizeReport): string {
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `tokenizer ${r.kind}: ${r.items} items, ${r.digits} digits x ${r.codebookSize} codes${r.collisionDigit ? ' (+ collision digit)' : ''}`,
    `  fit ${r.fitSeconds.toFixed(2)} s, encode ${r.encodeSeconds.toFixed(2)} s`,
    `  collisions: ${pct(r.collisionRate)} of items (${r.collidedItems}), largest group ${r.largestCollisionGroup}, unique SIDs ${r.uniqueSids}`,
    r.mse === undefined || r.relativeMse === undefined
      ? '  reconstruction: none (imported SIDs)'
      : `  reconstruction: mse ${r.mse.toExponential(3)}, relative to variance ${r.relativeMse.toFixed(4)}`,
    '  digit  used   utilisation  perplexity',
  ];
  const row = (u: DigitUsage): string =>
    `  ${String(u.digit).padStart(5)}  ${String(u.used).padStart(5)}  ${pct(u.utilisation).padStart(11)}  ${u.perplexity.toFixed(1).padStart(10)}`;
  if (r.perDigit.length <= 8) lines.push(...r.perDigit.map(row));
  else {
    const agg = (f: (u: DigitUsage) => number): string => {
      const xs = r.perDigit.map(f);
      return `${Math.min(...xs).toFixed(3)} / ${(xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(3)} / ${Math.max(...xs).toFixed(3)}`;
    };
    lines.push(`  all ${r.perDigit.length} digits (min / mean / max): utilisation ${agg((u) => u.utilisation)}, perplexity ${agg((u) => u.perplexity)}`);
  }
  return lines.join('\n');
}
