/**
 * What a study or series row says about its contents: the visible text ("CT, MR · 7 images", "5 images",
 * "…" while counting, nothing when it could not be counted) and the words for its accessible name.
 */
import type { SeriesContents, StudyContents } from '../../src-preload/contract.js';
import type { Counted } from '../stores/browse-contents.svelte.js';
import { countOf } from './format.js';

export const COUNTING = '…';

/** A study row shows `CT, MR · 7 images`: the modalities part (empty while counting or without any)… */
export function studyModalitiesText(contents: Counted<StudyContents>): string {
  return typeof contents === 'object' ? contents.modalities.join(', ') : '';
}

/** …and the images part: `7 images`, `…` while counting, nothing when it could not be counted. */
export function studyImagesText(contents: Counted<StudyContents>): string {
  if (contents === 'counting') return COUNTING;
  if (contents === 'unknown') return '';
  return countOf(contents.imageCount, 'images');
}

/** For the row's accessible name and tooltip: `CT, MR, 2 series, 7 images`. */
export function studyContentsLabel(contents: Counted<StudyContents>): string {
  if (contents === 'counting') return 'counting images';
  if (contents === 'unknown') return 'image count unavailable';
  return [
    ...contents.modalities,
    countOf(contents.seriesCount, 'series'),
    countOf(contents.imageCount, 'images'),
  ].join(', ');
}

export function seriesImagesText(contents: Counted<SeriesContents>): string {
  if (contents === 'counting') return COUNTING;
  if (contents === 'unknown') return '';
  return countOf(contents.imageCount, 'images');
}

export function seriesImagesLabel(contents: Counted<SeriesContents>): string {
  if (contents === 'counting') return 'counting images';
  if (contents === 'unknown') return 'image count unavailable';
  return countOf(contents.imageCount, 'images');
}
