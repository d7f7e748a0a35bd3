/**
 * SemanticIdTable: every item's SID (codes per item), collision handling and the prefix trie that constrained
 * decoding walks. Hierarchical SIDs (RQ-KMeans) get TIGER's extra digit (0, 1, 2, ... within a group of items
 * sharing the same codes, in item-index order) so every SID is unique; flat SIDs (PQ/OPQ, RPG) keep their
 * collisions and the reverse map resolves one SID to several items (what Gryphon re-scores).
 *
 * The trie is compact typed arrays in breadth-first node order: node v's children are the nodes
 * childStart[v] .. childStart[v+1]-1, labelled nodeCode[child] in ascending order; items are kept sorted by SID,
 * so the items under any node are the contiguous range sortedItems[itemStart[v] .. itemEnd[v]).
 */
import { SidrecError } from '../core/errors.js';
import type { Artifact } from './artifact.js';
import type { Tokenizer } from './tokenizer.js';

/** Int32Array of codes at one digit (not item indices). */
export type CodeArray = Int32Array & { readonly __brand: 'CodeArray' };
/** Int32Array of item indices (not codes). */
export type ItemIndexArray = Int32Array & { readonly __brand: 'ItemIndexArray' };

export interface SidTableShape {
  /** Digits produced by the tokenizer. */
  readonly baseDigits: number;
  /** Add the collision digit (hierarchical SIDs). */
  readonly collisionDigit: boolean;
  /**
   * Prefix-ordered codes (RQ-KMeans, RQ-VAE, imported residual sets), what TIGER-style decoders need. Absent: the
   * same as collisionDigit (every hierarchical table had one until collision-free imported sets dropped it).
   */
  readonly hierarchical?: boolean;
  /** Codes per tokenizer digit. */
  readonly codebookSize: number;
}

interface Trie {
  readonly childStart: Int32Array; // (nodes + 1)
  readonly nodeCode: Int32Array; // (nodes), root's is -1
  readonly itemStart: Int32Array; // (nodes)
  readonly itemEnd: Int32Array; // (nodes)
  readonly sortedItems: Int32Array; // (count)
}

/** Whether a table's codes are prefix-ordered (hierarchical), with or without a collision digit. */
export function isHierarchical(shape: SidTableShape): boolean {
  return shape.hierarchical ?? shape.collisionDigit;
}

export class SemanticIdTable {
  /** Digits per item, collision digit included. */
  readonly digits: number;

  private constructor(
    readonly shape: SidTableShape,
    readonly count: number,
    /** (count, digits) codes, the last digit the collision digit when shape.collisionDigit. */
    readonly codes: Int32Array,
    private readonly trie: Trie,
  ) {
    this.digits = shape.baseDigits + (shape.collisionDigit ? 1 : 0);
  }

  /**
   * Build from the tokenizer's (count, baseDigits) codes. `collisionCodes` caps the collision digit (a model with
   * a fixed vocabulary for it, DIGER's, whose SIDs move during training): items of a larger group share the last
   * code, and the reverse map returns them together, as for flat SIDs.
   */
  static build(baseCodes: Int32Array, count: number, shape: SidTableShape, collisionCodes = Infinity): SemanticIdTable {
    const b = shape.baseDigits;
    if (baseCodes.length !== count * b) throw new SidrecError('E_SHAPE', `SID table: ${baseCodes.length} codes for ${count} x ${b}`);
    const order = Int32Array.from({ length: count }, (_, i) => i).sort((x, y) => {
      for (let l = 0; l < b; l++) {
        const d = baseCodes[x * b + l] - baseCodes[y * b + l];
        if (d !== 0) return d;
      }
      return x - y;
    });
    const digits = b + (shape.collisionDigit ? 1 : 0);
    const codes = new Int32Array(count * digits);
    for (let i = 0; i < count; i++) for (let l = 0; l < b; l++) codes[i * digits + l] = baseCodes[i * b + l];
    if (shape.collisionDigit) {
      let rank = 0;
      for (let p = 0; p < count; p++) {
        rank = p > 0 && sameBase(baseCodes, b, order[p - 1], order[p]) ? rank + 1 : 0;
        codes[order[p] * digits + b] = Math.min(rank, collisionCodes - 1);
      }
    }
    return new SemanticIdTable(shape, count, codes, buildTrie(codes, count, digits, order));
  }

