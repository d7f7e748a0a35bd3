import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import * as T from '../../src/tensor/index.js';
import { Embedding, LayerNorm, Module, TransformerBlock, EVAL, type ForwardContext } from '../../src/tensor/layers/index.js';
import { gradCheck, randn } from '../tensor/gradcheck.js';

/** An RPG-shaped toy: item = mean of its G code embeddings, + positions, pre-LN blocks, grouped linear-CE head. */
class TinyRpg extends Module {
  readonly codes: Embedding;
  readonly pos: Embedding;
  readonly blocks: TransformerBlock[];
  readonly lnF: LayerNorm;
  readonly head: T.Tensor; // (D, G * C)

  constructor(
    readonly cfg: { G: number; C: number; D: number; T: number; layers: number },
    rng: Rng,
  ) {
    super();
    this.codes = this.module('codes', new Embedding(cfg.G * cfg.C, cfg.D, rng));
    this.pos = this.module('pos', new Embedding(cfg.T, cfg.D, rng));
    this.blocks = Array.from({ length: cfg.layers }, (_, i) =>
      this.module(`blocks.${i}`, new TransformerBlock({ dim: cfg.D, heads: 2, ffn: 2 * cfg.D, dropout: 0.1 }, rng)),
    );
    this.lnF = this.module('lnF', new LayerNorm(cfg.D));
    this.head = T.initNormal(this.param('head', [cfg.D, cfg.G * cfg.C]), rng, 0.02);
  }

  /** codes int32 (B, T, G) with per-digit offsets applied; targets int32 (B, T, G). */
  loss(input: T.Tensor, targets: T.Tensor, ctx: ForwardContext): T.Tensor {
    const [B, Tn] = input.shape;
    const positions = T.intTensor(
      Int32Array.from({ length: B * Tn }, (_, i) => i % Tn),
      [B, Tn],
    );
    let h = T.add(this.codes.bag(input, 'mean'), this.pos.forward(positions)); // (B, T, D)
    for (const block of this.blocks) h = block.forward(h, ctx, { causal: true });
    h = this.lnF.forward(h);
    return T.linearCrossEntropy(T.reshape(h, [B * Tn, this.cfg.D]), this.head, null, targets, { groups: this.cfg.G, chunkRows: 7 });
  }
}

function batch(cfg: { G: number; C: number; T: number }, B: number, seed: number): { input: T.Tensor; targets: T.Tensor } {
  const rng = new Rng(seed);
  const n = B * cfg.T * cfg.G;
  const raw = Int32Array.from({ length: n + cfg.T * cfg.G }, () => rng.int(cfg.C));
  const input = Int32Array.from({ length: n }, (_, i) => raw[i] + (i % cfg.G) * cfg.C);
  const targets = Int32Array.from({ length: n }, (_, i) => raw[i + cfg.G]);
  return { input: T.keep(T.intTensor(input, [B, cfg.T, cfg.G])), targets: T.keep(T.intTensor(targets, [B, cfg.T, cfg.G])) };
}

test('Module lists dotted parameter names', () => {
  const m = new TinyRpg({ G: 2, C: 4, D: 8, T: 3, layers: 1 }, new Rng(0));
  const names = m.namedParameters().map((p) => p.name);
  assert.ok(names.includes('blocks.0.attn.qkv.weight'));
  assert.ok(names.includes('blocks.0.mlp.fc.bias'));
  assert.ok(names.includes('codes.weight') && names.includes('head'));
  assert.equal(new Set(names).size, names.length);
  assert.equal(
    m.parameterCount(),
    m.parameters().reduce((s, t) => s + t.size, 0),
  );
  m.dispose();
});

