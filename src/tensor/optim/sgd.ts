/** Plain SGD with optional (heavy-ball, PyTorch-style) momentum and L2 weight decay. */
import { Optimizer, type NamedParameter } from './optimizer.js';

export interface SgdOptions {
  readonly lr: number;
  /** @default 0 */
  readonly momentum?: number;
  /** @default 0 */
  readonly weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly weightDecay: number;

  constructor(params: readonly NamedParameter[], opts: SgdOptions) {
    super(params, opts.lr);
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  protected slots(): readonly string[] {
    return ['momentum'];
  }

  protected update(p: NamedParameter, grad: Float32Array): void {
    const w = p.tensor.f32;
    const mu = this.momentum;
    const wd = this.weightDecay;
    const buf = mu !== 0 ? this.buffer(p, 'momentum') : null;
    const first = this.stepCount === 1;
    const lr = this.lr * (p.lrScale ?? 1);
    for (let i = 0; i < w.length; i++) {
      let d = grad[i] + wd * w[i];
      if (buf) {
        buf[i] = first ? d : mu * buf[i] + d;
        d = buf[i];
      }
      w[i] -= lr * d;
    }
  }
}