  /**
   * Table for a fitted tokenizer's codes: collision digit exactly when the SIDs are hierarchical.
   * @example const table = SemanticIdTable.forTokenizer(fitted.tokenizer, fitted.codes, features.count);
   */
  static forTokenizer(tokenizer: Tokenizer, codes: Int32Array, count: number): SemanticIdTable {
    return SemanticIdTable.build(codes, count, {
      baseDigits: tokenizer.digits,
      collisionDigit: tokenizer.hierarchical,
      codebookSize: tokenizer.codebookSize,
    });
  }

  get nodeCount(): number {
    return this.trie.nodeCode.length;
  }

  /** The SID of item i (a view). */
  codesOf(item: number): CodeArray {
    return this.codes.subarray(item * this.digits, (item + 1) * this.digits) as CodeArray;
  }

  /** Trie node reached by `prefix`, or -1 if no item has that prefix. */
  private nodeOf(prefix: ArrayLike<number>): number {
    const { childStart, nodeCode } = this.trie;
    let v = 0;
    for (let l = 0; l < prefix.length; l++) {
      let lo = childStart[v];
      let hi = childStart[v + 1] - 1;
      const want = prefix[l];
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (nodeCode[mid] === want) {
          found = mid;
          break;
        }
        if (nodeCode[mid] < want) lo = mid + 1;
        else hi = mid - 1;
      }
      if (found < 0) return -1;
      v = found;
    }
    return v;
  }

  /** Codes that extend `prefix` to a prefix of some item's SID, ascending; empty when none (or prefix complete). */
  validNextCodes(prefix: ArrayLike<number>): CodeArray {
    const v = this.nodeOf(prefix);
    if (v < 0) return new Int32Array(0) as CodeArray;
    return this.trie.nodeCode.subarray(this.trie.childStart[v], this.trie.childStart[v + 1]) as CodeArray;
  }

  /** Items whose SID starts with `prefix` (all items for []), in SID order, ties by item index. */
  itemsUnder(prefix: ArrayLike<number>): ItemIndexArray {
    const v = this.nodeOf(prefix);
    if (v < 0) return new Int32Array(0) as ItemIndexArray;
    return this.trie.sortedItems.subarray(this.trie.itemStart[v], this.trie.itemEnd[v]) as ItemIndexArray;
  }

  /** Reverse map: the items with exactly this full SID (one item when the collision digit is on). */
  lookup(sid: ArrayLike<number>): ItemIndexArray {
    if (sid.length !== this.digits) throw new SidrecError('E_SHAPE', `lookup: SID has ${sid.length} digits, table has ${this.digits}`);
    return this.itemsUnder(sid);
  }

  /**
   * A new table with `n` items appended (indices count .. count+n-1), e.g. new catalogue items encoded at
   * serving time by the frozen tokenizer. Existing items keep their SIDs; a new item colliding with existing
   * ones gets the next free collision digit. Rebuilds the trie: O(N log N), batch appends where possible.
   */
  append(newBaseCodes: Int32Array, n: number): SemanticIdTable {
    const b = this.shape.baseDigits;
    const all = new Int32Array((this.count + n) * b);
    for (let i = 0; i < this.count; i++) all.set(this.codes.subarray(i * this.digits, i * this.digits + b), i * b);
    all.set(newBaseCodes.subarray(0, n * b), this.count * b);
    return SemanticIdTable.build(all, this.count + n, this.shape);
  }

  /** Items sharing their tokenizer SID (before the collision digit) with another item, and the largest group. */
  collisionStats(): { readonly collidedItems: number; readonly collisionRate: number; readonly largestGroup: number; readonly uniqueSids: number } {
    const b = this.shape.baseDigits;
    const d = this.digits;
    const order = this.trie.sortedItems;
    let collided = 0;
    let largest = 0;
    let unique = 0;
    for (let p = 0; p < this.count; ) {
      let e = p + 1;
      while (e < this.count && sameBaseStrided(this.codes, d, b, order[p], order[e])) e++;
      const size = e - p;
      unique++;
      if (size > 1) collided += size;
      if (size > largest) largest = size;
      p = e;
    }
    return { collidedItems: collided, collisionRate: this.count === 0 ? 0 : collided / this.count, largestGroup: largest, uniqueSids: unique };
  }

  toArtifact(): Artifact {
    const { childStart, nodeCode, itemStart, itemEnd, sortedItems } = this.trie;
    return {
      type: 'sid-table',
      version: 1,
      meta: { ...this.shape, count: this.count },
      arrays: { codes: this.codes, childStart, nodeCode, itemStart, itemEnd, sortedItems },
    };
  }

  static fromArtifact(artifact: Artifact): SemanticIdTable {
    const meta = artifact.meta as Partial<SidTableShape & { count: number }>;
    if (
      typeof meta.baseDigits !== 'number' ||
      typeof meta.count !== 'number' ||
      typeof meta.collisionDigit !== 'boolean' ||
      typeof meta.codebookSize !== 'number'
    ) {
      throw new SidrecError('E_STATE', 'sid-table artifact: metadata incomplete');
    }
    if (meta.hierarchical !== undefined && typeof meta.hierarchical !== 'boolean')
      throw new SidrecError('E_STATE', 'sid-table artifact: "hierarchical" is not a boolean');
    const shape: SidTableShape = {
      baseDigits: meta.baseDigits,
      collisionDigit: meta.collisionDigit,
      codebookSize: meta.codebookSize,
      ...(meta.hierarchical !== undefined ? { hierarchical: meta.hierarchical } : {}),
    };
    const get = (name: string): Int32Array => {
      const a = artifact.arrays[name];
      if (!(a instanceof Int32Array)) throw new SidrecError('E_STATE', `sid-table artifact: array "${name}" missing`, { field: name });
      return a;
    };
    const digits = shape.baseDigits + (shape.collisionDigit ? 1 : 0);
    const codes = get('codes');
    const trie: Trie = {
      childStart: get('childStart'),
      nodeCode: get('nodeCode'),
      itemStart: get('itemStart'),
      itemEnd: get('itemEnd'),
      sortedItems: get('sortedItems'),
    };
    const nodes = trie.nodeCode.length;
    if (
      codes.length !== meta.count * digits ||
      trie.sortedItems.length !== meta.count ||
      trie.childStart.length !== nodes + 1 ||
      trie.itemStart.length !== nodes ||
      trie.itemEnd.length !== nodes
    ) {
      throw new SidrecError('E_STATE', 'sid-table artifact: array sizes do not match its metadata');
    }
    return new SemanticIdTable(shape, meta.count, codes, trie);
  }
}

