/**
 * The metadata upsert writes only what changed: the second image of a series must not rewrite its patient,
 * study, series and series-source rows (each rewrite also rewrote the entries of every index on the updated
 * columns, about a dozen pages per stored image for the commit to write). Changed values are still written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openDatabase } from '../../src-main/localbox/db/open.js';
import type { DicomMetadata } from '../../src-main/localbox/dicom/metadata.js';
import { MetadataWrites } from '../../src-main/localbox/metadata/metadata-writes.js';
import type { Source } from '../../src-main/slicebox/types.js';

let dir: string;
let db: Database;
let writes: MetadataWrites;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upsert-writes-'));
  db = openDatabase(join(dir, 'slicebox.sqlite'));
  writes = new MetadataWrites(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const SOURCE: Source = { sourceType: 'user', sourceName: 'admin', sourceId: 1 };

function slice(n: number, overrides: Partial<DicomMetadata> = {}): DicomMetadata {
  return {
    patientName: 'Doe^Jane',
    patientID: 'P1',
    patientBirthDate: '19700101',
    patientSex: 'F',
    studyInstanceUID: '1.2.3',
    studyDescription: 'CT CHEST',
    studyDate: '20260101',
    studyID: 'S1',
    accessionNumber: 'A1',
    patientAge: '056Y',
    seriesInstanceUID: '1.2.3.4',
    seriesDescription: 'AXIAL',
    seriesDate: '20260101',
    modality: 'CT',
    protocolName: 'CHEST',
    bodyPartExamined: 'CHEST',
    manufacturer: 'ACME',
    stationName: 'CT1',
    frameOfReferenceUID: '1.2.3.9',
    sopInstanceUID: `1.2.3.4.${n}`,
    imageType: 'ORIGINAL\\PRIMARY\\AXIAL',
    instanceNumber: String(n),
    ...overrides,
  };
}

/** Rows inserted, updated or deleted by `upsert`, counted by SQLite (`total_changes()`). */
function rowsWritten(m: DicomMetadata, source: Source = SOURCE): number {
  const before = db.prepare('SELECT total_changes() AS n').get() as { n: number };
  db.transaction(() => writes.upsert(m, source))();
  const after = db.prepare('SELECT total_changes() AS n').get() as { n: number };
  return after.n - before.n;
}

test('a new image of a known series writes its image row only', () => {
  // patient, study, series, series source, image
  expect(rowsWritten(slice(1))).toBe(5);
  expect(rowsWritten(slice(2))).toBe(1);
  expect(rowsWritten(slice(3))).toBe(1);
  // The same image again, unchanged: nothing to write.
  expect(rowsWritten(slice(3))).toBe(0);
  expect(db.prepare('SELECT COUNT(*) AS n FROM images').get()).toEqual({ n: 3 });
});

test('changed values are still written, each to its own row', () => {
  rowsWritten(slice(1));
  expect(rowsWritten(slice(2, { patientSex: 'O' }))).toBe(2);
  expect(db.prepare('SELECT patient_sex FROM patients').get()).toEqual({ patient_sex: 'O' });

  expect(
    rowsWritten(
      slice(3, { patientSex: 'O', studyDescription: 'CT THORAX', seriesDescription: 'AX 1MM' }),
    ),
  ).toBe(3);
  expect(db.prepare('SELECT study_description FROM studies').get()).toEqual({
    study_description: 'CT THORAX',
  });
  expect(db.prepare('SELECT series_description FROM series').get()).toEqual({
    series_description: 'AX 1MM',
  });

  // An overwritten image with a new instance number: its row is updated.
  expect(
    rowsWritten(
      slice(3, {
        patientSex: 'O',
        studyDescription: 'CT THORAX',
        seriesDescription: 'AX 1MM',
        instanceNumber: '30',
      }),
    ),
  ).toBe(1);
  expect(
    db.prepare("SELECT instance_number FROM images WHERE sop_instance_uid = '1.2.3.4.3'").get(),
  ).toEqual({
    instance_number: '30',
  });

  // Another sender of the series: the series source is updated (last writer wins).
  const box: Source = { sourceType: 'box', sourceName: 'remote', sourceId: 7 };
  expect(
    rowsWritten(
      slice(4, { patientSex: 'O', studyDescription: 'CT THORAX', seriesDescription: 'AX 1MM' }),
      box,
    ),
  ).toBe(2);
  expect(
    db.prepare('SELECT source_type, source_name, source_id FROM series_sources').get(),
  ).toEqual({
    source_type: 'box',
    source_name: 'remote',
    source_id: 7,
  });
});

test('a value that becomes empty, or comes back, is written', () => {
  rowsWritten(slice(1));
  expect(rowsWritten(slice(2, { manufacturer: '' }))).toBe(2);
  expect(db.prepare('SELECT manufacturer FROM series').get()).toEqual({ manufacturer: '' });
  expect(rowsWritten(slice(3))).toBe(2);
  expect(db.prepare('SELECT manufacturer FROM series').get()).toEqual({ manufacturer: 'ACME' });
});
