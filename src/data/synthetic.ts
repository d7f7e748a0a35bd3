/**
 * Seeded synthetic benchmark with planted structure, so the whole pipeline can run (and be tested) without the
 * Amazon files. Latent topics shape BOTH sides:
 *   - text: each topic has its own vocabulary, brands and category; each topic is cut into sub-topics with their
 *     own words, so items that read alike (same topic / sub-topic) are the items that behave alike;
 *   - behaviour: a user prefers a few topics and drifts between them; the next item is, with `successorProb`,
 *     one of the current item's likely successors (same topic, mostly same sub-topic), otherwise a
 *     popularity-skewed (Zipf) draw from the current topic.
 * Same config (seed included) -> byte-identical files. Item ids are 1-based as in the benchmark format.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { SidrecError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { alignCatalog } from './catalog.js';
import type { InteractionDataset, ItemText } from './types.js';
import { packSequences } from './types.js';

export interface SyntheticConfig {
  readonly seed: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly numTopics: number;
  /** Sub-topics per topic (finer text + successor structure). */
  readonly subTopicsPerTopic: number;
  /** Topics each user moves between. */
  readonly topicsPerUser: number;
  /** Per-step probability of switching to another of the user's topics. */
  readonly driftProb: number;
  /** Per-step probability that the next item is a planted successor of the current one. */
  readonly successorProb: number;
  /** Zipf exponent of item popularity within a topic. */
  readonly zipf: number;
  readonly minLength: number;
  readonly maxLength: number;
  /** Mean extra length above minLength (geometric). */
  readonly meanExtraLength: number;
}

export const DEFAULT_SYNTHETIC_CONFIG: SyntheticConfig = Object.freeze({
  seed: 42,
  numUsers: 2000,
  numItems: 1000,
  numTopics: 20,
  subTopicsPerTopic: 3,
  topicsPerUser: 3,
  driftProb: 0.15,
  successorProb: 0.5,
  zipf: 0.9,
  minLength: 5,
  maxLength: 40,
  meanExtraLength: 6,
});

export interface SyntheticItem {
  readonly id: number;
  readonly asin: string;
  readonly title: string;
  readonly brand: string;
  readonly categories: readonly (readonly string[])[];
}

export interface SyntheticData {
  readonly config: SyntheticConfig;
  /** Per user, 1-based item ids in chronological order. */
  readonly sequences: readonly (readonly number[])[];
  readonly items: readonly SyntheticItem[];
  /** S3-Rec style attribute ids (brand, category, sub-category), keyed by item id. */
  readonly attributes: Readonly<Record<string, readonly number[]>>;
  /** Planted ground truth: topic and sub-topic of item id-1. */
  readonly itemTopic: Int32Array;
  readonly itemSubTopic: Int32Array;
}

