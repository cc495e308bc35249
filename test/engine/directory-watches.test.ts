/**
 * Directory watches (BEHAVIOR.md §15) over real HTTP: the routes with Slicebox's messages, and watching itself —
 * initial import, new and modified files, nested and later subfolders, files written slowly, rejected files
 * (one log row, left in place), delete-on-import, restarts, and `/sources` (§7.4).
 *
 * The boxes poll every 100 ms and wait 600 ms for a file's size to settle. Every wait is bounded by a deadline;
 * "nothing more happens" is checked after a quiet period of many poll cycles, never by measuring time.
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { FlatSeries, Image, Source, WatchedDirectory } from '../../src-main/slicebox/types.js';
import { createConnection } from './box-support.js';
import { freePort } from './dimse-support.js';
import { basic, PYDICOM, sha256, startTestBox, TESTDATA } from './support.js';
import type { TestBox } from './support.js';

const WATCHES = { pollMs: 100, stableMs: 600 };
/** Upper bound for anything the watcher should do. */
const DEADLINE_MS = 20_000;
/** Long enough for many polls and write-finish waits: after it, nothing more is expected to happen. */
const QUIET_MS = 2_000;

const TEST_DCM = join(TESTDATA, 'test.dcm');
const SC_DCM = join(TESTDATA, 'sc.dcm');
const CAT_JPG = join(TESTDATA, 'cat.jpg');
const CT_SMALL = join(PYDICOM, 'CT_small.dcm');
const MR_SMALL = join(PYDICOM, 'MR_small.dcm');

interface LogEntry {
  id: number;
  entryType: string;
  subject: string;
  message: string;
}

const tempDirs: string[] = [];

/** A fresh folder outside every box's data directory. */
function newBase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'watched-'));
  tempDirs.push(dir);
  return dir;
}

/** `<base>/<name>`, created. */
function newDir(name = 'watched'): string {
  const dir = join(newBase(), name);
  mkdirSync(dir);
  return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  probe: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function postJson(t: TestBox, path: string, body: unknown, auth?: string): Promise<Response> {
  return t.api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(auth !== undefined ? { auth } : {}),
  });
}

function createWatch(t: TestBox, name: string, path: string, auth?: string): Promise<Response> {
  return postJson(t, '/api/directorywatches', { id: -1, name, path }, auth);
}

async function addWatch(t: TestBox, name: string, path: string): Promise<WatchedDirectory> {
  const res = await createWatch(t, name, path);
  if (res.status !== 201) throw new Error(`create watch → ${res.status} ${await res.text()}`);
  return (await res.json()) as WatchedDirectory;
}

async function patientCount(t: TestBox): Promise<number> {
  return (await t.json<unknown[]>('/api/metadata/patients?count=1000')).length;
}

/** Every stored image with its series. */
async function allImages(t: TestBox): Promise<Array<{ series: FlatSeries; image: Image }>> {
  const out: Array<{ series: FlatSeries; image: Image }> = [];
  for (const series of await t.json<FlatSeries[]>('/api/metadata/flatseries?count=1000')) {
    for (const image of await t.json<Image[]>(
      `/api/metadata/images?seriesid=${series.id}&count=1000`,
    ))
      out.push({ series, image });
  }
  return out;
}

async function imageCount(t: TestBox): Promise<number> {
  return (await allImages(t)).length;
}

function directoryLog(t: TestBox): Promise<LogEntry[]> {
  return t.json<LogEntry[]>('/api/log?subject=Directory&count=1000');
}

/** Waits until an image with this SOP Instance UID is stored; returns its id. */
async function waitForImage(t: TestBox, sopInstanceUid: string): Promise<number> {
  let id = -1;
  await waitFor(async () => {
    const hit = (await allImages(t)).find((i) => i.image.sopInstanceUID.value === sopInstanceUid);
    if (hit) id = hit.image.id;
    return hit !== undefined;
  }, `image ${sopInstanceUid}`);
  return id;
}

