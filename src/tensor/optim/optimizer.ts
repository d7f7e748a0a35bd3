/**
 * The optimiser base: named parameters (names key the saved state), zeroGrad, a step counter and a state dict of
 * plain arrays so checkpoints can hold optimiser moments beside parameters (resuming gives the identical next step).
 */
import { SidrecError } from '../../core/errors.js';
import type { Tensor } from '../tensor.js';
import { releaseF32 } from '../pool.js';

export interface NamedParameter {
  readonly name: string;
  readonly tensor: Tensor;
  /**
   * This parameter's learning rate as a multiple of the optimiser's (a parameter group, as PyTorch's): e.g. DIGER's
   * tokenizer at 1e-5 beside its recommender at 1e-3 is 0.01. Schedules scale every group alike. @default 1
   */
  readonly lrScale?: number;
}

/** One saved optimiser buffer: `${paramName}.${slot}` -> data (same size as the parameter). */
export interface OptimizerState {
  readonly step: number;
  readonly buffers: ReadonlyMap<string, Float32Array>;
}

export abstract class Optimizer {
  readonly params: readonly NamedParameter[];
  /** Current learning rate; schedules set it before each step. */
  lr: number;
  /** Steps taken so far. */
  stepCount = 0;

  constructor(params: readonly NamedParameter[], lr: number) {
    const names = new Set<string>();
    for (const p of params) {
      if (names.has(p.name)) throw new SidrecError('E_CONFIG', `duplicate parameter name "${p.name}"`);
      names.add(p.name);
      if (!p.tensor.requiresGrad) throw new SidrecError('E_CONFIG', `parameter "${p.name}" does not require grad`);
    }
    this.params = params;
    this.lr = lr;
  }

  /**
   * Clear every parameter gradient. Drops the buffers (PyTorch's set_to_none): backward then hands op-owned
   * gradient arrays straight to the parameters instead of zero-filling and adding. `inPlace` zeroes instead.
   */
  zeroGrad(inPlace = false): void {
    for (const { tensor } of this.params) {
      if (inPlace) tensor.grad?.fill(0);
      else {
        releaseF32(tensor.grad);
        tensor.grad = null;
      }
    }
  }

  /** Apply one update from the current gradients; parameters without a gradient are skipped. */
  step(): void {
    this.stepCount++;
    for (const p of this.params) {
      const g = p.tensor.grad;
      if (g) this.update(p, g);
    }
  }

  protected abstract update(p: NamedParameter, grad: Float32Array): void;

  /** Per-parameter slots this optimiser keeps (e.g. ['m', 'v']). */
  protected abstract slots(): readonly string[];

  /** The named buffer of a slot, created zeroed on first use. */
  protected buffer(p: NamedParameter, slot: string): Float32Array {
    const key = `${p.name}.${slot}`;
    let b = this.state.get(key);
    if (!b) {
      b = new Float32Array(p.tensor.size);
      this.state.set(key, b);
    }
    return b;
  }

  private readonly state = new Map<string, Float32Array>();

  stateDict(): OptimizerState {
    return { step: this.stepCount, buffers: new Map([...this.state].map(([k, v]) => [k, new Float32Array(v)])) };
  }

  loadStateDict(state: OptimizerState): void {
    const slots = this.slots();
    for (const [key, data] of state.buffers) {
      const dot = key.lastIndexOf('.');
      const name = key.slice(0, dot);
      const p = this.params.find((q) => q.name === name);
      if (!p || !slots.includes(key.slice(dot + 1))) throw new SidrecError('E_STATE', `optimiser state "${key}" matches no parameter slot`);
      if (data.length !== p.tensor.size) throw new SidrecError('E_STATE', `optimiser state "${key}" has ${data.length} values, parameter has ${p.tensor.size}`);
      this.state.set(key, new Float32Array(data));
    }
    this.stepCount = state.step;
  }
}
