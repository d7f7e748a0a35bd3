/**
 * A served model: the recommender, its catalogue and where it came from, with the two operations the routes
 * need in terms of external ids: recommend (unknown ids reported, empty histories answered by popularity) and
 * addItems (new ids only, all-or-nothing). One instance per load; hot reload swaps the whole object, so a
 * request finishes on the model it started with.
 */
import { SidrecError } from '../core/errors.js';
import type { ItemText } from '../data/index.js';
import { readServingItems } from '../model/bundle.js';
import { readManifest } from '../model/manifest.js';
import { familyOf } from '../families/index.js';
import { ServingCatalog } from './catalog.js';
import type { Recommender } from '../decode/recommender.js';

export interface ServingModel {
  readonly recommender: Recommender;
  readonly catalog: ServingCatalog;
  /** The directory it was loaded from (or a label for in-memory models). */
  readonly source: string;
  readonly loadedAt: string;
}

export interface OpenOptions {
  /** A dataset directory to read the catalogue from instead of the model's own copy (checked against its pin). */
  readonly dataDir?: string;
  /** Progress lines (loading can take seconds: RPG refits its text featurizer). @default none */
  readonly log?: (line: string) => void;
}

/**
 * Opens a trained model directory as its family's Recommender (families/index.ts). The catalogue comes from
 * the directory itself (model/bundle.ts), or `dataDir`, or for older directories the recorded dataset path.
 */
export function openModelDir(dir: string, options: OpenOptions = {}): ServingModel {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const manifest = readManifest(dir);
  log(`loading ${manifest.kind} model ${dir} ...`);
  const items = readServingItems(dir, manifest, options.dataDir);
  log(`catalogue: ${items.itemIds.length} items from ${items.source}`);
  const recommender = familyOf(manifest.kind, dir).recommender(dir, manifest, { items, log }, {});
  const model = servingModel(recommender, ServingCatalog.fromItems(items), dir);
  log(
    `loaded ${manifest.kind} model in ${((performance.now() - started) / 1000).toFixed(1)} s (${recommender.addItems ? 'can add items' : 'cannot add items'})`,
  );
  return model;
}

export function servingModel(recommender: Recommender, catalog: ServingCatalog, source: string): ServingModel {
  if (recommender.numItems !== catalog.size) {
    throw new SidrecError('E_STATE', `model has ${recommender.numItems} items but its dataset has ${catalog.size}`, { file: source });
  }
  return { recommender, catalog, source, loadedAt: new Date().toISOString() };
}

export interface NewItem {
  readonly id: string;
  readonly text: ItemText;
  readonly vector?: Float32Array;
  readonly sid?: readonly number[];
}

/**
 * Adds items to a served model; every id must be new and every vector finite once it is float32 (1e308 is a
 * finite JSON number but Infinity as float32, and would encode to a meaningless SID). Returns their indices.
 */
export function addItems(model: ServingModel, items: readonly NewItem[]): number[] {
  const { recommender, catalog } = model;
  if (!recommender.addItems) throw new SidrecError('E_STATE', recommender.cannotAddItems ?? `model kind "${recommender.kind}" cannot add items`);
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (catalog.has(it.id) || seen.has(it.id)) throw new SidrecError('E_STATE', `item id "${it.id}" already exists`, { field: `items[${i}].id` });
    seen.add(it.id);
    const bad = it.vector ? it.vector.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0)
      throw new SidrecError('E_INPUT', `not finite as a float32 (${it.vector![bad]}): vector values must lie within +-3.4e38`, {
        field: `items[${i}].vector[${bad}]`,
      });
  });
  const indices = recommender.addItems(items.map((it) => ({ text: it.text, vector: it.vector, sid: it.sid })));
  catalog.append(items);
  if (indices.some((index, i) => index !== catalog.size - items.length + i) || recommender.numItems !== catalog.size) {
    throw new SidrecError('E_INTERNAL', `model "${recommender.kind}" numbered new items out of order`);
  }
  return indices;
}