/** SOP Instance UIDs of the test files (read once from an upload-free source: the file meta). */
function sopInstanceUidOf(file: string): string {
  // (0002,0003) Media Storage SOP Instance UID, explicit VR little endian in every file meta.
  const bytes = readFileSync(file);
  const tag = Buffer.from([0x02, 0x00, 0x03, 0x00]);
  const at = bytes.indexOf(tag, 132);
  if (at < 0) throw new Error(`no file meta SOP instance UID in ${file}`);
  const length = bytes.readUInt16LE(at + 6);
  return bytes
    .subarray(at + 8, at + 8 + length)
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('directory watch routes (§15)', () => {
  let t: TestBox;
  let userAuth: string;
  let dir: string;
  let watch: WatchedDirectory;

  beforeAll(async () => {
    t = await startTestBox({ watches: WATCHES });
    const res = await postJson(t, '/api/users', { user: 'viewer', role: 'USER', password: 'pw' });
    expect(res.status).toBe(201);
    userAuth = basic('viewer', 'pw');
    dir = newDir();
  });
  afterAll(async () => {
    await t.stop();
  });

  test('create → 201 with a new id; any user lists it', async () => {
    const res = await createWatch(t, 'my watch', dir);
    expect(res.status).toBe(201);
    watch = (await res.json()) as WatchedDirectory;
    expect(watch).toEqual({ id: watch.id, name: 'my watch', path: dir });
    expect(watch.id).toBeGreaterThan(0);
    expect(await t.json<WatchedDirectory[]>('/api/directorywatches', { auth: userAuth })).toEqual([
      watch,
    ]);
  });

  test('same directory twice (same name) → 201, the existing watch; the list still has 1', async () => {
    const res = await createWatch(t, 'my watch', dir);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual(watch);
    expect(await t.json<WatchedDirectory[]>('/api/directorywatches')).toHaveLength(1);
  });

  test('a regular file path, or a path that does not exist → 400', async () => {
    const file = join(newBase(), 'plain.txt');
    writeFileSync(file, 'not a directory');
    for (const path of [file, join(newBase(), 'missing')]) {
      const res = await createWatch(t, 'not a dir', path);
      expect(res.status).toBe(400);
      expect(await res.text()).toBe(`Could not create directory watch: Not a directory: ${path}`);
    }
  });

  test('same directory, other name → 400', async () => {
    const res = await createWatch(t, 'other name', dir);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(`Directory watch my watch already watches directory ${dir}`);
  });

  test('a directory inside, or containing, a watched one → 400; a sibling with a common prefix is fine', async () => {
    const inside = join(dir, 'sub');
    mkdirSync(inside);
    const containing = join(dir, '..');
    const spelledDifferently = `${dir}/`;
    for (const path of [inside, containing, spelledDifferently]) {
      const res = await createWatch(t, 'intersecting', path);
      expect(res.status).toBe(400);
      expect(await res.text()).toBe(`Directory intersects existing directory ${dir}`);
    }
    const sibling = `${dir}2`;
    mkdirSync(sibling);
    const ok = await addWatch(t, 'sibling', sibling);
    expect((await t.api(`/api/directorywatches/${ok.id}`, { method: 'DELETE' })).status).toBe(204);
    rmSync(inside, { recursive: true });
  });

  test("the box's own data directory (or anything overlapping it) → 400", async () => {
    for (const path of [t.dataDir, join(t.dataDir, 'dicom'), join(t.dataDir, '..')]) {
      const res = await createWatch(t, 'storage', path);
      expect(res.status).toBe(400);
      expect(await res.text()).toBe('The storage directory may not be watched.');
    }
  });

  test('copying test.dcm in → one patient; the series source is the watch', async () => {
    copyFileSync(TEST_DCM, join(dir, 'test.dcm'));
    await waitFor(async () => (await patientCount(t)) === 1, 'one patient');
    const [first] = await allImages(t);
    const series = first!.series;
    expect(await t.json<Source>(`/api/metadata/series/${series.id}/source`)).toEqual({
      sourceType: 'directory',
      sourceName: 'my watch',
      sourceId: watch.id,
    });
    expect(existsSync(join(dir, 'test.dcm'))).toBe(true); // delete-on-import is off by default
  });

  test('copying sc.dcm (secondary capture) in → still one patient; rejected and logged once', async () => {
    copyFileSync(SC_DCM, join(dir, 'sc.dcm'));
    await waitFor(async () => (await directoryLog(t)).length === 1, 'the rejection log row');
    const [row] = (await directoryLog(t)) as [LogEntry];
    expect(row.entryType).toBe('ERROR');
    expect(row.message).toContain('file sc.dcm rejected: The presentation context');
    expect(await patientCount(t)).toBe(1);
    expect(existsSync(join(dir, 'sc.dcm'))).toBe(true);
  });

  test('roles: USER → 403 on create and delete; no credentials → 401; unknown id → 204', async () => {
    expect((await createWatch(t, 'by user', newDir(), userAuth)).status).toBe(403);
    expect(
      (await t.api(`/api/directorywatches/${watch.id}`, { method: 'DELETE', auth: userAuth }))
        .status,
    ).toBe(403);
    expect((await t.api('/api/directorywatches', { auth: null })).status).toBe(401);
    expect((await t.api('/api/directorywatches/999', { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/directorywatches/abc', { method: 'DELETE' })).status).toBe(404);
    const { status } = await t.api('/api/directorywatches', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'no id', path: dir }),
    });
    expect(status).toBe(400);
  });

  test('paging with startindex/count', async () => {
    const second = await addWatch(t, 'second', newDir());
    expect(await t.json<WatchedDirectory[]>('/api/directorywatches?startindex=1&count=1')).toEqual([
      second,
    ]);
    expect((await t.api('/api/directorywatches?count=-1')).status).toBe(400);
    await t.api(`/api/directorywatches/${second.id}`, { method: 'DELETE' });
  });

  test('delete → 204: gone from the list, its filter associations removed, nothing more imported', async () => {
    const filter = (await (
      await postJson(t, '/api/filtering/filters', { id: -1, name: 'f', tagFilterType: 'BLACKLIST' })
    ).json()) as { id: number };
    const assoc = await postJson(t, '/api/filtering/associations', {
      id: -1,
      sourceType: 'directory',
      sourceName: watch.name,
      sourceId: watch.id,
      tagFilterId: filter.id,
      tagFilterName: 'f',
    });
    expect(assoc.status).toBe(201);
    expect((await t.api(`/api/directorywatches/${watch.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect(await t.json<WatchedDirectory[]>('/api/directorywatches')).toEqual([]);
    expect(await t.json<unknown[]>('/api/filtering/associations')).toEqual([]);
    copyFileSync(CT_SMALL, join(dir, 'ct.dcm'));
    await sleep(QUIET_MS);
    expect(await patientCount(t)).toBe(1);
  });
});

describe('watching (§15)', () => {
  let current: TestBox | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  const open = async (watches: typeof WATCHES & { deleteOnImport?: boolean }) =>
    (current = await startTestBox({ watches }));

  test('files in nested subfolders are imported at creation; new subfolders created later too', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    copyFileSync(TEST_DCM, join(dir, 'a', 'b', 'test.dcm'));
    await addWatch(t, 'nested', dir);
    await waitForImage(t, sopInstanceUidOf(TEST_DCM));
    mkdirSync(join(dir, 'later', 'deeper'), { recursive: true });
    copyFileSync(CT_SMALL, join(dir, 'later', 'deeper', 'ct.dcm'));
    await waitForImage(t, sopInstanceUidOf(CT_SMALL));
    expect(await imageCount(t)).toBe(2);
    expect(await directoryLog(t)).toEqual([]);
  });

  test('a folder tree copied in while watching: every file is imported (none missed)', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    await addWatch(t, 'tree', dir);
    const files = readdirSync(PYDICOM).filter((f) => f.startsWith('dicomdir_'));
    expect(files).toHaveLength(8);
    // Several rounds: folders created and filled at once, racing the poller's first look at each folder.
    for (const [i, file] of files.entries()) {
      const sub = join(dir, `round${i % 4}`, `series${i}`);
      mkdirSync(sub, { recursive: true });
      copyFileSync(join(PYDICOM, file), join(sub, file));
      if (i % 2 === 1) await sleep(50);
    }
    await waitFor(async () => (await imageCount(t)) === files.length, 'all files imported');
    expect(await directoryLog(t)).toEqual([]);
  });

  test('a file written slowly (chunks over ~1 s) is imported once it is complete, never rejected', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    await addWatch(t, 'slow', dir);
    const bytes = readFileSync(CT_SMALL);
    const target = join(dir, 'slow.dcm');
    const chunks = 10;
    const size = Math.ceil(bytes.length / chunks);
    writeFileSync(target, bytes.subarray(0, size));
    for (let i = 1; i < chunks; i++) {
      await sleep(100);
      appendFileSync(target, bytes.subarray(i * size, (i + 1) * size));
    }
    const id = await waitForImage(t, sopInstanceUidOf(CT_SMALL));
    const stored = Buffer.from(await (await t.api(`/api/images/${id}`)).arrayBuffer());
    expect(sha256(stored)).toBe(sha256(bytes));
    await sleep(QUIET_MS);
    expect(await directoryLog(t)).toEqual([]);
    expect(await imageCount(t)).toBe(1);
  });

  test('a non-DICOM file stays, with one error log row (relative path + reason), not retried every poll', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    mkdirSync(join(dir, 'sub'));
    await addWatch(t, 'junk', dir);
    copyFileSync(CAT_JPG, join(dir, 'sub', 'cat.jpg'));
    await waitFor(async () => (await directoryLog(t)).length > 0, 'the rejection log row');
    await sleep(QUIET_MS);
    const rows = await directoryLog(t);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.entryType).toBe('ERROR');
    expect(rows[0]?.message).toMatch(
      new RegExp(
        `^Directory watch junk \\(id \\d+\\): file ${join('sub', 'cat.jpg')} rejected: .+`,
      ),
    );
    expect(existsSync(join(dir, 'sub', 'cat.jpg'))).toBe(true);
    expect(await imageCount(t)).toBe(0);
  });

  test('dot-files and files in flight (.part, ~) are ignored', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    await addWatch(t, 'ignoring', dir);
    writeFileSync(join(dir, '.DS_Store'), 'finder junk');
    mkdirSync(join(dir, '.hidden'));
    copyFileSync(TEST_DCM, join(dir, '.hidden', 'test.dcm'));
    copyFileSync(CT_SMALL, join(dir, 'ct.dcm.part'));
    writeFileSync(join(dir, 'notes.txt~'), 'editor backup');
    copyFileSync(MR_SMALL, join(dir, 'mr.dcm'));
    await waitForImage(t, sopInstanceUidOf(MR_SMALL));
    await sleep(QUIET_MS);
    expect(await imageCount(t)).toBe(1);
    expect(await directoryLog(t)).toEqual([]);
  });

  test('a modified file is imported again', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    await addWatch(t, 'modified', dir);
    const target = join(dir, 'image.dcm');
    copyFileSync(MR_SMALL, target);
    await waitForImage(t, sopInstanceUidOf(MR_SMALL));
    writeFileSync(target, readFileSync(CT_SMALL));
    await waitForImage(t, sopInstanceUidOf(CT_SMALL));
    expect(await imageCount(t)).toBe(2);
    expect(await directoryLog(t)).toEqual([]);
  });

  test('delete-on-import: imported files are removed, rejected ones kept', async () => {
    const t = await open({ ...WATCHES, deleteOnImport: true });
    const dir = newDir();
    mkdirSync(join(dir, 'sub'));
    copyFileSync(TEST_DCM, join(dir, 'test.dcm'));
    await addWatch(t, 'deleting', dir);
    copyFileSync(CAT_JPG, join(dir, 'cat.jpg'));
    copyFileSync(CT_SMALL, join(dir, 'sub', 'ct.dcm'));
    await waitForImage(t, sopInstanceUidOf(TEST_DCM));
    await waitForImage(t, sopInstanceUidOf(CT_SMALL));
    await waitFor(
      () => !existsSync(join(dir, 'test.dcm')) && !existsSync(join(dir, 'sub', 'ct.dcm')),
      'imported files to be deleted',
    );
    await waitFor(async () => (await directoryLog(t)).length === 1, 'the rejection log row');
    expect(existsSync(join(dir, 'cat.jpg'))).toBe(true);
    // The same file dropped in again (same name, size and time) is imported again and removed again.
    copyFileSync(TEST_DCM, join(dir, 'test.dcm'));
    await waitFor(() => !existsSync(join(dir, 'test.dcm')), 'the re-dropped file to be deleted');
    expect(await imageCount(t)).toBe(2);
    expect(await directoryLog(t)).toHaveLength(1);
  });

  test('a restart re-imports nothing unchanged and re-logs nothing, but picks up files added meanwhile', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    copyFileSync(TEST_DCM, join(dir, 'test.dcm'));
    copyFileSync(CAT_JPG, join(dir, 'cat.jpg'));
    const watch = await addWatch(t, 'restarting', dir);
    await waitForImage(t, sopInstanceUidOf(TEST_DCM));
    await waitFor(async () => (await directoryLog(t)).length === 1, 'the rejection log row');
    const logBefore = await t.json<LogEntry[]>('/api/log?count=1000');

    await t.box.close();
    copyFileSync(CT_SMALL, join(dir, 'added-while-down.dcm'));
    await t.restart();

    expect(await t.json<WatchedDirectory[]>('/api/directorywatches')).toEqual([watch]);
    await waitForImage(t, sopInstanceUidOf(CT_SMALL));
    await sleep(QUIET_MS);
    expect(await imageCount(t)).toBe(2);
    expect(await directoryLog(t)).toHaveLength(1);
    const logAfter = await t.json<LogEntry[]>('/api/log?count=1000');
    expect(logAfter.map((e) => e.id)).toEqual(logBefore.map((e) => e.id));
  });

  test('at start-up a watch whose directory is gone is deleted (and logged)', async () => {
    const t = await open(WATCHES);
    const dir = newDir();
    const kept = newDir();
    await addWatch(t, 'vanishing', dir);
    const keptWatch = await addWatch(t, 'kept', kept);
    await t.box.close();
    rmSync(dir, { recursive: true });
    await t.restart();
    expect(await t.json<WatchedDirectory[]>('/api/directorywatches')).toEqual([keptWatch]);
    const [row] = (await directoryLog(t)) as [LogEntry];
    expect(row.entryType).toBe('WARN');
    expect(row.message).toContain(`${dir} is no longer a directory`);
  });
});

describe('GET /sources with a directory watch (§7.4)', () => {
  test('users, boxes, SCPs, directory watches, import sessions — in that order', async () => {
    const t = await startTestBox({ watches: WATCHES });
    try {
      expect(
        (await postJson(t, '/api/users', { user: 'u', role: 'USER', password: 'pw' })).status,
      ).toBe(201);
      const box = await createConnection(t, 'remote box');
      const scpRes = await postJson(t, '/api/scps', {
        id: -1,
        name: 'my scp',
        aeTitle: 'MYSCP',
        port: await freePort(),
      });
      const scp = (await scpRes.json()) as { id: number };
      const session = (await (
        await postJson(t, '/api/import/sessions', {
          id: -1,
          name: 'my import',
          userId: -1,
          user: '',
          filesImported: 0,
          filesAdded: 0,
          filesRejected: 0,
          created: 0,
          lastUpdated: 0,
        })
      ).json()) as { id: number };
      const watch = await addWatch(t, 'my watch', newDir());
      const sources = await t.json<Source[]>('/api/sources');
      expect(sources.map((s) => s.sourceType)).toEqual([
        'user',
        'user',
        'box',
        'scp',
        'directory',
        'import',
      ]);
      expect(sources.slice(2)).toEqual([
        { sourceType: 'box', sourceName: 'remote box', sourceId: box.id },
        { sourceType: 'scp', sourceName: 'my scp', sourceId: scp.id },
        { sourceType: 'directory', sourceName: 'my watch', sourceId: watch.id },
        { sourceType: 'import', sourceName: 'my import', sourceId: session.id },
      ]);
    } finally {
      await t.stop();
    }
  });
});
