/**
 * A served model: the recommender, its catalogue and where it came from, with the two operations the routes
 * need in terms of external ids: recommend (unknown ids reported, empty histories answered by popularity) and
 * addItems (new ids only, all-or-nothing). One instance per load; hot reload swaps the whole object, so a
 * request finishes on the model it started with.
 */
import { SidrecError } from '../core/errors.js';
import { loadDataset, type ItemText } from '../data/index.js';
import { readManifest } from '../model/manifest.js';
import { adapterFor } from './adapters/index.js';
import { ServingCatalog } from './catalog.js';
import type { Recommender } from './recommender.js';

export interface ServingModel {
  readonly recommender: Recommender;
  readonly catalog: ServingCatalog;
  /** The directory it was loaded from (or a label for in-memory models). */
  readonly source: string;
  readonly loadedAt: string;
}

/** Opens a trained model directory with the adapter registered for its manifest kind. */
export function openModelDir(dir: string): ServingModel {
  const manifest = readManifest(dir);
  const recommender = adapterFor(manifest, dir)(dir, manifest);
  const catalog = ServingCatalog.fromDataset(loadDataset(manifest.dataDir));
  return servingModel(recommender, catalog, dir);
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
}

/** Adds items to a served model; every id must be new. Returns their indices. */
export function addItems(model: ServingModel, items: readonly NewItem[]): number[] {
  const { recommender, catalog } = model;
  if (!recommender.addItems) throw new SidrecError('E_STATE', recommender.cannotAddItems ?? `model kind "${recommender.kind}" cannot add items`);
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (catalog.has(it.id) || seen.has(it.id)) throw new SidrecError('E_STATE', `item id "${it.id}" already exists`, { field: `items[${i}].id` });
    seen.add(it.id);
  });
  const indices = recommender.addItems(items.map((it) => ({ text: it.text, vector: it.vector })));
  catalog.append(items);
  if (indices.some((index, i) => index !== catalog.size - items.length + i) || recommender.numItems !== catalog.size) {
    throw new SidrecError('E_INTERNAL', `adapter "${recommender.kind}" numbered new items out of order`);
  }
  return indices;
}

