/**
 * Fused scaled dot-product attention (Vaswani et al.; GPT-2's causal self-attention, T5's cross-attention with a
 * key padding mask). Every product runs through gemmBatched with transpose flags and leading dimensions, so
 * neither K^T nor any per-head copy is materialised: the packed variants read q, k, v straight out of the fused
 * projection (B, T, 3D) and write the merged heads (B, Tq, D). The only saved intermediate is P (B, H, Tq, Tk).
 * Products are issued once per head, batched over B (so output batches never interleave).
 */
import { SidrecError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { kernels } from '../kernels/registry.js';
import { allocF32, releaseF32 } from '../pool.js';
import { makeResult, gradOf, type Tensor } from '../tensor.js';
import { dropoutInto } from './random.js';

/** Added to masked scores: finite, so a fully masked row becomes uniform instead of NaN. */
const MASKED = -1e30;

export interface AttentionOptions {
  /** Query i sees keys j <= i + (Tk - Tq). @default false */
  readonly causal?: boolean;
  /** int32 (B, Tk), non-zero where the key is padding (never attended). */
  readonly keyPaddingMask?: Tensor;
  /** Dropout on the attention probabilities (needs `rng`). @default 0 */
  readonly dropout?: number;
  readonly rng?: Rng;
  /** Scores are scaled by this. @default 1 / sqrt(hd) */
  readonly scale?: number;
  /** Additive score bias (H, Tq, Tk) shared over the batch, differentiable (T5's relative position bias). */
  readonly bias?: Tensor;
}

/** Where element (b, h, t, d) of a head-split operand lives: base + b * bs + h * hs + t * ld + d. */
interface Layout {
  readonly base: number;
  readonly bs: number;
  readonly hs: number;
  readonly ld: number;
}

interface Dims {
  readonly B: number;
  readonly H: number;
  readonly Tq: number;
  readonly Tk: number;
  readonly hd: number;
}

/** C = alpha op(A) op(B) (+ beta C) for every (b, h): H calls of gemmBatched over b. */
function headGemm(
  d: Dims,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  A: Float32Array,
  la: Layout,
  Bm: Float32Array,
  lb: Layout,
  C: Float32Array,
  lc: Layout,
): void {
  const K = kernels();
  for (let h = 0; h < d.H; h++) {
    K.gemmBatched({
      transA,
      transB,
      m,
      n,
      k,
      alpha,
      beta,
      batch: d.B,
      a: A.subarray(la.base + h * la.hs),
      lda: la.ld,
      strideA: la.bs,
      b: Bm.subarray(lb.base + h * lb.hs),
      ldb: lb.ld,
      strideB: lb.bs,
      c: C.subarray(lc.base + h * lc.hs),
      ldc: lc.ld,
      strideC: lc.bs,
    });
  }
}

interface Operand {
  readonly t: Tensor;
  readonly layout: Layout;
}

function attend(d: Dims, q: Operand, k: Operand, v: Operand, outShape: number[], outLayout: Layout, opts: AttentionOptions): Tensor {
  const { B, H, Tq, Tk, hd } = d;
  const pad = opts.keyPaddingMask?.i32;
  if (pad && pad.length !== B * Tk) throw new SidrecError('E_SHAPE', `keyPaddingMask must be (${B}, ${Tk})`);
  const scale = opts.scale ?? 1 / Math.sqrt(hd);
  const Q = q.t.f32;
  const Kd = k.t.f32;
  const V = v.t.f32;
  const pL: Layout = { base: 0, bs: H * Tq * Tk, hs: Tq * Tk, ld: Tk };
  const P = allocF32(B * H * Tq * Tk, false); // (B, H, Tq, Tk)
  headGemm(d, false, true, Tq, Tk, hd, scale, 0, Q, q.layout, Kd, k.layout, P, pL);
  const bias = opts.bias;
  if (bias) {
    if (bias.size !== H * Tq * Tk) throw new SidrecError('E_SHAPE', `attention bias must be (${H}, ${Tq}, ${Tk}), got [${bias.shape}]`);
    const Bs = bias.f32;
    for (let b = 0; b < B; b++) {
      const off = b * H * Tq * Tk;
      for (let i = 0; i < Bs.length; i++) P[off + i] += Bs[i];
    }
  }
  const causal = opts.causal ?? false;
  if (causal || pad) {
    const shift = Tk - Tq;
    for (let bh = 0; bh < B * H; bh++) {
      const b = Math.floor(bh / H);
      for (let i = 0; i < Tq; i++) {
        const row = (bh * Tq + i) * Tk;
        if (causal) P.fill(MASKED, row + Math.max(0, i + shift + 1), row + Tk);
        if (pad) for (let j = 0; j < Tk; j++) if (pad[b * Tk + j] !== 0) P[row + j] = MASKED;
      }
    }
  }
  kernels().softmaxRows(P, B * H * Tq, Tk);
  let drop: Float32Array | null = null;
  let Pd = P;
  const p = opts.dropout ?? 0;
  if (p > 0) {
    if (!opts.rng) throw new SidrecError('E_CONFIG', 'attention dropout needs an rng');
    drop = allocF32(P.length, false);
    Pd = allocF32(P.length, false);
    dropoutInto(P, Pd, drop, p, opts.rng);
  }
  const Y = allocF32(B * H * Tq * hd, false);
  headGemm(d, false, false, Tq, hd, Tk, 1, 0, Pd, pL, V, v.layout, Y, outLayout);
  const inputs = [...new Set(bias ? [q.t, k.t, v.t, bias] : [q.t, k.t, v.t])];
  return makeResult(
    Y,
    outShape,
    inputs,
    (g) => {
      // g has the output's layout.
      if (v.t.requiresGrad) headGemm(d, true, false, Tk, hd, Tq, 1, 1, Pd, pL, g, outLayout, gradOf(v.t), v.layout);
      if (!q.t.requiresGrad && !k.t.requiresGrad && !bias?.requiresGrad) return;
      const dS = allocF32(P.length, false); // dP, then dS in place: (B, H, Tq, Tk)
      headGemm(d, false, true, Tq, Tk, hd, 1, 0, g, outLayout, V, v.layout, dS, pL);
      if (drop) for (let i = 0; i < dS.length; i++) dS[i] *= drop[i];
      for (let r = 0; r < B * H * Tq; r++) {
        const off = r * Tk;
        let dot = 0;
        for (let j = 0; j < Tk; j++) dot += dS[off + j] * P[off + j];
        for (let j = 0; j < Tk; j++) dS[off + j] = P[off + j] * (dS[off + j] - dot);
      }
      if (bias?.requiresGrad) {
        const gb = gradOf(bias);
        for (let b = 0; b < B; b++) {
          const off = b * H * Tq * Tk;
          for (let i = 0; i < gb.length; i++) gb[i] += dS[off + i];
        }
      }
      if (q.t.requiresGrad) headGemm(d, false, false, Tq, hd, Tk, scale, 1, dS, pL, Kd, k.layout, gradOf(q.t), q.layout);
      if (k.t.requiresGrad) headGemm(d, true, false, Tk, hd, Tq, scale, 1, dS, pL, Q, q.layout, gradOf(k.t), k.layout);
      releaseF32(dS);
    },
    { saved: drop ? [P, Pd, drop] : [P] },
  );
}

const bhtd = (H: number, T: number, hd: number): Layout => ({ base: 0, bs: H * T * hd, hs: T * hd, ld: hd });

/** q (B, H, Tq, hd), k and v (B, H, Tk, hd) -> (B, H, Tq, hd). */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) throw new SidrecError('E_SHAPE', 'attention expects (B, H, T, hd) tensors');
  const [B, H, Tq, hd] = q.shape;
  const Tk = k.shape[2];
  if (k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== hd || v.shape.some((x, i) => x !== k.shape[i])) {
    throw new SidrecError('E_SHAPE', `attention: q [${q.shape}], k [${k.shape}], v [${v.shape}] do not fit`);
  }
  const d = { B, H, Tq, Tk, hd };
  return attend(
    d,
    { t: q, layout: bhtd(H, Tq, hd) },
    { t: k, layout: bhtd(H, Tk, hd) },
    { t: v, layout: bhtd(H, Tk, hd) },
    [B, H, Tq, hd],
    bhtd(H, Tq, hd),
    opts,
  );
}

