/**
 * Resolves a user's selection (patients, studies, series or images, as the browser shows them) to the
 * images it covers, the way Slicebox's own UI "collects the images" before Download, Delete, Anonymize,
 * Modify or Summary (WEB-UI §1.2). Used by the export and the bulk-action services.
 */
import type { ExportSelection } from '../../../src-preload/contract.js';
import { SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';
import type { Image } from '../../slicebox/types.js';

/** A selection of browser rows: what `exports.start` and the `actions.*` calls take. */
export type Selection = ExportSelection;

const PAGE = 1000;

/** Pages through a count+1-less Slicebox list until a short page. */
export async function all<T>(
  fetchPage: (startindex: number, count: number) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; ; start += PAGE) {
    const rows = await fetchPage(start, PAGE);
    out.push(...rows);
    if (rows.length < PAGE) return out;
  }
}

function isMissingRoute(error: unknown): boolean {
  return error instanceof SliceboxHttpError && (error.status === 404 || error.status === 405);
}

async function seriesImages(client: SliceboxClient, seriesId: number): Promise<Image[]> {
  return all((startindex, count) => client.images(seriesId, { startindex, count }));
}

async function studyImages(client: SliceboxClient, studyId: number): Promise<Image[]> {
  try {
    return await client.studyImages(studyId);
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
  }
  // A server without `/metadata/studies/{id}/images`: walk the hierarchy instead.
  const series = await all((startindex, count) => client.series(studyId, { startindex, count }));
  const out: Image[] = [];
  for (const s of series) out.push(...(await seriesImages(client, s.id)));
  return out;
}

async function patientImages(client: SliceboxClient, patientId: number): Promise<Image[]> {
  try {
    return await client.patientImages(patientId);
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
  }
  const studies = await all((startindex, count) =>
    client.studies(patientId, { startindex, count }),
  );
  const out: Image[] = [];
  for (const s of studies) out.push(...(await studyImages(client, s.id)));
  return out;
}

/**
 * The images of a selection, in selection order, each once. Image selections are looked up one by one
 * (`GET /metadata/images/{id}`); ids that no longer exist are left out.
 */
export async function resolveImages(
  client: SliceboxClient,
  selection: Selection,
): Promise<Image[]> {
  const byId = new Map<number, Image>();
  const add = (images: Image[]) => {
    for (const image of images) if (!byId.has(image.id)) byId.set(image.id, image);
  };
  for (const id of selection.ids) {
    switch (selection.kind) {
      case 'images':
        try {
          add([await client.image(id)]);
        } catch (error) {
          if (!(error instanceof SliceboxHttpError && error.status === 404)) throw error;
        }
        break;
      case 'series':
        add(await seriesImages(client, id));
        break;
      case 'studies':
        add(await studyImages(client, id));
        break;
      case 'patients':
        add(await patientImages(client, id));
        break;
    }
  }
  return [...byId.values()];
}

/** The image ids of a selection, in selection order, each once (image ids are taken as given). */
export async function resolveImageIds(
  client: SliceboxClient,
  selection: Selection,
): Promise<number[]> {
  if (selection.kind === 'images') return [...new Set(selection.ids)];
  return (await resolveImages(client, selection)).map((image) => image.id);
}

/** The series ids of a selection, each once. */
export async function resolveSeriesIds(
  client: SliceboxClient,
  selection: Selection,
): Promise<number[]> {
  if (selection.kind === 'series') return [...new Set(selection.ids)];
  const images = await resolveImages(client, selection);
  return [...new Set(images.map((image) => image.seriesId))];
}
