/** The serve stage's public surface: the app factory, the Recommender seam and its adapters, limits. */
export { buildServer, type ServerOptions, type ServerControl } from './app.js';
export { runUntilClosed, type LifecycleOptions } from './lifecycle.js';
export { DEFAULT_SERVE_LIMITS, resolveLimits, type ServeLimits } from './limits.js';
export { openModelDir, servingModel, addItems, type ServingModel, type NewItem } from './model.js';
export { ServingCatalog } from './catalog.js';
export { topK, type Recommender, type RecommendQuery, type Recommendation, type NewItemFeatures } from './recommender.js';
export { ADAPTERS, adapterFor, type AdapterFactory } from './adapters/index.js';
export { SasRecRecommender, openSasRec } from './adapters/sasrec.js';
export { RpgRecommender, openRpg } from './adapters/rpg.js';
export { SidKnnRecommender, DEFAULT_SID_KNN, type SidKnnOptions } from './adapters/sid-knn.js';
export { STATUS_OF_CODE, type HttpErrorCode } from './errors.js';
