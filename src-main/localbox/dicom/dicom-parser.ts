/**
 * dicom-parser is a UMD bundle without an ESM entry; load it through require so the same code works in
 * vitest, tsc and the esbuild ESM bundle (node_modules external).
 */
import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';

export type DataSet = DicomParser.DataSet;
export type Element = DicomParser.Element;
export type DicomParserModule = typeof DicomParser;

export const dicomParser = createRequire(import.meta.url)('dicom-parser') as DicomParserModule;
