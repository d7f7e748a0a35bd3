/**
 * `sidrec export`: a trained model as a self-checked ONNX export for runtimes outside this process (the browser,
 * with onnxruntime-web), through its family's `export` (families/). Kinds without one are named in the error.
 */
import { SidrecError } from '../core/errors.js';
import { FAMILIES, familyOf } from '../families/index.js';
import { readServingItems } from '../model/bundle.js';
import { readManifest } from '../model/manifest.js';
import { checkOutputDir } from './options.js';
import { defineCommand } from './command.js';
import type { ExportPrecision } from '../families/onnx-graph.js';
import { TRANSITIONS_FILE } from '../model/transitions.js';

const exportable = Object.values(FAMILIES)
  .filter((f) => f.export)
  .map((f) => f.kind);

export const exportCommand = defineCommand({
  spec: {
    name: 'export',
    summary: 'Export a trained model as ONNX (checked against the engine before it is written)',
    details: `Examples:
  sidrec export --model runs/beauty/sasrec --out runs/beauty/sasrec-onnx
Writes OUT/model.onnx, OUT/items.json (item ids and titles in model order) and OUT/export.json (inputs, outputs, the
model it came from, the self-check); RPG adds its item graph (graph.bin, tokens.bin); TIGER, Gryphon and DIGER write
the encoder as model.onnx, one decoder step as decoder.onnx and every item's SID (sids.bin), and the runtime runs
the server's beam search in TypeScript (sidrec/browser); GRank writes its generator and ranker as one model.onnx
with two outputs (every item's inner product, exact retrieval; the candidates' ranker term) and the training
transitions its count features read (ranker-counts.bin), and the runtime re-scores the generator's candidates as the
server does. A model with a
transition prior (sidrec transitions) carries it as transitions.bin (the counts) and export.json's "transitions"
(the weight); TIGER-style and GRank exports refuse one, as their served models do. The export runs in onnxruntime-node on 64 seeded
histories first and is written only when it ranks as the engine does (float32: largest score difference within
1e-3 of the score range, every top 10 the same).
Exportable kinds today: ${exportable.join(', ')}.`,
    options: {
      model: { type: 'string', description: 'Trained model directory' },
      out: { type: 'string', description: 'Directory to write (replaced whole)' },
      format: { type: 'string', choices: ['onnx'], description: 'Export format', default: 'onnx' },
      precision: {
        type: 'string',
        choices: ['float32', 'float16', 'int8'],
        description:
          'Float weights: float32 (must agree exactly: every top 10), float16 (half the size; written when 90% of top 10s agree) or int8 (a quarter, per-row or per-column scales; written when 90% of the items of each top 10 are kept)',
        default: 'float32',
      },
      transitions: {
        type: 'string',
        choices: ['on', 'off'],
        description: `Carry the model's transition prior (${TRANSITIONS_FILE}, from sidrec transitions) as transitions.bin, so the page ranks as the server does; off: the model alone`,
        default: 'on',
      },
    },
  },
  async run(o) {
    if (!o.model) throw new SidrecError('E_CONFIG', 'missing --model (a trained model directory)', { field: 'model' });
    if (!o.out) throw new SidrecError('E_CONFIG', 'missing --out (the export directory to write)', { field: 'out' });
    checkOutputDir(o.out);
    const manifest = readManifest(o.model);
    const family = familyOf(manifest.kind, o.model);
    if (!family.export) {
      throw new SidrecError('E_CONFIG', `model kind "${manifest.kind}" cannot be exported yet (exportable: ${exportable.join(', ')})`, {
        file: o.model,
        field: 'kind',
      });
    }
    const items = readServingItems(o.model, manifest);
    const started = performance.now();
    const result = await family.export(o.model, manifest, { items, log: (line) => process.stderr.write(`${line}\n`) }, o.out, {
      precision: o.precision as ExportPrecision,
      transitions: o.transitions as 'on' | 'off',
    });
    const c = result.check;
    const prior = result.transitions;
    if (prior)
      process.stderr.write(
        `sidrec export: carries the model's transition prior (weight ${prior.weight}, ${prior.pairs} item pairs, ${prior.file}); the browser module adds it as the server does (--transitions off leaves it out)\n`,
      );
    process.stdout.write(
      `exported ${manifest.kind} (${o.precision}) -> ${result.dir}: ONNX ${(result.bytes / 2 ** 20).toFixed(1)} MiB, checked on ${c.histories} histories (largest score difference ${c.maxAbsDiff.toExponential(2)}, top-10 agreement ${(100 * c.top10Agreement).toFixed(0)}%, items kept ${(100 * c.top10Overlap).toFixed(0)}%) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  },
});
