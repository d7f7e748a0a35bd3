import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { SemanticIdTable } from '../../src/tokenize/sid-table.js';
import { loadSidTable, saveSidTable, serializeSidTable } from '../../src/tokenize/sid-table-io.js';
import { fitTokenizer } from '../../src/tokenize/fit.js';
import { formatTokenizeReport, tokenizeReport } from '../../src/tokenize/report.js';
import { correlated } from './helpers.js';

const hier = { baseDigits: 2, collisionDigit: true, codebookSize: 4 } as const;

test('collision digit: 0, 1, 2 ... within a group by item index; every SID unique', () => {
  const base = Int32Array.from([1, 2, 0, 0, 1, 2, 3, 3, 1, 2, 0, 0]); // items 0, 2, 4 share (1,2); 1 and 5 share (0,0)
  const t = SemanticIdTable.build(base, 6, hier);
  assert.equal(t.digits, 3);
  assert.deepEqual(Array.from(t.codesOf(0)), [1, 2, 0]);
  assert.deepEqual(Array.from(t.codesOf(2)), [1, 2, 1]);
  assert.deepEqual(Array.from(t.codesOf(4)), [1, 2, 2]);
  assert.deepEqual(Array.from(t.codesOf(5)), [0, 0, 1]);
  assert.deepEqual(Array.from(t.codesOf(3)), [3, 3, 0]);
  const sids = new Set(Array.from({ length: 6 }, (_, i) => t.codesOf(i).join(',')));
  assert.equal(sids.size, 6);
  const s = t.collisionStats();
  assert.equal(s.collidedItems, 5);
  assert.equal(s.largestGroup, 3);
  assert.ok(Math.abs(s.collisionRate - 5 / 6) < 1e-12);
});

test('trie queries agree with brute force on random codes', () => {
  const rng = new Rng(1);
  const n = 300;
  const b = 3;
  const base = Int32Array.from({ length: n * b }, () => rng.int(5));
  const t = SemanticIdTable.build(base, n, { baseDigits: b, collisionDigit: true, codebookSize: 5 });
  const codes = (i: number): number[] => Array.from(t.codesOf(i));
  const prefixes: number[][] = [[], [0], [4], [2, 3], [1, 1, 1], [9], [0, 9]];
  for (let i = 0; i < 20; i++) prefixes.push(codes(rng.int(n)).slice(0, 1 + rng.int(4)));
  for (const p of prefixes) {
    const matching = Array.from({ length: n }, (_, i) => i).filter((i) => p.every((c, l) => codes(i)[l] === c));
    assert.deepEqual(
      [...t.itemsUnder(p)].sort((x, y) => x - y),
      matching,
      `itemsUnder ${p}`,
    );
    const next = p.length < t.digits ? [...new Set(matching.map((i) => codes(i)[p.length]))].sort((x, y) => x - y) : [];
    assert.deepEqual(Array.from(t.validNextCodes(p)), next, `validNextCodes ${p}`);
  }
  for (let i = 0; i < n; i += 37) assert.deepEqual(Array.from(t.lookup(codes(i))), [i]);
  assert.throws(() => t.lookup([1]), /digits/);
});

test('flat SIDs keep collisions: lookup resolves one SID to all its items', () => {
  const base = Int32Array.from([5, 6, 7, 5, 6, 7, 1, 2, 3]);
  const t = SemanticIdTable.build(base, 3, { baseDigits: 3, collisionDigit: false, codebookSize: 8 });
  assert.equal(t.digits, 3);
  assert.deepEqual(Array.from(t.lookup([5, 6, 7])), [0, 1]);
  assert.deepEqual(Array.from(t.validNextCodes([])), [1, 5]);
});

