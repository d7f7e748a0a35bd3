/**
 * The engine benchmark's reference model, built from sidrec's tensor ops exactly as in
 * /work/shared/bench/torch_reference.py (the spec both sides implement): a 2-layer causal pre-LN decoder, d=448,
 * 4 heads, FFN 1024 with tanh-GELU, T=50; the input at each position is the sum of 32 code embeddings
 * (32 codebooks x 256 codes) plus a learned position; head Linear(448 -> 32*256) with one softmax per codebook,
 * cross-entropy summed over codebooks and averaged over positions; Adam lr 1e-3. Initialisation follows torch's
 * defaults (Linear: U(+-1/sqrt(fan_in)) for weight and bias; LayerNorm: ones / zeros; embeddings N(0, 0.02)).
 */
import { Rng } from '../src/core/rng.js';
import {
  add,
  Adam,
  embeddingBag,
  gelu,
  initNormal,
  initUniform,
  intTensor,
  layerNorm,
  linear,
  linearCrossEntropy,
  packedSelfAttention,
  parameter,
  tidy,
  type NamedParameter,
  type Tensor,
} from '../src/tensor/index.js';

export const D = 448,
  H = 4,
  FF = 1024,
  T = 50,
  NCB = 32,
  V = 256,
  L = 2;

interface LinearParams {
  readonly w: Tensor;
  readonly b: Tensor;
}
interface NormParams {
  readonly g: Tensor;
  readonly b: Tensor;
}
interface BlockParams {
  readonly ln1: NormParams;
  readonly qkv: LinearParams;
  readonly o: LinearParams;
  readonly ln2: NormParams;
  readonly f1: LinearParams;
  readonly f2: LinearParams;
}

export interface ReferenceModel {
  readonly params: readonly NamedParameter[];
  /** One training step (forward, backward, Adam) on codes / targets int32 (B, T, NCB); returns the loss. */
  step(codes: Tensor, targets: Tensor): number;
}

function linearParams(inDim: number, outDim: number, rng: Rng): LinearParams {
  const bound = 1 / Math.sqrt(inDim);
  return { w: initUniform(parameter([inDim, outDim]), rng, -bound, bound), b: initUniform(parameter([outDim]), rng, -bound, bound) };
}

function normParams(): NormParams {
  const g = parameter([D]);
  g.f32.fill(1);
  return { g, b: parameter([D]) };
}

function block(x: Tensor, p: BlockParams): Tensor {
  // qkv (B, T, 3D) laid out as torch's view(B, T, 3, H, hd): the packed op reads heads in place, no copies
  const y = packedSelfAttention(linear(layerNorm(x, p.ln1.g, p.ln1.b), p.qkv.w, p.qkv.b), H, { causal: true }); // (B, T, D)
  const x1 = add(x, linear(y, p.o.w, p.o.b));
  return add(x1, linear(gelu(linear(layerNorm(x1, p.ln2.g, p.ln2.b), p.f1.w, p.f1.b)), p.f2.w, p.f2.b));
}

/** Codes (B, T, NCB) in [0, V) shifted to rows of the shared (NCB * V, D) table. */
function offsetCodes(codes: Tensor): Tensor {
  const c = codes.i32;
  const out = new Int32Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i] + (i % NCB) * V;
  return intTensor(out, codes.shape);
}

export function buildReferenceModel(seed = 0): ReferenceModel {
  const rng = new Rng(seed);
  const emb = initNormal(parameter([NCB * V, D]), rng, 0.02);
  const pos = initNormal(parameter([T, D]), rng, 0.02);
  const blocks: BlockParams[] = [];
  for (let i = 0; i < L; i++) {
    blocks.push({
      ln1: normParams(),
      qkv: linearParams(D, 3 * D, rng),
      o: linearParams(D, D, rng),
      ln2: normParams(),
      f1: linearParams(D, FF, rng),
      f2: linearParams(FF, D, rng),
    });
  }
  const lnf = normParams();
  const headW = linearParams(D, NCB * V, rng);
  const params: NamedParameter[] = [
    { name: 'emb', tensor: emb },
    { name: 'pos', tensor: pos },
    ...blocks.flatMap((b, i) =>
      Object.entries(b).flatMap(([k, v]) => Object.entries(v as Record<string, Tensor>).map(([n, t]) => ({ name: `h${i}.${k}.${n}`, tensor: t }))),
    ),
    { name: 'lnf.g', tensor: lnf.g },
    { name: 'lnf.b', tensor: lnf.b },
    { name: 'head.w', tensor: headW.w },
    { name: 'head.b', tensor: headW.b },
  ];
  const opt = new Adam(params, { lr: 1e-3 });
  return {
    params,
    step(codes, targets) {
      opt.zeroGrad();
      const loss = tidy(() => {
        let x = add(embeddingBag(emb, offsetCodes(codes), 'sum'), pos); // (B, T, D)
        for (const p of blocks) x = block(x, p);
        const h = layerNorm(x, lnf.g, lnf.b);
        // per-codebook softmax CE, summed over the 32 codebooks, averaged over the B*T positions
        const l = linearCrossEntropy(h, headW.w, headW.b, targets, { groups: NCB, reduction: 'mean', groupReduction: 'sum' });
        l.backward();
        return l.item();
      });
      opt.step();
      return loss;
    },
  };
}

/** Uniform random codes (B, T, NCB) in [0, V), seeded. */
export function randomCodes(batch: number, rng: Rng): Tensor {
  const out = new Int32Array(batch * T * NCB);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(V);
  return intTensor(out, [batch, T, NCB]);
}
