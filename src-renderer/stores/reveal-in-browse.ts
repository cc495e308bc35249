/**
 * "Open in Browse" of a retrieved study: the Browse drill-down shows its patient, the study (and, for a
 * retrieved series, the series) selected, so its images, the viewer and the row actions are one step away.
 *
 * The patient list is reloaded first (the images just arrived). When the patient is not among the rows
 * loaded (a filter hides it, or it is beyond the first page), the patient filter is set to its PatientID
 * (its name when it has none) and the advanced filter cleared: the user sees why the list changed, and
 * clears the filter box to get every patient back.
 */
import type { Bridge } from '../../src-preload/contract.js';
import { NO_ADVANCED, type BrowseStore } from './browse.svelte.js';

export interface BrowseTarget {
  studyId: number;
  /** For a retrieved series: the series to select in the study. */
  seriesId: number | null;
}

/** Shows the target in Browse; resolves to why it could not (null when shown). */
export async function revealInBrowse(
  browse: BrowseStore,
  bridge: Bridge,
  connectionId: string,
  target: BrowseTarget,
): Promise<string | null> {
  if (browse.connectionId !== connectionId) return 'Browse shows another connection.';
  const place = await bridge.invoke('pacs.locateStudy', { connectionId, studyId: target.studyId });
  if (!place) return 'The study is no longer in this box (it was deleted).';
  browse.setTab('tree');
  await browse.reloadPatients();
  if (!browse.patients.items.some((p) => p.id === place.patientId)) {
    browse.advanced = NO_ADVANCED;
    browse.filter = place.patientID || place.patientName;
    await browse.reloadPatients();
  }
  await browse.selectPatient(place.patientId);
  await browse.selectStudy(place.studyId);
  if (target.seriesId !== null) {
    await browse.selectSeries(target.seriesId);
    browse.activeLevel = 'series';
  } else browse.activeLevel = 'studies';
  return null;
}
