/** Saving and loading SemanticIdTables as artifacts (atomic writes; byte-identical for identical tables). */
import { SemanticIdTable } from './sid-table.js';
import { encodeArtifact, readArtifact, writeArtifact } from './artifact.js';

export { SemanticIdTable, type SidTableShape, type CodeArray, type ItemIndexArray } from './sid-table.js';

export const serializeSidTable = (table: SemanticIdTable): Uint8Array => encodeArtifact(table.toArtifact());
export const saveSidTable = (path: string, table: SemanticIdTable): void => writeArtifact(path, table.toArtifact());
export const loadSidTable = (path: string): SemanticIdTable => SemanticIdTable.fromArtifact(readArtifact(path, 'sid-table'));