/** Generates the data in memory. */
export function generateSynthetic(overrides: Partial<SyntheticConfig> = {}): SyntheticData {
  const asked: SyntheticConfig = { ...DEFAULT_SYNTHETIC_CONFIG, ...overrides };
  const { numItems, numTopics } = asked;
  if (!(numTopics >= 1 && numItems >= numTopics && asked.numUsers >= 1)) {
    throw new SidrecError(
      'E_CONFIG',
      `synthetic data needs at least one user and at least as many items as topics (items ${numItems}, topics ${numTopics}, users ${asked.numUsers})`,
      { field: numItems < numTopics ? 'numItems' : 'numUsers' },
    );
  }
  // Fewer sub-topics when the items cannot fill them all (e.g. 40 items over 20 topics: 2 sub-topics each); the
  // config handed back says how many were used. Configs that fit are generated exactly as before.
  const S = Math.max(1, Math.min(asked.subTopicsPerTopic, Math.floor(numItems / numTopics)));
  const config: SyntheticConfig = S === asked.subTopicsPerTopic ? asked : { ...asked, subTopicsPerTopic: S };
  const rng = new Rng(config.seed);
  const words = makeWords(rng.fork(), numTopics * (13 + S * 6) + 30); // per topic: 10 words, 3 brands, 6 per sub-topic
  let w = 0;
  const take = (n: number): string[] => {
    const out = words.slice(w, w + n);
    w += n;
    return out;
  };
  const generic = take(30);
  const topics = Array.from({ length: numTopics }, () => ({
    words: take(10),
    sub: Array.from({ length: S }, () => take(6)),
    brands: take(3).map(capitalize),
    category: '',
  }));
  topics.forEach((t) => (t.category = `${capitalize(t.words[0])} ${capitalize(t.words[1])}`));

  // Items: topic, sub-topic, text. Topic sizes are equal up to rounding; order within the id space is shuffled.
  const itemRng = rng.fork();
  const order = itemRng.shuffle(Int32Array.from({ length: numItems }, (_, k) => k));
  const itemTopic = new Int32Array(numItems);
  const itemSubTopic = new Int32Array(numItems);
  for (let k = 0; k < numItems; k++) {
    const i = order[k];
    itemTopic[i] = k % numTopics;
    itemSubTopic[i] = Math.floor(k / numTopics) % S;
  }
  const items: SyntheticItem[] = [];
  const attributes: Record<string, number[]> = {};
  for (let i = 0; i < numItems; i++) {
    const t = topics[itemTopic[i]];
    const sub = t.sub[itemSubTopic[i]];
    const nWords = 3 + itemRng.int(3);
    const title: string[] = [];
    for (let k = 0; k < nWords; k++) {
      const r = itemRng.next();
      title.push(r < 0.45 ? sub[itemRng.int(sub.length)] : r < 0.85 ? t.words[itemRng.int(t.words.length)] : generic[itemRng.int(generic.length)]);
    }
    const brandIdx = itemRng.next() < 0.9 ? itemTopic[i] * 3 + itemRng.int(3) : itemRng.int(numTopics * 3);
    const brand = topics[Math.floor(brandIdx / 3)].brands[brandIdx % 3];
    const subName = capitalize(sub[0]);
    items.push({
      id: i + 1,
      asin: `SYN${String(i + 1).padStart(7, '0')}`,
      title: `${capitalize(title.join(' '))} ${i + 1}`,
      brand,
      categories: [['Synthetic', t.category, subName]],
    });
    attributes[String(i + 1)] = [brandIdx, numTopics * 3 + itemTopic[i], numTopics * 4 + itemTopic[i] * S + itemSubTopic[i]];
  }

  // Popularity: Zipf over a random rank within each topic; cumulative weights per topic for sampling.
  const byTopic: number[][] = Array.from({ length: numTopics }, () => []);
  for (let k = 0; k < numItems; k++) byTopic[itemTopic[order[k]]].push(order[k]);
  const cumulative = byTopic.map((members) => {
    const c = new Float64Array(members.length);
    let acc = 0;
    members.forEach((_, r) => (c[r] = acc += 1 / (r + 1) ** config.zipf));
    return c;
  });
  const drawFromTopic = (r: Rng, topic: number): number => {
    const c = cumulative[topic];
    const x = r.next() * c[c.length - 1];
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return byTopic[topic][lo];
  };
  // Two planted successors per item, same topic, the first from the same sub-topic when possible.
  const succRng = rng.fork();
  const bySub: number[][] = Array.from({ length: numTopics * S }, () => []);
  for (let k = 0; k < numItems; k++) bySub[itemTopic[order[k]] * S + itemSubTopic[order[k]]].push(order[k]);
  /** A uniform member of `pool` other than `i` (rejection; pools hold >= 2 items or only i). */
  const other = (pool: readonly number[], i: number): number => {
    if (pool.length < 2) return -1;
    for (;;) {
      const j = pool[succRng.int(pool.length)];
      if (j !== i) return j;
    }
  };
  const successors = new Int32Array(numItems * 2);
  for (let i = 0; i < numItems; i++) {
    const topicPool = byTopic[itemTopic[i]];
    const sub = other(bySub[itemTopic[i] * S + itemSubTopic[i]], i);
    const first = sub >= 0 ? sub : other(topicPool, i);
    const second = other(topicPool, i);
    successors[2 * i] = first >= 0 ? first : i;
    successors[2 * i + 1] = second >= 0 ? second : i;
  }

  const userRng = rng.fork();
  const sequences: number[][] = [];
  for (let u = 0; u < config.numUsers; u++) {
    const prefs: number[] = [];
    while (prefs.length < Math.min(config.topicsPerUser, numTopics)) {
      const t = userRng.int(numTopics);
      if (!prefs.includes(t)) prefs.push(t);
    }
    let extra = 0;
    const stop = 1 / (1 + config.meanExtraLength);
    while (userRng.next() > stop && config.minLength + extra < config.maxLength) extra++;
    const length = config.minLength + extra;
    let topic = prefs[0];
    let current = drawFromTopic(userRng, topic);
    const seq = [current + 1];
    while (seq.length < length) {
      if (userRng.next() < config.driftProb) topic = prefs[userRng.int(prefs.length)];
      if (itemTopic[current] === topic && userRng.next() < config.successorProb) {
        current = successors[2 * current + (userRng.next() < 0.7 ? 0 : 1)];
      } else {
        current = drawFromTopic(userRng, topic);
      }
      seq.push(current + 1);
    }
    sequences.push(seq);
  }
  return { config, sequences, items, attributes, itemTopic, itemSubTopic };
}

