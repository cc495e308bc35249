/**
 * The words a destructive confirmation uses to name what it acts on (issue 10, finding 9), from
 * `actions.describe`: "2 series of Doe, Peter (CT Chest, 5 images; MR, 3 images)", or, for several
 * patients, one line per patient. Lists are capped ("and 3 more series, 12 images"); the counts are the
 * described selection's own, never estimated. Pure, unit-tested.
 */
import type {
  DescribedPatient,
  DescribedSeries,
  SelectionDescription,
} from '../../src-preload/contract.js';
import { countOf, formatPersonName } from './format.js';

export interface NamedSelection {
  /** The sentence's object: `2 series of Doe, Peter (CT, 5 images; MR, 3 images)`. */
  subject: string;
  /** Several patients: one line per listed patient, then `and N more patients (…)`. */
  lines: string[];
  /** `1 patient, 1 study, 2 series, 8 images`. */
  totals: string;
}

export interface NamingLimits {
  /** Patients listed one per line, at most. */
  patients: number;
  /** Series listed per patient, at most. */
  series: number;
}

export const NAMING_LIMITS: NamingLimits = { patients: 5, series: 4 };

const NOUN: Record<SelectionDescription['kind'], string> = {
  patients: 'patient',
  studies: 'study',
  series: 'series',
  images: 'image',
};

export function patientLabel(patient: Pick<DescribedPatient, 'patientName' | 'patientID'>): string {
  return formatPersonName(patient.patientName) || patient.patientID.trim() || '(no name)';
}

export function seriesLabel(series: DescribedSeries): string {
  const what = `${series.modality} ${series.description}`.trim() || 'Series without description';
  return `${what}, ${countOf(series.images, 'image')}`;
}

/** `CT, 5 images; MR, 3 images; and 2 more series, 7 images`. */
export function seriesList(patient: DescribedPatient, max: number): string {
  const shown = patient.series.slice(0, max);
  const parts = shown.map(seriesLabel);
  const more = patient.seriesCount - shown.length;
  if (more > 0) {
    const images = patient.images - shown.reduce((sum, s) => sum + s.images, 0);
    parts.push(`and ${more} more series, ${countOf(images, 'image')}`);
  }
  return parts.join('; ');
}

function countOfKind(d: SelectionDescription): number {
  switch (d.kind) {
    case 'patients':
      return d.patients;
    case 'studies':
      return d.studies;
    case 'series':
      return d.series;
    case 'images':
      return d.images;
  }
}

export function nameSelection(
  d: SelectionDescription,
  limits: NamingLimits = NAMING_LIMITS,
): NamedSelection {
  const totals = [
    countOf(d.patients, 'patient'),
    countOf(d.studies, 'study'),
    countOf(d.series, 'series'),
    countOf(d.images, 'image'),
  ].join(', ');
  const what = countOf(countOfKind(d), NOUN[d.kind]);
  const [only] = d.list;
  if (d.patients === 0 || !only) return { subject: what, lines: [], totals };

  if (d.patients === 1) {
    const name = patientLabel(only);
    const subject =
      d.kind === 'patients'
        ? `patient ${name} (${seriesList(only, limits.series)})`
        : `${what} of ${name} (${seriesList(only, limits.series)})`;
    return { subject, lines: [], totals };
  }

  const listed = d.list.slice(0, limits.patients);
  const lines = listed.map((p) => `${patientLabel(p)}: ${seriesList(p, limits.series)}`);
  const morePatients = d.patients - listed.length;
  if (morePatients > 0) {
    const series = d.series - listed.reduce((sum, p) => sum + p.seriesCount, 0);
    const images = d.images - listed.reduce((sum, p) => sum + p.images, 0);
    lines.push(
      `and ${countOf(morePatients, 'more patient')} (${countOf(series, 'series')}, ${countOf(images, 'image')})`,
    );
  }
  const subject = d.kind === 'patients' ? what : `${what} of ${countOf(d.patients, 'patient')}`;
  return { subject, lines, totals };
}
