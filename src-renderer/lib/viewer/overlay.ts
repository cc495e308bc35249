/**
 * The text in the viewer's corners, as radiology viewers lay it out: who (name, ID, age, sex) top left,
 * what (study date and description, series) top right, where in the stack (image, instance, slice location
 * and thickness) bottom left, how it is shown (window, zoom) bottom right. Pure functions: the patient,
 * study and series values come from the server's metadata (decoded character sets), the slice values from
 * the image's own dataset.
 */
import { formatDicomDate, formatPersonName, formatSex } from '../format.js';

/** What the browser knows about the series the viewer shows (from the selected rows). */
export interface ViewerContext {
  patientName: string;
  patientID: string;
  patientSex: string;
  patientAge: string;
  studyDate: string;
  studyDescription: string;
  seriesDescription: string;
  modality: string;
}

/** DICOM AS `043Y` → `43 Y`; `011M` → `11 M`; anything else trimmed, unchanged. */
export function formatAge(value: string | null | undefined): string {
  const v = (value ?? '').trim();
  const m = /^(\d{3})([DWMY])$/i.exec(v);
  return m ? `${Number(m[1])} ${m[2]!.toUpperCase()}` : v;
}

/** A length in mm with at most two decimals: 8.7625 → `8.76 mm`, -1.2375 → `-1.24 mm`. */
export function formatMillimetres(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  return `${Math.round(value * 100) / 100} mm`;
}

/** The patient's lines: name, `ID …`, `age · sex` (empty parts left out). */
export function patientLines(context: ViewerContext | null): string[] {
  if (!context) return [];
  const ageSex = [formatAge(context.patientAge), formatSex(context.patientSex)]
    .filter(Boolean)
    .join(' · ');
  return [
    formatPersonName(context.patientName) || '(no name)',
    context.patientID ? `ID ${context.patientID}` : '',
    ageSex,
  ].filter(Boolean);
}

/** The study's lines: date and description, then the series (modality and description). */
export function studyLines(context: ViewerContext | null): string[] {
  if (!context) return [];
  const study = [formatDicomDate(context.studyDate), context.studyDescription]
    .filter(Boolean)
    .join(' · ');
  const series = [context.modality, context.seriesDescription].filter(Boolean).join(' · ');
  return [study, series ? `Series ${series}` : ''].filter(Boolean);
}

/** The image's lines: position in the stack with the instance number, then slice location and thickness. */
export function imageLines(parts: {
  position: string;
  instanceNumber: string | undefined;
  sliceLocation?: number;
  sliceThickness?: number;
}): string[] {
  const instance = parts.instanceNumber?.trim();
  const slice = [
    parts.sliceLocation !== undefined ? `Loc ${formatMillimetres(parts.sliceLocation)}` : '',
    parts.sliceThickness !== undefined ? `Thk ${formatMillimetres(parts.sliceThickness)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return [
    [parts.position, instance ? `Instance ${instance}` : ''].filter(Boolean).join(' · '),
    slice,
  ].filter(Boolean);
}
