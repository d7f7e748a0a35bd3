/**
 * Tensor constructors: from arrays, zeros/ones/full, int32 index tensors, and trainable parameters (kept leaves).
 */
import { SidrecError } from '../core/errors.js';
import { keep, shapeSize, Tensor, type Shape } from './tensor.js';

/** A float32 tensor from values (copied unless already a Float32Array). */
export function tensor(values: ArrayLike<number> | Float32Array, shape?: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Tensor(data, shape ?? [data.length], opts);
}

/** An int32 index tensor (targets, token ids, masks). */
export function intTensor(values: ArrayLike<number> | Int32Array, shape?: Shape): Tensor {
  const data =
    values instanceof Int32Array
      ? values
      : Int32Array.from(values, (v) => {
          if (!Number.isInteger(v)) throw new SidrecError('E_INPUT', `intTensor: not an integer: ${v}`);
          return v;
        });
  return new Tensor(data, shape ?? [data.length]);
}

export function zeros(shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
  return new Tensor(new Float32Array(shapeSize(shape)), shape, opts);
}

export function full(shape: Shape, value: number): Tensor {
  return new Tensor(new Float32Array(shapeSize(shape)).fill(value), shape);
}

export function ones(shape: Shape): Tensor {
  return full(shape, 1);
}

export function scalar(value: number): Tensor {
  return new Tensor(Float32Array.of(value), []);
}

/** A trainable leaf: requires grad and is exempt from tidy scopes (dispose it yourself when done). */
export function parameter(shape: Shape, data?: Float32Array): Tensor {
  return keep(new Tensor(data ?? new Float32Array(shapeSize(shape)), shape, { requiresGrad: true }));
}
