/** sidrec in a web page: rank with a `sidrec export` directory and onnxruntime-web (local-ranker.ts). */
export {
  LocalRanker,
  openLocalRanker,
  type ExportDescription,
  type LocalItem,
  type LocalRanking,
  type OrtModule,
  type OrtSession,
  type RankOptions,
  type GRankExportLayout,
  type TigerExportLayout,
} from './local-ranker.js';