function sameBase(codes: Int32Array, b: number, x: number, y: number): boolean {
  for (let l = 0; l < b; l++) if (codes[x * b + l] !== codes[y * b + l]) return false;
  return true;
}

function sameBaseStrided(codes: Int32Array, stride: number, b: number, x: number, y: number): boolean {
  for (let l = 0; l < b; l++) if (codes[x * stride + l] !== codes[y * stride + l]) return false;
  return true;
}

/** Breadth-first trie over the (count, digits) codes; `order` sorts the items by SID. */
function buildTrie(codes: Int32Array, count: number, digits: number, order: Int32Array): Trie {
  const childStart: number[] = [];
  const nodeCode: number[] = [-1];
  const itemStart: number[] = [0];
  const itemEnd: number[] = [count];
  const depth: number[] = [0];
  for (let v = 0; v < nodeCode.length; v++) {
    childStart.push(nodeCode.length);
    const l = depth[v];
    if (l === digits) continue;
    for (let p = itemStart[v]; p < itemEnd[v]; ) {
      const code = codes[order[p] * digits + l];
      let e = p + 1;
      while (e < itemEnd[v] && codes[order[e] * digits + l] === code) e++;
      nodeCode.push(code);
      itemStart.push(p);
      itemEnd.push(e);
      depth.push(l + 1);
      p = e;
    }
  }
  childStart.push(nodeCode.length);
  return {
    childStart: Int32Array.from(childStart),
    nodeCode: Int32Array.from(nodeCode),
    itemStart: Int32Array.from(itemStart),
    itemEnd: Int32Array.from(itemEnd),
    sortedItems: order,
  };
}
