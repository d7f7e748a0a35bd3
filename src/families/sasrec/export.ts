/** `sidrec export` for SASRec: its ONNX graph (onnx.ts), checked against the engine and written (export-check.ts). */
import type { SasRec } from '../../model/sasrec.js';
import { checkExport } from '../export-check.js';
import type { ExportCheck } from '../family.js';
import { SASREC_INPUTS } from './onnx.js';

export function checkSasRecExport(model: SasRec, onnx: Uint8Array, histories: readonly ArrayLike<number>[]): ExportCheck {
  return checkExport(onnx, SASREC_INPUTS, model.config.maxLen, model.numItems, histories, model.score(histories));
}
