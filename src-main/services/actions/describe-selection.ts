/**
 * What a selection covers, by name, for the confirmations of destructive actions (issue 10, finding 9):
 * the selection is resolved to its images as Summary does (WEB-UI §1.2 "collect the images"), then each
 * series, study and patient is read once. Totals are exact; the lists are capped (patients by name, then
 * id; series in study date, then id order) so a selection of thousands of series stays a small answer.
 */
import {
  DESCRIBE_MAX_PATIENTS,
  DESCRIBE_MAX_SERIES,
  type ActionSelection,
  type DescribedPatient,
  type DescribedSeries,
  type SelectionDescription,
} from '../../../src-preload/contract.js';
import type { SliceboxClient } from '../../slicebox/client.js';
import type { Patient, Series, Study } from '../../slicebox/types.js';
import { resolveImages } from '../selection/resolve-images.js';
import { eachLimited } from './each-limited.js';

export async function describeSelection(
  client: SliceboxClient,
  selection: ActionSelection,
): Promise<SelectionDescription> {
  const images = await resolveImages(client, selection);
  const imagesPerSeries = new Map<number, number>();
  for (const image of images) {
    imagesPerSeries.set(image.seriesId, (imagesPerSeries.get(image.seriesId) ?? 0) + 1);
  }
  const series = new Map<number, Series>();
  await eachLimited([...imagesPerSeries.keys()], 8, async (id) => {
    series.set(id, await client.seriesById(id));
  });
  const studies = new Map<number, Study>();
  await eachLimited([...new Set([...series.values()].map((s) => s.studyId))], 8, async (id) => {
    studies.set(id, await client.study(id));
  });
  const patients = new Map<number, Patient>();
  await eachLimited([...new Set([...studies.values()].map((s) => s.patientId))], 8, async (id) => {
    patients.set(id, await client.patient(id));
  });

  const byPatient = new Map<number, { studies: Set<number>; series: DescribedSeries[] }>();
  for (const [seriesId, count] of imagesPerSeries) {
    const s = series.get(seriesId)!;
    const study = studies.get(s.studyId)!;
    const entry = byPatient.get(study.patientId) ?? { studies: new Set(), series: [] };
    entry.studies.add(study.id);
    entry.series.push({
      seriesId,
      modality: s.modality.value.trim(),
      description: (s.seriesDescription.value || s.protocolName.value).trim(),
      studyDescription: study.studyDescription.value.trim(),
      studyDate: study.studyDate.value.trim(),
      images: count,
    });
    byPatient.set(study.patientId, entry);
  }
  const list: DescribedPatient[] = [...byPatient].map(([patientId, entry]) => {
    const patient = patients.get(patientId);
    const sorted = entry.series.sort(
      (a, b) => a.studyDate.localeCompare(b.studyDate) || a.seriesId - b.seriesId,
    );
    return {
      patientId,
      patientName: patient?.patientName.value ?? '',
      patientID: patient?.patientID.value ?? '',
      studies: entry.studies.size,
      seriesCount: sorted.length,
      images: sorted.reduce((sum, s) => sum + s.images, 0),
      series: sorted.slice(0, DESCRIBE_MAX_SERIES),
    };
  });
  list.sort(
    (a, b) =>
      a.patientName.localeCompare(b.patientName, undefined, { sensitivity: 'base' }) ||
      a.patientId - b.patientId,
  );
  return {
    kind: selection.kind,
    patients: patients.size,
    studies: studies.size,
    series: series.size,
    images: images.length,
    list: list.slice(0, DESCRIBE_MAX_PATIENTS),
  };
}