test('TransformerBlock gradients (self-attention and T5-style cross-attention with padding)', () => {
  const rng = new Rng(5);
  const self = new TransformerBlock({ dim: 6, heads: 2, ffn: 8 }, rng);
  const cross = new TransformerBlock({ dim: 6, heads: 3, ffn: 8, cross: true }, rng);
  // Larger weights than the 0.02 init so the check exercises every path.
  for (const p of [...self.parameters(), ...cross.parameters()]) if (p.rank === 2) T.initNormal(p, rng, 0.4);
  const pad = T.intTensor([0, 0, 0, 1, 0, 1, 1, 1], [2, 4]);
  // Once as is, once with every array recycled through the buffer pool.
  for (const minLength of [1 << 14, 1]) {
    T.configurePool({ minLength });
    try {
      gradCheck(`self block (pool min ${minLength})`, [{ shape: [2, 3, 6], data: randn([2, 3, 6], rng) }], ([x]) => self.forward(x, EVAL, { causal: true }));
      gradCheck(
        `cross block (pool min ${minLength})`,
        [
          { shape: [2, 3, 6], data: randn([2, 3, 6], rng) },
          { shape: [2, 4, 6], data: randn([2, 4, 6], rng) },
        ],
        ([x, mem]) => cross.forward(x, EVAL, { causal: true, memory: mem, memoryPaddingMask: pad }),
      );
    } finally {
      T.configurePool({ minLength: 1 << 14 });
    }
  }
  self.dispose();
  cross.dispose();
});

test("TransformerBlock with the head width set apart from dim (T5's d_kv): projections of heads x headDim, gradients", () => {
  const rng = new Rng(8);
  const self = new TransformerBlock({ dim: 6, heads: 3, headDim: 4, ffn: 8 }, rng);
  const cross = new TransformerBlock({ dim: 6, heads: 3, headDim: 4, ffn: 8, cross: true }, rng);
  const shapes = new Map(cross.namedParameters().map(({ name, tensor }) => [name, tensor.shape.join('x')]));
  assert.equal(shapes.get('attn.qkv.weight'), '6x36', 'q, k, v of 3 heads x 4 from d 6');
  assert.equal(shapes.get('attn.out.weight'), '12x6');
  assert.equal(shapes.get('crossAttn.q.weight'), '6x12');
  assert.equal(shapes.get('crossAttn.kv.weight'), '6x24');
  for (const p of [...self.parameters(), ...cross.parameters()]) if (p.rank === 2) T.initNormal(p, rng, 0.4);
  const pad = T.intTensor([0, 0, 0, 1, 0, 1, 1, 1], [2, 4]);
  gradCheck('self block, 3 heads x 4 on d 6', [{ shape: [2, 3, 6], data: randn([2, 3, 6], rng) }], ([x]) => self.forward(x, EVAL, { causal: true }));
  gradCheck(
    'cross block, 3 heads x 4 on d 6',
    [
      { shape: [2, 3, 6], data: randn([2, 3, 6], rng) },
      { shape: [2, 4, 6], data: randn([2, 4, 6], rng) },
    ],
    ([x, mem]) => cross.forward(x, EVAL, { causal: true, memory: mem, memoryPaddingMask: pad }),
  );
  assert.throws(
    () => new TransformerBlock({ dim: 6, heads: 4, ffn: 8 }, rng),
    /model dim 6 is not divisible by 4 heads/,
    'without a head width, heads divide dim',
  );
  self.dispose();
  cross.dispose();
});

