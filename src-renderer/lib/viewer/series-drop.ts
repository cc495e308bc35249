/**
 * A series handed to the viewer: opened from Browse (View, double-click, Enter) or dragged into a viewport from
 * the browse lists or the thumbnail strip. Carries what the overlay shows (the browser's patient, study and series
 * values) so the viewer does not ask again.
 */
import type { PatientItem, SeriesItem, StudyItem } from '../../../src-preload/contract.js';
import { formatPersonName } from '../format.js';
import type { ViewerContext } from './overlay.js';

export interface SeriesDrop {
  connectionId: string;
  seriesId: number;
  title: string;
  imageId?: number | null;
  context: ViewerContext | null;
}

/** The MIME type of a series dragged into a viewport (JSON of SeriesDrop). */
export const SERIES_DRAG_TYPE = 'application/x-slicebox-series';

/** The viewer's title and overlay context of a series from the browser's rows. */
export function seriesDrop(
  connectionId: string,
  patient: PatientItem | null | undefined,
  study: StudyItem | null | undefined,
  series: SeriesItem,
  imageId?: number | null,
): SeriesDrop {
  const name = formatPersonName(patient?.patientName ?? '');
  const description = series.seriesDescription || series.protocolName;
  return {
    connectionId,
    seriesId: series.id,
    title: [name, series.modality, description].filter(Boolean).join(' · '),
    imageId: imageId ?? null,
    context: {
      patientName: patient?.patientName ?? '',
      patientID: patient?.patientID ?? '',
      patientSex: patient?.patientSex ?? '',
      patientAge: study?.patientAge ?? '',
      studyDate: study?.studyDate ?? '',
      studyDescription: study?.studyDescription ?? '',
      seriesDescription: description,
      modality: series.modality,
    },
  };
}

/** Puts a series on a drag (the browse rows' and thumbnails' drag start). */
export function startSeriesDrag(event: DragEvent, drop: SeriesDrop): void {
  if (!event.dataTransfer) return;
  event.dataTransfer.setData(SERIES_DRAG_TYPE, JSON.stringify(drop));
  event.dataTransfer.setData('text/plain', drop.title);
  event.dataTransfer.effectAllowed = 'copy';
}

/** Whether a drag carries a series (dragover cannot read the data yet, only its types). */
export function carriesSeries(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes(SERIES_DRAG_TYPE);
}

/** The series of a drop, or undefined when the drag carried something else or malformed data. */
export function droppedSeries(event: DragEvent): SeriesDrop | undefined {
  const text = event.dataTransfer?.getData(SERIES_DRAG_TYPE);
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<SeriesDrop>;
    if (typeof value.connectionId !== 'string' || typeof value.seriesId !== 'number')
      return undefined;
    return {
      connectionId: value.connectionId,
      seriesId: value.seriesId,
      title: typeof value.title === 'string' ? value.title : '',
      imageId: typeof value.imageId === 'number' ? value.imageId : null,
      context: value.context ?? null,
    };
  } catch {
    return undefined;
  }
}
