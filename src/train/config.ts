/** The training loop's options with frozen defaults (RPG and SASRec reproductions train this way). */

export interface TrainConfig {
  /** Upper bound on epochs; early stopping usually ends sooner. @default 100 */
  readonly epochs: number;
  /** @default 256 */
  readonly batchSize: number;
  /** Peak learning rate (AdamW). @default 0.001 */
  readonly lr: number;
  /** AdamW decoupled weight decay. @default 0 */
  readonly weightDecay: number;
  /** Linear warm-up steps before cosine decay. @default 100 */
  readonly warmupSteps: number;
  /** Global gradient-norm clip; 0 = off. @default 1 */
  readonly clip: number;
  /** Stop after this many epochs without a better validation metric. @default 10 */
  readonly patience: number;
  /** Validation metric that selects the best epoch. @default 'ndcg@10' */
  readonly selectMetric: string;
  /** @default 42 */
  readonly seed: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = Object.freeze({
  epochs: 100,
  batchSize: 256,
  lr: 0.001,
  weightDecay: 0,
  warmupSteps: 100,
  clip: 1,
  patience: 10,
  selectMetric: 'ndcg@10',
  seed: 42,
});
