/**
 * The serving catalogue: external item id <-> dense index, each item's text (titles for responses and the
 * explorer's search) and training popularity (the answer for a history with no known items). Items added at
 * serving time are appended with popularity 0, in the order the recommender numbered them.
 */
import type { InteractionDataset, ItemText } from '../data/index.js';
import { SidrecError } from '../core/errors.js';
import type { ServingItems } from '../model/bundle.js';

export interface ResolvedIds {
  readonly indices: number[];
  /** Ids not in the catalogue, in request order, each once. */
  readonly unknown: string[];
}

export class ServingCatalog {
  private readonly ids: string[];
  private readonly texts: ItemText[];
  private readonly byId = new Map<string, number>();
  private popularity: Float64Array;
  /** Indices by descending popularity, computed on first use and dropped when items are added. */
  private popularOrder: number[] | undefined;
  /** Lower-cased title + brand per item, for search. */
  private readonly haystack: string[];
  private readonly trainedItems: number;

  constructor(itemIds: readonly string[], texts: readonly ItemText[], popularity: Float64Array) {
    if (texts.length !== itemIds.length || popularity.length !== itemIds.length) {
      throw new SidrecError('E_STATE', `catalogue: ${itemIds.length} ids, ${texts.length} texts, ${popularity.length} counts`);
    }
    this.ids = [...itemIds];
    this.texts = [...texts];
    this.popularity = popularity;
    this.haystack = texts.map(searchText);
    this.ids.forEach((id, i) => this.byId.set(id, i));
    this.trainedItems = itemIds.length;
  }

  /** Ids, texts and training popularity as a model directory carries them (model/bundle.ts). */
  static fromItems(items: ServingItems): ServingCatalog {
    return new ServingCatalog(items.itemIds, items.texts, Float64Array.from(items.popularity));
  }

  /** Ids, texts and interaction counts of a dataset. */
  static fromDataset(ds: InteractionDataset): ServingCatalog {
    const counts = new Float64Array(ds.numItems);
    for (const i of ds.items) counts[i]++;
    return new ServingCatalog(ds.itemIds, ds.catalog.texts, counts);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Items added since the model was loaded. */
  get addedItems(): number {
    return this.ids.length - this.trainedItems;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  idOf(index: number): string {
    return this.ids[index];
  }

  textOf(index: number): ItemText {
    return this.texts[index];
  }

  /** Known indices in order (duplicates kept: a history may repeat an item) and the unknown ids. */
  resolve(ids: readonly string[]): ResolvedIds {
    const indices: number[] = [];
    const unknown = new Set<string>();
    for (const id of ids) {
      const i = this.byId.get(id);
      if (i === undefined) unknown.add(id);
      else indices.push(i);
    }
    return { indices, unknown: [...unknown] };
  }

  /** Append items (ids must be new); their indices are size .. size + n - 1. */
  append(items: readonly { readonly id: string; readonly text: ItemText }[]): void {
    for (const { id, text } of items) {
      if (this.byId.has(id)) throw new SidrecError('E_STATE', `item "${id}" already exists`, { field: 'id' });
      this.byId.set(id, this.ids.length);
      this.ids.push(id);
      this.texts.push(text);
      this.haystack.push(searchText(text));
    }
    const grown = new Float64Array(this.ids.length);
    grown.set(this.popularity);
    this.popularity = grown;
    this.popularOrder = undefined;
  }

  /** Most popular items first (ties by index), skipping `exclude`. */
  popular(k: number, exclude: ReadonlySet<number>): { item: number; score: number }[] {
    if (this.popularOrder === undefined) {
      this.popularOrder = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => this.popularity[b] - this.popularity[a] || a - b);
    }
    const out: { item: number; score: number }[] = [];
    for (const item of this.popularOrder) {
      if (out.length === k) break;
      if (!exclude.has(item)) out.push({ item, score: this.popularity[item] });
    }
    return out;
  }

  /**
   * Items whose title or brand contains every word of `query` (case-insensitive); title-prefix matches first,
   * then by popularity. An id typed exactly also matches.
   */
  search(query: string, limit: number): number[] {
    const words = query
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w.length > 0);
    if (words.length === 0) return [];
    const hits: number[] = [];
    const exact = this.byId.get(query.trim());
    if (exact !== undefined) hits.push(exact);
    for (let i = 0; i < this.size; i++) {
      if (i !== exact && words.every((w) => this.haystack[i].includes(w))) hits.push(i);
    }
    const first = words[0];
    const rank = (i: number): number => (i === exact ? 0 : this.haystack[i].startsWith(first) ? 1 : 2);
    hits.sort((a, b) => rank(a) - rank(b) || this.popularity[b] - this.popularity[a] || a - b);
    return hits.slice(0, limit);
  }
}

function searchText(text: ItemText): string {
  return `${text.title ?? ''} ${text.brand ?? ''}`.toLowerCase();
}
