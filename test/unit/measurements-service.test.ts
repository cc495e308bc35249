/**
 * The viewer's measurements in the cache database (migration 004) and their CSV export: they survive the
 * database being closed and opened again (a restart), are listed per image, replaced in place when edited, refused
 * when an id is reused for another image, checked at the bridge's edge, and exported atomically through the app's
 * save path (the native dialog in Electron, the data folder in browser mode).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MeasurementDraft } from '../../src-preload/contract.js';
import { CHANNELS } from '../../src-preload/contract.js';
import { openCacheDb } from '../../src-main/services/cache/cache-db.js';
import { createHandlerTable, dispatch } from '../../src-main/services/handlers.js';
import type { Implementation } from '../../src-main/services/handlers.js';
import { measurementsCsv, textCell } from '../../src-main/services/measurements/measurement-csv.js';
import { MeasurementService } from '../../src-main/services/measurements/measurement-service.js';

const UID_A = '1.2.826.0.1.3680043.8.498.1';
const UID_B = '1.2.826.0.1.3680043.8.498.2';

function draft(overrides: Partial<MeasurementDraft> = {}): MeasurementDraft {
  return {
    id: randomUUID(),
    connectionId: 'local',
    sopInstanceUid: UID_A,
    frame: 0,
    kind: 'length',
    points: [
      { x: 10, y: 20 },
      { x: 110, y: 20 },
    ],
    values: [{ name: 'length', value: 80.004, unit: 'mm' }],
    context: {
      patientName: 'Phantom^Disc',
      patientID: 'PH-1',
      studyDate: '20260101',
      studyDescription: 'Geometry',
      seriesDescription: 'Axial',
      modality: 'CT',
      instanceNumber: '3',
      imageId: 12,
    },
    ...overrides,
  };
}

async function dataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sbx-measure-'));
}

describe('measurements in the cache database', () => {
  it('keeps measurements across a reopen of the database, per connection, image and frame', async () => {
    const dir = await dataDir();
    let clock = 1000;
    let db = openCacheDb(join(dir, 'cache.sqlite'));
    let service = new MeasurementService(db, {
      exportsDir: join(dir, 'exports'),
      now: () => clock,
    });
    const first = service.save(draft());
    clock = 2000;
    const second = service.save(
      draft({
        kind: 'ellipse',
        frame: 2,
        values: [
          { name: 'area', value: 1256.6, unit: 'mm²' },
          { name: 'mean', value: 200, unit: 'HU' },
        ],
      }),
    );
    service.save(draft({ sopInstanceUid: UID_B }));
    service.save(draft({ connectionId: 'remote-1' }));
    db.close();

    db = openCacheDb(join(dir, 'cache.sqlite'));
    service = new MeasurementService(db, { exportsDir: join(dir, 'exports'), now: () => clock });
    const listed = service.list('local', [UID_A]);
    expect(listed.map((m) => m.id)).toEqual([first.id, second.id]);
    expect(listed[0]).toEqual({ ...draft({ id: first.id }), createdAt: 1000, updatedAt: 1000 });
    expect(listed[1]?.frame).toBe(2);
    expect(listed[1]?.values).toEqual([
      { name: 'area', value: 1256.6, unit: 'mm²' },
      { name: 'mean', value: 200, unit: 'HU' },
    ]);
    expect(service.list('local', [UID_A, UID_B])).toHaveLength(3);
    expect(service.list('remote-1', [UID_A, UID_B])).toHaveLength(1);
    db.close();
  });

  it('replaces an edited measurement in place, keeping when it was made', async () => {
    const dir = await dataDir();
    let clock = 5;
    const db = openCacheDb(join(dir, 'cache.sqlite'));
    const service = new MeasurementService(db, { exportsDir: dir, now: () => clock });
    const made = service.save(draft());
    clock = 9;
    const edited = service.save({
      ...draft({ id: made.id }),
      points: [
        { x: 0, y: 0 },
        { x: 3, y: 4 },
      ],
      values: [{ name: 'length', value: 5, unit: 'px' }],
      note: 'no pixel spacing',
    });
    expect(edited).toMatchObject({ createdAt: 5, updatedAt: 9, note: 'no pixel spacing' });
    expect(service.list('local', [UID_A])).toEqual([edited]);
    db.close();
  });

  it('refuses an id that belongs to a measurement of another image, and changes nothing', async () => {
    const dir = await dataDir();
    const db = openCacheDb(join(dir, 'cache.sqlite'));
    const service = new MeasurementService(db, { exportsDir: dir });
    const made = service.save(draft());
    expect(() => service.save(draft({ id: made.id, sopInstanceUid: UID_B }))).toThrow(
      /belongs to another image/,
    );
    expect(() => service.save(draft({ id: made.id, connectionId: 'other' }))).toThrow();
    expect(service.list('local', [UID_A])).toEqual([made]);
    expect(service.list('local', [UID_B])).toEqual([]);
    db.close();
  });

  it('removes one measurement of its connection only', async () => {
    const dir = await dataDir();
    const db = openCacheDb(join(dir, 'cache.sqlite'));
    const service = new MeasurementService(db, { exportsDir: dir });
    const a = service.save(draft());
    const b = service.save(draft());
    service.remove('other-connection', a.id);
    expect(service.list('local', [UID_A])).toHaveLength(2);
    service.remove('local', a.id);
    expect(service.list('local', [UID_A]).map((m) => m.id)).toEqual([b.id]);
    service.remove('local', a.id); // already gone: nothing to do
    db.close();
  });

  it('lists a series of thousands of images (read in chunks)', async () => {
    const dir = await dataDir();
    const db = openCacheDb(join(dir, 'cache.sqlite'));
    const service = new MeasurementService(db, { exportsDir: dir });
    const uids = Array.from({ length: 1500 }, (_, i) => `1.2.3.${i + 1}`);
    for (const i of [0, 499, 500, 1499]) service.save(draft({ sopInstanceUid: uids[i]! }));
    expect(
      service
        .list('local', uids)
        .map((m) => m.sopInstanceUid)
        .sort(),
    ).toEqual(['1.2.3.1', '1.2.3.1500', '1.2.3.500', '1.2.3.501']);
    db.close();
  });
});

describe('measurements CSV', () => {
  it('writes one row per measurement with each figure in its column, quoted and defused', () => {
    const csv = measurementsCsv([
      {
        ...draft({ id: 'id-1', frame: 1 }),
        context: { ...draft().context, patientName: '=HYPERLINK("x"),evil', patientID: '김희중' },
        createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
        updatedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      },
      {
        ...draft({
          id: 'id-2',
          kind: 'rectangle',
          values: [
            { name: 'area', value: 400, unit: 'mm²' },
            { name: 'mean', value: 199.996, unit: 'HU' },
            { name: 'sd', value: 0, unit: 'HU' },
            { name: 'min', value: -3, unit: 'HU' },
            { name: 'max', value: 210, unit: 'HU' },
            { name: 'pixels', value: 1000, unit: '' },
          ],
        }),
        createdAt: 0,
        updatedAt: 0,
      },
    ]);
    expect(csv.startsWith('\uFEFFPatient name,Patient ID,')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(4); // header, two rows, and the final line end
    expect(lines[3]).toBe('');
    // Quoted cells hold commas: split the rows with a real CSV reader.
    const cells = (line: string): string[] => {
      const out: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted && c === '"' && line[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (c === '"') quoted = !quoted;
        else if (c === ',' && !quoted) {
          out.push(cell);
          cell = '';
        } else cell += c;
      }
      out.push(cell);
      return out;
    };
    const header = cells(lines[0]!);
    expect(header[0]).toBe('Patient name');
    const one = Object.fromEntries(cells(lines[1]!).map((v, i) => [header[i], v]));
    expect(one).toMatchObject({
      'Patient name': `'=HYPERLINK("x"),evil`,
      'Patient ID': '김희중',
      'Frame number': '2',
      Measurement: 'length',
      Length: '80',
      'Length unit': 'mm',
      Area: '',
      Mean: '',
      'Points (image pixel x y)': '10 20; 110 20',
      Created: '2026-01-02T03:04:05.000Z',
      Id: 'id-1',
    });
    const two = Object.fromEntries(cells(lines[2]!).map((v, i) => [header[i], v]));
    expect(two).toMatchObject({
      Measurement: 'rectangle',
      Length: '',
      Area: '400',
      'Area unit': 'mm²',
      Mean: '200',
      SD: '0',
      Min: '-3',
      Max: '210',
      'Value unit': 'HU',
      Pixels: '1000',
    });
    expect(textCell('-12')).toBe("'-12");
    expect(textCell('plain')).toBe('plain');
  });

  it('browser mode: saves into the exports folder under a free name and hands the text back', async () => {
    const dir = await dataDir();
    const db = openCacheDb(join(dir, 'cache.sqlite'));
    const exportsDir = join(dir, 'exports');
    const service = new MeasurementService(db, {
      exportsDir,
      now: () => new Date(2026, 4, 6, 7, 8, 9).getTime(),
    });
    service.save(
      draft({ sopInstanceUid: UID_B, values: [{ name: 'length', value: 2, unit: 'mm' }] }),
    );
    service.save(draft({ values: [{ name: 'length', value: 1, unit: 'mm' }] }));
    const first = await service.exportCsv('local', [UID_A, UID_B]);
    expect(first).toMatchObject({ fileName: 'measurements-20260506-070809.csv', count: 2 });
    expect(first.path).toBe(join(exportsDir, first.fileName));
    const onDisk = await readFile(first.path!, 'utf8');
    expect(onDisk).toBe(first.csv);
    // In the order of the images asked for: A's row before B's although B's was made first.
    const rows = onDisk.split('\r\n').slice(1, 3);
    expect(rows[0]).toContain(UID_A);
    expect(rows[1]).toContain(UID_B);
    const second = await service.exportCsv('local', [UID_A], 'CT lengths');
    expect(second.fileName).toBe('CT lengths.csv');
    const third = await service.exportCsv('local', [UID_A], 'CT lengths');
    expect(third.fileName).toBe('CT lengths (2).csv');
    // Nothing but the finished files: no temporary file is left behind.
    expect((await readdir(exportsDir)).sort()).toEqual([
      'CT lengths (2).csv',
      'CT lengths.csv',
      'measurements-20260506-070809.csv',
    ]);
    await expect(service.exportCsv('local', [UID_B + '9'])).rejects.toThrow(/no measurements/);
    db.close();
  });

  it('Electron: asks where with the save dialog (CSV filter); a cancel writes nothing', async () => {
    const dir = await dataDir();
    const db = openCacheDb(join(dir, 'cache.sqlite'));
    const asked: unknown[] = [];
    let answer: string | undefined = join(dir, 'picked.csv');
    const service = new MeasurementService(db, {
      exportsDir: join(dir, 'exports'),
      dialogs: {
        saveFile: async (name, filter) => {
          asked.push([name, filter]);
          return answer;
        },
        revealFile: () => undefined,
      },
    });
    service.save(draft());
    const saved = await service.exportCsv('local', [UID_A], 'lengths');
    expect(asked).toEqual([['lengths.csv', { name: expect.any(String), extensions: ['csv'] }]]);
    expect(saved).toEqual({ fileName: 'picked.csv', count: 1, path: join(dir, 'picked.csv') });
    expect(await readFile(join(dir, 'picked.csv'), 'utf8')).toContain(UID_A);
    answer = undefined;
    expect(await service.exportCsv('local', [UID_A])).toMatchObject({ canceled: true, count: 1 });
    expect(await readdir(dir)).not.toContain('exports');
    db.close();
  });
});

describe('measurement calls at the bridge', () => {
  function table() {
    const calls: string[] = [];
    const impl = Object.fromEntries(
      CHANNELS.map((c) => [c, async () => void calls.push(c)]),
    ) as unknown as Implementation;
    return { table: createHandlerTable(impl), calls };
  }

  it('accepts a well-formed measurement and refuses malformed ones before the service', async () => {
    const { table: t, calls } = table();
    expect((await dispatch(t, 'measurements.save', draft())).ok).toBe(true);
    const bad: unknown[] = [
      draft({ points: [{ x: 1, y: 2 }] }), // a length needs two points
      draft({ kind: 'angle' }), // an angle needs three
      draft({ id: 'not-a-uuid' }),
      draft({ sopInstanceUid: '1.2.x' }),
      draft({
        points: [
          { x: Number.NaN, y: 0 },
          { x: 1, y: 1 },
        ],
      }),
      { ...draft(), extra: true },
    ];
    for (const args of bad) {
      const outcome = await dispatch(t, 'measurements.save', args);
      expect(outcome.ok, JSON.stringify(args)).toBe(false);
      if (!outcome.ok) expect(outcome.error.code).toBe('invalid-arguments');
    }
    expect(
      (await dispatch(t, 'measurements.exportCsv', { connectionId: 'local', sopInstanceUids: [] }))
        .ok,
    ).toBe(false);
    expect(
      (
        await dispatch(t, 'measurements.exportCsv', {
          connectionId: 'local',
          sopInstanceUids: [UID_A],
          fileName: '../etc/passwd',
        })
      ).ok,
    ).toBe(false);
    expect(calls).toEqual(['measurements.save']);
  });
});
