/**
 * Measurements as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted where needed), UTF-8 with a
 * byte-order mark so spreadsheet programs read non-Latin names right. One row per measurement; each figure has
 * its own column (empty where a kind has no such figure), with the unit beside it. Text cells that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading apostrophe.
 */
import type { Measurement } from '../../../src-preload/contract.js';

type Figure = 'length' | 'angle' | 'area' | 'mean' | 'sd' | 'min' | 'max' | 'value' | 'pixels';

const HEADER = [
  'Patient name',
  'Patient ID',
  'Study date',
  'Study description',
  'Series description',
  'Modality',
  'Instance number',
  'SOP Instance UID',
  'Frame number',
  'Measurement',
  'Length',
  'Length unit',
  'Angle (degrees)',
  'Area',
  'Area unit',
  'Mean',
  'SD',
  'Min',
  'Max',
  'Pixel value',
  'Value unit',
  'Pixels',
  'Points (image pixel x y)',
  'Note',
  'Created',
  'Updated',
  'Id',
];

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** A text cell: defused if a spreadsheet would take it for a formula, then quoted as needed. */
export function textCell(value: string): string {
  return quote(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/** A figure rounded to two decimals (integers as they are); empty when absent. */
export function numberCell(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  return String(Math.round(value * 100) / 100);
}

function row(m: Measurement): string[] {
  const figure = (name: Figure) => m.values.find((v) => v.name === name);
  const unitOf = (...names: Figure[]) => names.map(figure).find((v) => v !== undefined)?.unit ?? '';
  const points = m.points.map((p) => `${numberCell(p.x)} ${numberCell(p.y)}`).join('; ');
  return [
    textCell(m.context.patientName),
    textCell(m.context.patientID),
    textCell(m.context.studyDate),
    textCell(m.context.studyDescription),
    textCell(m.context.seriesDescription),
    textCell(m.context.modality),
    textCell(m.context.instanceNumber),
    textCell(m.sopInstanceUid),
    String(m.frame + 1),
    m.kind,
    numberCell(figure('length')?.value),
    textCell(unitOf('length')),
    numberCell(figure('angle')?.value),
    numberCell(figure('area')?.value),
    textCell(unitOf('area')),
    numberCell(figure('mean')?.value),
    numberCell(figure('sd')?.value),
    numberCell(figure('min')?.value),
    numberCell(figure('max')?.value),
    numberCell(figure('value')?.value),
    textCell(unitOf('mean', 'value', 'min', 'max', 'sd')),
    numberCell(figure('pixels')?.value),
    textCell(points),
    textCell(m.note ?? ''),
    new Date(m.createdAt).toISOString(),
    new Date(m.updatedAt).toISOString(),
    m.id,
  ];
}

/** The CSV text of these measurements, in the order given. */
export function measurementsCsv(measurements: readonly Measurement[]): string {
  const lines = [HEADER.map(quote), ...measurements.map(row)].map((cells) => cells.join(','));
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
