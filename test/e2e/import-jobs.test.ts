/**
 * Drag-and-drop import jobs end to end (browser mode, real local box, Chromium): a folder and a zip
 * dropped the way a file manager drops them (CDP drag events with real paths), every file's outcome in
 * the summary and in the box; a job interrupted by closing the app that resumes by itself after the
 * restart; pause, resume and cancel from the job's buttons.
 */
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser } from './support/browser.js';
import { uniqueCopies, zipBytes } from './support/import-fixtures.js';
import { openImportsPanel } from './support/imports-panel.js';

const ARTIFACTS = join('test-artifacts', 'e2e');

/** Drops real files and folders on the window through Chromium's own drag-and-drop (CDP). */
async function dropPaths(page: Page, paths: string[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    await cdp.send('Input.dispatchDragEvent', { type, x: 600, y: 300, data });
  }
  await cdp.detach();
}

async function localboxGet<T>(app: RunningApp, path: string): Promise<T> {
  const credentials = JSON.parse(
    await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
  ) as { user: string; password: string };
  const auth =
    'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
  const res = await fetch(`${app.localboxApi}${path}`, { headers: { authorization: auth } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface Session {
  id: number;
  name: string;
  filesImported: number;
  filesAdded: number;
  filesRejected: number;
}

async function openPage(browser: BrowserContext, app: RunningApp): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(app.url);
  const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
  await local.filter({ hasText: /online/i }).waitFor({ timeout: 30_000 });
  return page;
}

async function fileStates(page: Page, jobId: string): Promise<Record<string, string>> {
  const job = page.locator(`[data-testid="import-job"][data-job-id="${jobId}"]`);
  const rows = job.getByTestId('import-file');
  const out: Record<string, string> = {};
  for (const row of await rows.all()) {
    out[(await row.getAttribute('data-name'))!] = (await row.getAttribute('data-state'))!;
  }
  return out;
}

describe('import jobs (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let inputs: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    inputs = await mkdtemp(join(tmpdir(), 'sbx-e2e-inputs-'));
    process.env.SBX_IMPORT_CONCURRENCY = '1';
    app = await startApp();
    browser = await launchBrowser();
    page = await openPage(browser, app);
  });

  afterAll(async () => {
    delete process.env.SBX_IMPORT_CONCURRENCY;
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('imports a dropped folder and zip, and says what happened to every file', async () => {
    const folder = join(inputs, 'study-folder');
    await mkdir(join(folder, 'a', 'b', 'c'), { recursive: true });
    await mkdir(join(folder, 'copy'), { recursive: true });
    await copyFile(pydicomFile('CT_small.dcm'), join(folder, 'a', 'CT_small.dcm'));
    await copyFile(pydicomFile('MR_small.dcm'), join(folder, 'a', 'b', 'MR_small.dcm'));
    await copyFile(testFile('test.dcm'), join(folder, 'a', 'b', 'c', 'test.dcm'));
    await copyFile(pydicomFile('CT_small.dcm'), join(folder, 'copy', 'CT_small copy.dcm'));
    await copyFile(pydicomFile('MR_truncated.dcm'), join(folder, 'MR_truncated.dcm'));
    await copyFile(testFile('invalid.dcm'), join(folder, 'a', 'broken.dcm'));
    await writeFile(join(folder, 'notes.txt'), 'Scanned on Tuesday.\n');
    await writeFile(join(folder, 'DICOMDIR'), 'index');
    const zip = join(inputs, 'more.zip');
    const ct1 = await readFile(pydicomFile('dicomdir_98892001_CT2N_6293.dcm'));
    const ct2 = await readFile(pydicomFile('dicomdir_98892001_CT2N_6924.dcm'));
    await writeFile(
      zip,
      zipBytes([
        { name: 'series/ct1.dcm', data: ct1 },
        { name: 'series/ct2.dcm', data: ct2 },
        { name: '../evil.dcm', data: ct1 },
      ]),
    );

    await dropPaths(page, [folder, zip]);
    await openImportsPanel(page);
    const job = page.getByTestId('import-job').first();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    const jobId = (await job.getAttribute('data-job-id'))!;
    const expected = {
      'study-folder/a/CT_small.dcm': 'added',
      'study-folder/a/b/MR_small.dcm': 'added',
      'study-folder/a/b/c/test.dcm': 'added',
      'study-folder/copy/CT_small copy.dcm': 'skipped',
      'study-folder/DICOMDIR': 'skipped',
      // A damaged copy of MR_small (same SOP Instance UID), first by path: tried, rejected, and the
      // good copy is stored after it.
      'study-folder/MR_truncated.dcm': 'rejected',
      'study-folder/a/broken.dcm': 'rejected',
      'study-folder/notes.txt': 'skipped',
      'more.zip/series/ct1.dcm': 'added',
      'more.zip/series/ct2.dcm': 'added',
      'more.zip/../evil.dcm': 'skipped',
    };
    expect(await fileStates(page, jobId)).toEqual(expected);
    const reasonOf = async (name: string) =>
      job.locator(`[data-testid="import-file"][data-name="${name}"]`).innerText();
    expect(await reasonOf('study-folder/copy/CT_small copy.dcm')).toContain(
      'Same image as study-folder/a/CT_small.dcm, which was stored',
    );
    expect(await reasonOf('study-folder/notes.txt')).toMatch(/Not a DICOM Part-10 file/);
    expect(await reasonOf('study-folder/DICOMDIR')).toMatch(/DICOMDIR index/);
    expect(await reasonOf('more.zip/../evil.dcm')).toMatch(/Refused zip entry: path climbs out/);
    expect(await reasonOf('study-folder/MR_truncated.dcm')).toContain(
      'The file is damaged: it ends before its data does (truncated)',
    );
    expect(await reasonOf('study-folder/MR_truncated.dcm')).toContain(
      'The same image was stored from study-folder/a/b/MR_small.dcm.',
    );
    expect((await reasonOf('study-folder/a/broken.dcm')).replace(/.*broken\.dcm/s, '')).toMatch(
      /\w{5,}/,
    );
    expect(await job.getByTestId('import-count-added').innerText()).toMatch(/^5 added/);
    expect(await job.getByTestId('import-count-skipped').innerText()).toMatch(/^4 skipped/);
    expect(await job.getByTestId('import-count-rejected').innerText()).toMatch(/^2 rejected/);

    const sessions = await localboxGet<Session[]>(app, '/import/sessions');
    const name = await job.getAttribute('data-name');
    const session = sessions.find((s) => s.name === name);
    expect(session).toMatchObject({ filesImported: 5, filesAdded: 5, filesRejected: 2 });

    await page.getByTestId('import-panel').screenshot({
      path: join(ARTIFACTS, 'import-jobs-light.png'),
    });
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const darkPage = await openPage(dark, app);
      await darkPage
        .getByRole('button', { name: /Imports/ })
        .first()
        .click();
      await expect.poll(() => darkPage.getByTestId('import-job').count()).toBe(1);
      await darkPage.getByTestId('import-panel').screenshot({
        path: join(ARTIFACTS, 'import-jobs-dark.png'),
      });
    } finally {
      await dark.close();
    }

    // The same zip again: everything in it is already on the server (found, not sent twice).
    await dropPaths(page, [zip]);
    const again = page.getByTestId('import-job').first();
    await expect.poll(() => again.getAttribute('data-job-id')).not.toBe(jobId);
    await expect.poll(() => again.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    const againStates = await fileStates(page, (await again.getAttribute('data-job-id'))!);
    expect(againStates).toEqual({
      'more.zip/series/ct1.dcm': 'present',
      'more.zip/series/ct2.dcm': 'present',
      'more.zip/../evil.dcm': 'skipped',
    });
  });

  it('resumes an import by itself after the app was closed mid-way', async () => {
    const folder = join(inputs, 'many');
    await mkdir(folder);
    const copies = await uniqueCopies(pydicomFile('CT_small.dcm'), 300, 7);
    for (const [i, bytes] of copies.entries()) {
      await writeFile(join(folder, `slice-${String(i).padStart(3, '0')}.dcm`), bytes);
    }
    await dropPaths(page, [folder]);
    const job = page.getByTestId('import-job').first();
    await expect.poll(() => job.getAttribute('data-name'), { timeout: 60_000 }).toMatch(/300/);
    const jobId = (await job.getAttribute('data-job-id'))!;
    const progress = job.getByTestId('import-job-progress');
    await expect
      .poll(async () => Number(/^(\d+)/.exec(await progress.innerText())?.[1] ?? 0), {
        timeout: 60_000,
        interval: 20,
      })
      .toBeGreaterThanOrEqual(20);
    expect(await job.getAttribute('data-state')).toBe('running');

    // Close the app (SIGTERM) mid-import, start it again on the same data folder.
    await page.close();
    expect(await app.stop()).toBe(0);
    app = await startApp({ dataDir: app.dataDir });
    page = await openPage(browser, app);
    const resumed = page.locator(`[data-testid="import-job"][data-job-id="${jobId}"]`);
    await expect.poll(() => resumed.count(), { timeout: 30_000 }).toBe(1);
    await openImportsPanel(page);

    // Pause and resume it with its buttons (keyboard: focus + Enter).
    await expect
      .poll(() => resumed.getAttribute('data-state'), { timeout: 30_000 })
      .toBe('running');
    await resumed.getByTestId('import-pause').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => resumed.getAttribute('data-state')).toBe('paused');
    await page.getByTestId('import-panel').screenshot({
      path: join(ARTIFACTS, 'import-jobs-paused-light.png'),
    });
    const pausedAt = await resumed.getByTestId('import-job-progress').innerText();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await resumed.getByTestId('import-job-progress').innerText()).toBe(pausedAt);
    await resumed.getByTestId('import-resume').click();
    await expect.poll(() => resumed.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');

    const states = Object.values(await fileStates(page, jobId));
    expect(states).toHaveLength(300);
    const added = states.filter((s) => s === 'added').length;
    const present = states.filter((s) => s === 'present').length;
    expect(added + present).toBe(300);
    expect(present).toBeLessThanOrEqual(1); // at most the one in flight at the close

    const sessions = await localboxGet<Session[]>(app, '/import/sessions');
    const resumedName = await resumed.getAttribute('data-name');
    const session = sessions.find((s) => s.name === resumedName);
    expect(session).toBeDefined();
    const images = await localboxGet<{ id: number }[]>(
      app,
      `/import/sessions/${session!.id}/images`,
    );
    expect(new Set(images.map((i) => i.id)).size).toBe(300);
    expect(session!.filesAdded).toBe(300);
  });

  it('cancels an import from its button; the rest is reported as not sent', async () => {
    const folder = join(inputs, 'to-cancel');
    await mkdir(folder);
    const copies = await uniqueCopies(pydicomFile('CT_small.dcm'), 200, 8);
    for (const [i, bytes] of copies.entries()) {
      await writeFile(join(folder, `c-${i}.dcm`), bytes);
    }
    await dropPaths(page, [folder]);
    await openImportsPanel(page);
    const job = page.getByTestId('import-job').first();
    await expect.poll(() => job.getAttribute('data-name'), { timeout: 60_000 }).toMatch(/200/);
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    await job.getByTestId('import-cancel').click();
    await expect.poll(() => job.getAttribute('data-state')).toBe('cancelled');
    const jobId = (await job.getAttribute('data-job-id'))!;
    await expect
      .poll(async () => Object.values(await fileStates(page, jobId)).includes('uploading'))
      .toBe(false);
    const states = Object.values(await fileStates(page, jobId));
    const skipped = states.filter((s) => s === 'skipped').length;
    const added = states.filter((s) => s === 'added').length;
    expect(skipped).toBeGreaterThan(0);
    expect(added + skipped).toBe(200);
  });
});