test('TransformerBlock: attention-weight dropout and residual dropout are set apart (GPT-2 attn_pdrop / resid_pdrop)', () => {
  const x = T.keep(T.tensor(randn([2, 5, 8], new Rng(2)), [2, 5, 8]));
  /** [eval output, training output] of a block built and initialised the same way each time. */
  const outputs = (opts: { dropout: number; attnDropout?: number }): [Float32Array, Float32Array] => {
    const block = new TransformerBlock({ dim: 8, heads: 2, ffn: 16, ...opts }, new Rng(4));
    for (const p of block.parameters()) if (p.rank === 2) T.initNormal(p, new Rng(6), 0.4);
    const pair = T.noGrad(
      () =>
        [block.forward(x, EVAL, { causal: true }).f32.slice(), block.forward(x, { training: true, rng: new Rng(8) }, { causal: true }).f32.slice()] as [
          Float32Array,
          Float32Array,
        ],
    );
    block.dispose();
    return pair;
  };
  const changedByTraining = (opts: { dropout: number; attnDropout?: number }): boolean => {
    const [a, b] = outputs(opts);
    return a.some((v, i) => v !== b[i]);
  };
  assert.equal(changedByTraining({ dropout: 0, attnDropout: 0 }), false, 'no dropout: training = eval');
  assert.equal(changedByTraining({ dropout: 0, attnDropout: 0.5 }), true, 'attention dropout alone is applied');
  assert.equal(changedByTraining({ dropout: 0.5, attnDropout: 0 }), true, 'residual dropout alone is applied');
  assert.deepEqual(outputs({ dropout: 0.3 })[1], outputs({ dropout: 0.3, attnDropout: 0.3 })[1], 'attention dropout defaults to the residual one');
  assert.notDeepEqual(outputs({ dropout: 0.3 })[1], outputs({ dropout: 0.3, attnDropout: 0 })[1]);
  x.dispose();
});

const TINY = { G: 4, C: 8, D: 16, T: 6, layers: 2 };

/** Trains the tiny model `steps` times on one fixed batch; `afterTraining` sees the trained model before disposal. */
function trainTiny(
  steps: number,
  afterTraining?: (model: TinyRpg, input: T.Tensor, targets: T.Tensor, stats: readonly T.MemoryStats[]) => void,
): { losses: number[]; stats: T.MemoryStats[] } {
  const cfg = TINY;
  const rng = new Rng(11);
  const model = new TinyRpg(cfg, rng);
  const params = model.namedParameters();
  const opt = new T.AdamW(params, { lr: 3e-3, weightDecay: 0 });
  const { input, targets } = batch(cfg, 4, 3);
  const losses: number[] = [];
  const stats: T.MemoryStats[] = [];
  for (let s = 0; s < steps; s++) {
    losses.push(
      T.tidy(() => {
        opt.zeroGrad();
        const l = model.loss(input, targets, { training: true, rng });
        l.backward();
        T.clipGradNorm(params, 1);
        opt.step();
        return l.item();
      }),
    );
    stats.push(T.memoryStats());
  }
  afterTraining?.(model, input, targets, stats);
  model.dispose();
  input.dispose();
  targets.dispose();
  return { losses, stats };
}

test('buffer pool: recycling every array gives bit-identical training, and the pool stops growing', () => {
  T.configurePool({ capBytes: 0 });
  const plain = trainTiny(12);
  T.configurePool({ capBytes: 2 ** 31, minLength: 1 });
  try {
    const pooled = trainTiny(6);
    const idle = T.pooledBytesNow();
    const again = trainTiny(12);
    assert.deepEqual(pooled.losses, plain.losses.slice(0, 6));
    assert.deepEqual(again.losses, plain.losses);
    assert.ok(T.pooledBytesNow() <= idle * 1.5 + 65536, `pool grew from ${idle} to ${T.pooledBytesNow()}`);
  } finally {
    T.configurePool({ minLength: 1 << 14 });
    T.clearPool();
  }
});

test('tiny transformer: loss decreases on a fixed batch and memory stays flat across steps', () => {
  const { losses, stats } = trainTiny(60, (model, input, targets, steps) => {
    const evalLoss = T.noGrad(() => T.tidy(() => model.loss(input, targets, EVAL).item()));
    assert.ok(Number.isFinite(evalLoss));
    assert.deepEqual(T.memoryStats(), steps[0]);
  });
  assert.ok(losses[59] < 0.6 * losses[0], `loss ${losses[0]} -> ${losses[59]}`);
  assert.ok(Math.abs(losses[0] - Math.log(TINY.C)) < 0.2, `initial loss ${losses[0]} should be near ln C`);
  for (const st of stats.slice(1)) assert.deepEqual(st, stats[0]);
});
