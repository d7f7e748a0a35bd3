import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHalf } from '../../src/tensor/kernels/onnx-proto.js';

test('toHalf: IEEE half bits, rounding to nearest even, subnormals, overflow and NaN', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [0.333251953125, 0x3555],
    [65504, 0x7bff], // the largest half
    [65520, 0x7c00], // rounds up to infinity
    [1e6, 0x7c00],
    [6e-8, 0x0001], // the smallest subnormal
    [1e-8, 0x0000], // below it: zero
    [2049, 0x6800], // a tie rounds to the even 2048
    [2051, 0x6802], // a tie rounds to the even 2052
    [Infinity, 0x7c00],
  ];
  for (const [value, bits] of cases) assert.equal(toHalf(value), bits, `${value}`);
  assert.equal(toHalf(Number.NaN) & 0x7c00, 0x7c00);
  assert.notEqual(toHalf(Number.NaN) & 0x03ff, 0);
});
