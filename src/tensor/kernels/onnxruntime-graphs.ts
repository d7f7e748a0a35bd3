/**
 * The small ONNX graphs behind the onnxruntime kernels, one builder per kernel signature. Sizes are symbolic
 * so one session serves every shape; only flags that change the graph (transposes, alpha, accumulate) are part
 * of a session's cache key. Opset 20 (Gelu's tanh form needs it).
 */
import { ONNX_FLOAT, ONNX_INT64, type OnnxDim, type OnnxGraph, type OnnxInitializer, type OnnxNode, type OnnxValueInfo } from './onnx-proto.js';

const f = (name: string, dims: readonly OnnxDim[]): OnnxValueInfo => ({ name, elemType: ONNX_FLOAT, dims });
const scalar = (name: string, value: number): OnnxInitializer => ({ name, elemType: ONNX_FLOAT, dims: [], values: [value] });

/** c = alpha * op(a) @ op(b) through ONNX Gemm (2-D, MLAS sgemm with transposes). */
export function gemmGraph(transA: boolean, transB: boolean, alpha: number): OnnxGraph {
  return {
    name: 'gemm',
    inputs: [f('a', transA ? ['k', 'm'] : ['m', 'k']), f('b', transB ? ['n', 'k'] : ['k', 'n'])],
    outputs: [f('c', ['m', 'n'])],
    nodes: [
      {
        op: 'Gemm',
        inputs: ['a', 'b'],
        outputs: ['c'],
        attributes: {
          transA: { kind: 'int', value: transA ? 1 : 0 },
          transB: { kind: 'int', value: transB ? 1 : 0 },
          alpha: { kind: 'float', value: alpha },
        },
      },
    ],
  };
}

/** c[i] = alpha * op(a[i]) @ op(b[i]) over a leading batch axis (MatMul; ORT fuses the Transposes). */
export function gemmBatchedGraph(transA: boolean, transB: boolean, alpha: number): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const perm = { perm: { kind: 'ints', value: [0, 2, 1] } } as const;
  if (transA) nodes.push({ op: 'Transpose', inputs: ['a'], outputs: ['at'], attributes: perm });
  if (transB) nodes.push({ op: 'Transpose', inputs: ['b'], outputs: ['bt'], attributes: perm });
  const product = alpha === 1 ? 'c' : 'ab';
  nodes.push({ op: 'MatMul', inputs: [transA ? 'at' : 'a', transB ? 'bt' : 'b'], outputs: [product] });
  if (alpha !== 1) nodes.push({ op: 'Mul', inputs: ['ab', 'alpha'], outputs: ['c'] });
  return {
    name: 'gemm_batched',
    inputs: [f('a', transA ? ['batch', 'k', 'm'] : ['batch', 'm', 'k']), f('b', transB ? ['batch', 'n', 'k'] : ['batch', 'k', 'n'])],
    outputs: [f('c', ['batch', 'm', 'n'])],
    nodes,
    initializers: alpha === 1 ? [] : [scalar('alpha', alpha)],
  };
}

/** lse[r] = logsumexp(x[r, :]); with `withGrad` also grad = scale * softmax(x). Targets are applied in JS. */
export function softmaxCrossEntropyGraph(withGrad: boolean): OnnxGraph {
  const nodes: OnnxNode[] = [{ op: 'ReduceLogSumExp', inputs: ['x', 'axes'], outputs: ['lse'], attributes: { keepdims: { kind: 'int', value: 0 } } }];
  if (withGrad) {
    nodes.push({ op: 'Softmax', inputs: ['x'], outputs: ['p'], attributes: { axis: { kind: 'int', value: -1 } } });
    nodes.push({ op: 'Mul', inputs: ['p', 'scale'], outputs: ['grad'] });
  }
  return {
    name: 'softmax_ce',
    inputs: withGrad ? [f('x', ['rows', 'cols']), f('scale', [])] : [f('x', ['rows', 'cols'])],
    outputs: withGrad ? [f('lse', ['rows']), f('grad', ['rows', 'cols'])] : [f('lse', ['rows'])],
    nodes,
    initializers: [{ name: 'axes', elemType: ONNX_INT64, dims: [1], values: [1] }],
  };
}

export function geluGraph(): OnnxGraph {
  return {
    name: 'gelu',
    inputs: [f('x', ['n'])],
    outputs: [f('y', ['n'])],
    nodes: [{ op: 'Gelu', inputs: ['x'], outputs: ['y'], attributes: { approximate: { kind: 'string', value: 'tanh' } } }],
  };
}

/**
 * dx (+)= dy * gelu'(x), with t = tanh(c (x + a x^3)):
 * gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2).
 */
export function geluBackwardGraph(accumulate: boolean): OnnxGraph {
  const c = Math.sqrt(2 / Math.PI);
  const a = 0.044715;
  const op = (o: string, inputs: string[], out: string): OnnxNode => ({ op: o, inputs, outputs: [out] });
  const nodes: OnnxNode[] = [
    op('Mul', ['x', 'x'], 'x2'),
    op('Mul', ['x2', 'ca'], 'cax2'), // c a x^2
    op('Add', ['cax2', 'c'], 'inner'), // c (1 + a x^2)
    op('Mul', ['x', 'inner'], 'u'), // c (x + a x^3)
    op('Tanh', ['u'], 't'),
    op('Mul', ['t', 't'], 't2'),
    op('Sub', ['one', 't2'], 'sech2'),
    op('Mul', ['x2', 'c3a'], 'c3ax2'),
    op('Add', ['c3ax2', 'c'], 'du'), // c (1 + 3 a x^2)
    op('Mul', ['sech2', 'du'], 's1'),
    op('Mul', ['s1', 'x'], 's2'),
    op('Add', ['s2', 't'], 's3'),
    op('Add', ['s3', 'one'], 's4'),
    op('Mul', ['s4', 'half'], 'd'),
    op('Mul', ['d', 'dy'], accumulate ? 'g' : 'dx_out'),
  ];
  if (accumulate) nodes.push(op('Add', ['g', 'dx'], 'dx_out'));
  return {
    name: 'gelu_backward',
    inputs: accumulate ? [f('x', ['n']), f('dy', ['n']), f('dx', ['n'])] : [f('x', ['n']), f('dy', ['n'])],
    outputs: [f('dx_out', ['n'])],
    nodes,
    initializers: [scalar('c', c), scalar('ca', c * a), scalar('c3a', 3 * c * a), scalar('one', 1), scalar('half', 0.5)],
  };
}

export function softmaxRowsGraph(): OnnxGraph {
  return {
    name: 'softmax_rows',
    inputs: [f('x', ['rows', 'cols'])],
    outputs: [f('y', ['rows', 'cols'])],
    nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attributes: { axis: { kind: 'int', value: -1 } } }],
  };
}
