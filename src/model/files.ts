/**
 * The names of the files in a model directory, in one place: what a training run writes (trainer.ts), what a
 * finished run adds (manifest, bundle, RPG's codes and item graph) and what loading reads.
 */
export const MODEL_FILES = Object.freeze({
  /** What was trained, how, on what, with which results; written last, so its presence means "finished". */
  manifest: 'manifest.json',
  /** The settings a run started with (checked on --resume). */
  runSettings: 'run.json',
  /** The latest epoch: weights, optimiser and loop state. */
  checkpoint: 'checkpoint.safetensors',
  /** The weights of the best validation epoch. */
  best: 'best.safetensors',
  /** One JSON line per epoch. */
  epochs: 'epochs.jsonl',
  /** The serving catalogue. */
  items: 'items.json',
  /** The bundled copy of the SID directory the model was trained on. */
  sidsDir: 'sids',
  /** RPG: the items' codes as trained. */
  itemCodes: 'sids.safetensors',
  /** RPG: the item graph for graph-constrained decoding. */
  itemGraph: 'graph.safetensors',
  /** The transition prior fitted to the model's scores (sidrec transitions). */
  transitions: 'transitions.safetensors',
});