/** The in-memory dataset, identical to loading the files written by `writeSyntheticBenchmark`. */
export function syntheticDataset(data: SyntheticData, name = 'synthetic'): InteractionDataset {
  const itemIds = data.items.map((it) => String(it.id));
  const { offsets, items } = packSequences(data.sequences.map((s) => Int32Array.from(s, (id) => id - 1)));
  const texts = new Map<string, ItemText>(
    data.items.map((it) => [String(it.id), { title: it.title, brand: it.brand, categories: [...new Set(it.categories.flat())], extra: { asin: it.asin } }]),
  );
  const attrs = new Map<string, readonly number[]>(Object.entries(data.attributes));
  return {
    name,
    numUsers: data.sequences.length,
    numItems: itemIds.length,
    offsets,
    items,
    userIds: data.sequences.map((_, u) => String(u + 1)),
    itemIds,
    catalog: alignCatalog(itemIds, texts, attrs),
    warnings: [],
  };
}

/** Writes `sequences.txt`, `items.jsonl`, `item_attributes.json` (the benchmark format) under `dir`. */
export function writeSyntheticBenchmark(dir: string, data: SyntheticData): void {
  const seqText = `${data.sequences.map((s, u) => `${u + 1} ${s.join(' ')}`).join('\n')}\n`;
  const itemsText = `${data.items.map((it) => JSON.stringify({ id: it.id, asin: it.asin, title: it.title, brand: it.brand, categories: it.categories })).join('\n')}\n`;
  writeFileAtomic(join(dir, 'sequences.txt'), seqText);
  writeFileAtomic(join(dir, 'items.jsonl'), itemsText);
  writeFileAtomic(join(dir, 'item_attributes.json'), JSON.stringify(data.attributes));
}

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'cl', 'dr', 'gl', 'pl', 'st', 'tr'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou'];
const CODAS = ['', '', 'n', 'r', 's', 'x', 'm', 'l'];

/** `n` distinct pronounceable pseudo-words. */
function makeWords(rng: Rng, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  while (out.length < n) {
    const syllables = 2 + rng.int(2);
    let word = '';
    for (let s = 0; s < syllables; s++) word += ONSETS[rng.int(ONSETS.length)] + VOWELS[rng.int(VOWELS.length)];
    word += CODAS[rng.int(CODAS.length)];
    if (!seen.has(word)) {
      seen.add(word);
      out.push(word);
    }
  }
  return out;
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}
