/**
 * Adam (Kingma & Ba, with bias correction) and AdamW (Loshchilov & Hutter: weight decay decoupled from the
 * gradient, applied as param -= lr * wd * param). RPG trains with AdamW; the engine benchmark with Adam. The update
 * itself is the `adamStep` kernel so a native provider can fuse it.
 */
import { kernels } from '../kernels/registry.js';
import { Optimizer, type NamedParameter } from './optimizer.js';

export interface AdamOptions {
  /** @default 1e-3 */
  readonly lr?: number;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay. @default 0 (Adam), 0.01 (AdamW) */
  readonly weightDecay?: number;
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly decoupled: boolean = false;

  constructor(params: readonly NamedParameter[], opts: AdamOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? this.defaultDecay();
  }

  protected defaultDecay(): number {
    return 0;
  }

  protected slots(): readonly string[] {
    return ['m', 'v'];
  }

  protected update(p: NamedParameter, grad: Float32Array): void {
    const param = p.tensor.f32;
    let g = grad;
    if (!this.decoupled && this.weightDecay !== 0) {
      g = new Float32Array(grad);
      for (let i = 0; i < g.length; i++) g[i] += this.weightDecay * param[i];
    }
    const t = this.stepCount;
    kernels().adamStep({
      param,
      grad: g,
      m: this.buffer(p, 'm'),
      v: this.buffer(p, 'v'),
      n: param.length,
      lr: this.lr * (p.lrScale ?? 1),
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.decoupled ? this.weightDecay : 0,
      biasCorrection1: 1 - this.beta1 ** t,
      biasCorrection2: 1 - this.beta2 ** t,
    });
  }
}

export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  protected override defaultDecay(): number {
    return 0.01;
  }
}
