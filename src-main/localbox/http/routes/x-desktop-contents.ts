/**
 * Desktop extension route (not Slicebox; DECISIONS.md "Desktop extensions"): what studies and series hold,
 * for the browser's rows, in one request and a few indexed queries.
 *
 * - `POST /api/x-desktop/metadata/contents` body `{studyIds, seriesIds}` (each ≤ 1000 ids) → 200
 *   `{studies: [{id, seriesCount, imageCount, modalities}], series: [{id, imageCount, middleImageId}]}`:
 *   a study's number of series and images and its series' distinct modalities (sorted, empty ones left
 *   out); a series' number of images and its middle image in slice order (instance-order.ts, the order the
 *   app's browser and viewer use). Unknown ids are left out. No side effects.
 *
 * Slicebox has no counts on its metadata rows; without this route a client pages through
 * `/metadata/series?studyid=` and `/metadata/images?seriesid=` to count.
 */
import { z } from 'zod';
import { middleImage } from '../../../slicebox/instance-order.js';
import type { XSeriesContents, XStudyContents } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { jsonBody } from '../bodies.js';
import { sendJson } from '../replies.js';
import type { Routes } from '../routing.js';

const MAX_IDS = 1000;

const ContentsSchema = z.object({
  studyIds: z.array(z.number().int()).max(MAX_IDS).default([]),
  seriesIds: z.array(z.number().int()).max(MAX_IDS).default([]),
});

interface SeriesOfStudyRow {
  study_id: number;
  modality: string;
  images: number;
}

interface ImageOfSeriesRow {
  series_id: number;
  id: number;
  instance_number: string;
}

export function registerDesktopContentsRoutes(routes: Routes, engine: Engine): void {
  const studiesFound = engine.db
    .prepare('SELECT id FROM studies WHERE id IN (SELECT value FROM json_each(?))')
    .pluck();
  const seriesOfStudies = engine.db.prepare(
    `SELECT se.study_id, se.modality,
            (SELECT COUNT(*) FROM images i WHERE i.series_id = se.id) AS images
       FROM series se WHERE se.study_id IN (SELECT value FROM json_each(?))`,
  );
  const seriesFound = engine.db
    .prepare('SELECT id FROM series WHERE id IN (SELECT value FROM json_each(?))')
    .pluck();
  const imagesOfSeries = engine.db.prepare(
    `SELECT series_id, id, instance_number FROM images
      WHERE series_id IN (SELECT value FROM json_each(?))`,
  );

  const studyContents = (ids: number[]): XStudyContents[] => {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const json = JSON.stringify(unique);
    const found = new Set(studiesFound.all(json) as number[]);
    const byStudy = new Map<number, { series: number; images: number; modalities: Set<string> }>();
    for (const row of seriesOfStudies.all(json) as SeriesOfStudyRow[]) {
      let entry = byStudy.get(row.study_id);
      if (!entry)
        byStudy.set(row.study_id, (entry = { series: 0, images: 0, modalities: new Set() }));
      entry.series += 1;
      entry.images += row.images;
      const modality = row.modality.trim();
      if (modality) entry.modalities.add(modality);
    }
    return unique
      .filter((id) => found.has(id))
      .map((id) => {
        const entry = byStudy.get(id);
        return {
          id,
          seriesCount: entry?.series ?? 0,
          imageCount: entry?.images ?? 0,
          modalities: [...(entry?.modalities ?? [])].sort(),
        };
      });
  };

  const seriesContents = (ids: number[]): XSeriesContents[] => {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const json = JSON.stringify(unique);
    const found = new Set(seriesFound.all(json) as number[]);
    const bySeries = new Map<number, { id: number; instanceNumber: string }[]>();
    for (const row of imagesOfSeries.all(json) as ImageOfSeriesRow[]) {
      let list = bySeries.get(row.series_id);
      if (!list) bySeries.set(row.series_id, (list = []));
      list.push({ id: row.id, instanceNumber: row.instance_number });
    }
    return unique
      .filter((id) => found.has(id))
      .map((id) => {
        const images = bySeries.get(id) ?? [];
        return { id, imageCount: images.length, middleImageId: middleImage(images)?.id ?? null };
      });
  };

  routes.add('POST', '/api/x-desktop/metadata/contents', 'user', async (request, reply) => {
    const { studyIds, seriesIds } = jsonBody(request, ContentsSchema);
    // One read transaction: the study and series answers describe the same moment.
    const answer = engine.db.transaction(() => ({
      studies: studyContents(studyIds),
      series: seriesContents(seriesIds),
    }))();
    return sendJson(reply, 200, answer);
  });
}
