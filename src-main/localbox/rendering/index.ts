/**
 * Image rendering and inspection core of the local box: pure functions over the bytes of a stored DICOM
 * file, used by the `/images/{id}/png|attributes|imageinformation` and `/dicom/dictionary/*` routes.
 */
export { renderPng, type RenderOptions } from './render-png.js';
export { RenderError, type RenderErrorCode } from './render-error.js';
export { readImageInformation } from './image-information.js';
export { readAttributes, tagPathOf } from './attributes.js';
export { DicomReadError } from './dicom-stream-reader.js';
export {
  dictionaryKeywords,
  keywordOf,
  tagOfKeyword,
  vrOf,
  vmOf,
  formatTag,
  type KeywordKind,
  type VrInfo,
  type VmInfo,
} from './dictionary.js';
export {
  requestedWindow,
  isUsableFileWindow,
  type VoiWindow,
  type ValueRange,
} from './voi-window.js';
export type { ImageAttribute, ImageInformation, TagPath } from '../../slicebox/types.js';