/** Self-attention on a fused projection: qkv (B, T, 3D) packed [q | k | v], heads contiguous in each -> (B, T, D). */
export function packedSelfAttention(qkv: Tensor, heads: number, opts: AttentionOptions = {}): Tensor {
  if (qkv.rank !== 3 || qkv.shape[2] % (3 * heads) !== 0)
    throw new SidrecError('E_SHAPE', `packedSelfAttention: qkv [${qkv.shape}] is not (B, T, 3 * D) for ${heads} heads`);
  const [B, T, D3] = qkv.shape;
  const D = D3 / 3;
  const hd = D / heads;
  const at = (base: number): Layout => ({ base, bs: T * D3, hs: hd, ld: D3 });
  const d = { B, H: heads, Tq: T, Tk: T, hd };
  return attend(d, { t: qkv, layout: at(0) }, { t: qkv, layout: at(D) }, { t: qkv, layout: at(2 * D) }, [B, T, D], { base: 0, bs: T * D, hs: hd, ld: D }, opts);
}

/** Cross-attention: q (B, Tq, D), kv (B, Tk, 2D) packed [k | v] -> (B, Tq, D). */
export function packedCrossAttention(q: Tensor, kv: Tensor, heads: number, opts: AttentionOptions = {}): Tensor {
  const [B, Tq, D] = q.shape;
  if (q.rank !== 3 || kv.rank !== 3 || kv.shape[0] !== B || kv.shape[2] !== 2 * D || D % heads !== 0) {
    throw new SidrecError('E_SHAPE', `packedCrossAttention: q [${q.shape}] and kv [${kv.shape}] do not fit ${heads} heads`);
  }
  const Tk = kv.shape[1];
  const hd = D / heads;
  const d = { B, H: heads, Tq, Tk, hd };
  const qL: Layout = { base: 0, bs: Tq * D, hs: hd, ld: D };
  const kvL = (base: number): Layout => ({ base, bs: Tk * 2 * D, hs: hd, ld: 2 * D });
  return attend(d, { t: q, layout: qL }, { t: kv, layout: kvL(0) }, { t: kv, layout: kvL(D) }, [B, Tq, D], qL, opts);
}