test('append: new items get the next collision digit; existing SIDs unchanged', () => {
  const base = Int32Array.from([1, 2, 1, 2, 0, 0]);
  const t = SemanticIdTable.build(base, 3, hier);
  const t2 = t.append(Int32Array.from([1, 2, 3, 3]), 2);
  assert.equal(t2.count, 5);
  for (let i = 0; i < 3; i++) assert.deepEqual(Array.from(t2.codesOf(i)), Array.from(t.codesOf(i)));
  assert.deepEqual(Array.from(t2.codesOf(3)), [1, 2, 2]);
  assert.deepEqual(Array.from(t2.codesOf(4)), [3, 3, 0]);
  assert.deepEqual(Array.from(t2.lookup([1, 2, 2])), [3]);
  assert.deepEqual(Array.from(t2.validNextCodes([1, 2])), [0, 1, 2]);
});

test('SID table artifact round-trip; identical tables give identical bytes', () => {
  const rng = new Rng(2);
  const base = Int32Array.from({ length: 200 * 2 }, () => rng.int(4));
  const t = SemanticIdTable.build(base, 200, hier);
  const path = join(mkdtempSync(join(tmpdir(), 'sidrec-sid-')), 't.sidtab');
  saveSidTable(path, t);
  const back = loadSidTable(path);
  assert.deepEqual(Array.from(back.codes), Array.from(t.codes));
  assert.deepEqual(Array.from(back.validNextCodes([2])), Array.from(t.validNextCodes([2])));
  assert.deepEqual(Array.from(back.itemsUnder([1, 3])), Array.from(t.itemsUnder([1, 3])));
  assert.deepEqual(Buffer.from(serializeSidTable(SemanticIdTable.build(base, 200, hier))), Buffer.from(serializeSidTable(back)));
});

test('report: utilisation, perplexity and collision figures from a fitted tokenizer', () => {
  const f = correlated(3, 400, 8);
  const fitted = fitTokenizer({ kind: 'rqkmeans', levels: 2, codebookSize: 8, maxIter: 10 }, f);
  const table = SemanticIdTable.forTokenizer(fitted.tokenizer, fitted.codes, f.count);
  const r = tokenizeReport({ tokenizer: fitted.tokenizer, table, features: f, fitSeconds: fitted.fitSeconds });
  assert.equal(r.perDigit.length, 2);
  for (const u of r.perDigit) {
    assert.ok(u.utilisation > 0 && u.utilisation <= 1);
    assert.ok(u.perplexity >= 1 && u.perplexity <= 8 + 1e-9);
  }
  assert.ok(r.relativeMse > 0 && r.relativeMse < 1);
  assert.equal(table.collisionStats().collisionRate, r.collisionRate);
  assert.match(formatTokenizeReport(r), /perplexity/);
  // Hand-made codes: digit 0 uses 2 of 4 codes evenly -> utilisation 0.5, perplexity 2.
  const t = SemanticIdTable.build(Int32Array.from([0, 0, 1, 1, 0, 2, 1, 3]), 4, hier);
  const tok = { ...fitted.tokenizer, digits: 2, codebookSize: 4, decode: (_c: Int32Array, n: number) => new Float32Array(n) } as typeof fitted.tokenizer;
  const r2 = tokenizeReport({ tokenizer: tok, table: t, features: { count: 4, dim: 1, data: Float32Array.from([1, -1, 1, -1]) }, fitSeconds: 0 });
  assert.equal(r2.perDigit[0].utilisation, 0.5);
  assert.ok(Math.abs(r2.perDigit[0].perplexity - 2) < 1e-9);
  assert.ok(Math.abs(r2.perDigit[1].perplexity - 4) < 1e-9);
  assert.equal(r2.relativeMse, 1);
});

test('a capped collision digit: items past the cap share its last code and resolve together', () => {
  // Five items with one tokenizer SID, a collision digit of 3 codes: ranks 0, 1, 2, 2, 2.
  const t = SemanticIdTable.build(new Int32Array(10).fill(1), 5, hier, 3);
  assert.deepEqual(
    Array.from({ length: 5 }, (_, i) => t.codesOf(i)[2]),
    [0, 1, 2, 2, 2],
  );
  assert.deepEqual(Array.from(t.lookup([1, 1, 2])).sort(), [2, 3, 4]);
  assert.deepEqual(Array.from(t.lookup([1, 1, 0])), [0]);
});
