/**
 * `PUT /images/{id}/modify` (BEHAVIOR.md §10.8): rewrite the stored file with the tag mappings and store the
 * result as a new image through the shared atomic ingest (temp file + fsync, one transaction, rename). Inside
 * that one transaction the old image's rows are deleted (with the empty-parent cleanup) before the upsert — so
 * the result always gets a new id — and the old series' source and series tags are carried over to the new
 * series. The old file is removed only after the commit; any failure leaves the old image untouched.
 *
 * The rewrite itself runs in a worker (codec/jobs.ts `modify.rewrite`), which writes the result to a new temp file.
 */
import type { Image, Source } from '../../slicebox/types.js';
import type { Engine } from '../engine.js';
import { newTempPath } from '../storage/temp-path.js';
import { NotFound } from '../system/errors.js';
import type { ResolvedMapping } from './tag-mapping.js';

const NOT_FOUND = 'The requested resource could not be found.';

interface CarriedOver {
  source: Source | undefined;
  seriesTagIds: number[];
}

function seriesIdOf(engine: Engine, imageId: number): number | undefined {
  return engine.metadata.image(imageId)?.seriesId;
}

function readCarriedOver(engine: Engine, seriesId: number): CarriedOver {
  const tags = engine.db
    .prepare(
      'SELECT series_tag_id FROM series_series_tags WHERE series_id = ? ORDER BY series_tag_id',
    )
    .all(seriesId) as Array<{ series_tag_id: number }>;
  return {
    source: engine.metadata.seriesSource(seriesId),
    seriesTagIds: tags.map((t) => t.series_tag_id),
  };
}

function applyCarriedOver(engine: Engine, seriesId: number, carried: CarriedOver): void {
  if (carried.source) {
    engine.db
      .prepare(
        `INSERT INTO series_sources (series_id, source_type, source_name, source_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (series_id) DO UPDATE SET source_type = excluded.source_type,
         source_name = excluded.source_name, source_id = excluded.source_id`,
      )
      .run(seriesId, carried.source.sourceType, carried.source.sourceName, carried.source.sourceId);
  }
  const link = engine.db.prepare(
    'INSERT OR IGNORE INTO series_series_tags (series_id, series_tag_id) VALUES (?, ?)',
  );
  for (const tagId of carried.seriesTagIds) link.run(seriesId, tagId);
}

/**
 * Modifies image `imageId`; returns the new image. NotFound for an unknown image, FileNotFound for a row
 * without file, InvalidArgument / DicomError for bad mappings or data (nothing is changed then).
 */
export async function modifyImage(
  engine: Engine,
  imageId: number,
  mappings: readonly ResolvedMapping[],
  caller: Source,
): Promise<Image> {
  const seriesId = seriesIdOf(engine, imageId);
  if (seriesId === undefined) throw new NotFound(NOT_FOUND);
  const tempPath = newTempPath(engine.files);
  try {
    await engine.codec.run(
      'modify.rewrite',
      { path: engine.files.pathOf(imageId), outPath: tempPath, mappings },
      { label: `image ${imageId}` },
    );
  } catch (e) {
    await engine.files.discardTemp(tempPath);
    throw e;
  }

  let carried: CarriedOver = readCarriedOver(engine, seriesId);
  const result = await engine.ingest.ingest(tempPath, {
    source: carried.source ?? caller,
    sopClasses: 'image-data-and-extended',
    beforeUpsert: () => {
      // Re-read inside the transaction: the image may have been deleted or moved meanwhile.
      const current = seriesIdOf(engine, imageId);
      if (current === undefined) throw new NotFound(NOT_FOUND);
      carried = readCarriedOver(engine, current);
      engine.metadataWrites.deleteImages([imageId]);
    },
    withinTransaction: (r) => applyCarriedOver(engine, r.image.seriesId, carried),
  });
  engine.imageDeletion.afterCommit([imageId]);
  return result.image;
}
