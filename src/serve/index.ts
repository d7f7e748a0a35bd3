/** The serve stage's public surface: the app factory, the Recommender seam, limits (models open through families/). */
export { buildServer, type ServerOptions, type ServerControl } from './app.js';
export { runUntilClosed, type LifecycleOptions } from './lifecycle.js';
export { DEFAULT_SERVE_LIMITS, resolveLimits, type ServeLimits } from './limits.js';
export { openModelDir, servingModel, addItems, type ServingModel, type NewItem } from './model.js';
export { ServingCatalog } from './catalog.js';
export { topK, FullScoringRecommender, type Recommender, type RecommendQuery, type Recommendation, type NewItemFeatures } from '../decode/recommender.js';
export { SidKnnRecommender, DEFAULT_SID_KNN, type SidKnnOptions } from './sid-knn.js';
export { STATUS_OF_CODE, type HttpErrorCode } from './errors.js';
