/**
 * The Module base (PyTorch's nn.Module, trimmed): a module registers its parameters and child modules by name, so
 * `namedParameters()` yields stable dotted names ("blocks.0.attn.qkv.weight") for the optimiser and checkpoints.
 * Training-time behaviour (dropout) comes from the ForwardContext passed to each call, never from a flag flipped
 * on the model.
 */
import type { Rng } from '../../core/rng.js';
import type { NamedParameter } from '../optim/optimizer.js';
import { parameter } from '../create.js';
import type { Tensor } from '../tensor.js';

export interface ForwardContext {
  /** Dropout is active only when training. */
  readonly training: boolean;
  /** Source of dropout masks; required when training with dropout > 0. */
  readonly rng?: Rng;
  /**
   * When an optimizer step is computed in parts (a uniform batch in length-sorted parts), this part's share of the
   * step's examples (the trainer's part weight); absent: the whole step. State a model updates once a step (DIGER's
   * code-usage EMA) advances by this share.
   */
  readonly share?: number;
}

export const EVAL: ForwardContext = Object.freeze({ training: false });

export abstract class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Create and register a trainable parameter (kept: no tidy disposes it). */
  protected param(name: string, shape: readonly number[]): Tensor {
    const t = parameter(shape);
    this.ownParams.set(name, t);
    return t;
  }

  protected module<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedParameters(prefix = ''): NamedParameter[] {
    const out: NamedParameter[] = [];
    for (const [name, tensor] of this.ownParams) out.push({ name: prefix + name, tensor });
    for (const [name, child] of this.children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map((p) => p.tensor);
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  /** Release every parameter. */
  dispose(): void {
    for (const t of this.parameters()) t.dispose();
  }
}
