/**
 * The viewer and export end to end (browser mode, real local box, Chromium): frames decoded in the
 * renderer's worker are drawn with real contrast, dragging changes the window, keys scroll slices and
 * frames and zoom; the attribute table lists the tags; exporting a patient downloads a zip whose entries
 * are the uploaded files, byte for byte, in Slicebox's folder layout.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
const SERIES_B = ['2062', '2392', '2693', '3023', '3353'].map((n) =>
  pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`),
);
const SERIES_A = ['6293', '6924'].map((n) => pydicomFile(`dicomdir_98892001_CT2N_${n}.dcm`));
const MULTIFRAME = pydicomFile('derived/SC_rgb_2frame_explicitLE.dcm');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Statistics of the viewer canvas: grey-level variance and a hash of the pixels. */
async function canvasStats(page: Page): Promise<{ variance: number; hash: string; mean: number }> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="viewer-canvas"]')!;
    const ctx = canvas.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sum2 = 0;
    let h = 2166136261;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const y = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      sum += y;
      sum2 += y * y;
      h = Math.imul(h ^ data[i]!, 16777619) ^ data[i + 1]!;
    }
    const mean = sum / n;
    return { variance: sum2 / n - mean * mean, mean, hash: (h >>> 0).toString(16) };
  });
}

async function waitReady(page: Page): Promise<void> {
  const viewer = page.getByTestId('viewer');
  await expect
    .poll(() => viewer.getAttribute('data-status'), { timeout: 30_000 })
    .toMatch(/ready|fallback/);
}

async function drill(page: Page, patient: string, series?: string): Promise<void> {
  await page.getByTestId('patient-row').filter({ hasText: patient }).click();
  await expect
    .poll(() => page.getByTestId('study-row').count(), { timeout: 15_000 })
    .toBeGreaterThan(0);
  await page.getByTestId('study-row').first().click();
  const rows = page.getByTestId('series-row');
  await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(0);
  if (series) {
    // Pick the series with that many images by trying each.
    const count = await rows.count();
    for (let i = 0; i < count; i++) {
      await rows.nth(i).click();
      const images = page.getByTestId('image-row');
      await expect.poll(() => images.count(), { timeout: 15_000 }).toBeGreaterThan(0);
      if ((await images.count()) === Number(series)) return;
    }
    throw new Error(`No series with ${series} images`);
  }
  await rows.first().click();
  await expect
    .poll(() => page.getByTestId('image-row').count(), { timeout: 15_000 })
    .toBeGreaterThan(0);
}

function unzipEntries(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('viewer and export (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    app = await startApp();
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  it('imports a CT series pair, test.dcm, CT_small and a 2-frame image', async () => {
    await dropFiles(page, '#drop', [
      testFile('test.dcm'),
      pydicomFile('CT_small.dcm'),
      ...SERIES_A,
      ...SERIES_B,
    ]);
    const job = page.getByTestId('import-job').first();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    // Import sessions take image-data SOP classes only; the 2-frame secondary capture goes through
    // POST /images, as Slicebox's own upload does.
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    const res = await fetch(`${app.localboxApi}/images`, {
      method: 'POST',
      headers: {
        authorization:
          'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64'),
        'content-type': 'application/octet-stream',
      },
      body: await readFile(MULTIFRAME),
    });
    expect(res.status).toBe(201);
    await page
      .getByRole('button', { name: /refresh/i })
      .first()
      .click();
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(4);
    // Room for the viewer in the screenshots: fold the import drawer.
    const drawer = page.locator('button[aria-expanded="true"]').filter({ hasText: /^\s*Imports/ });
    if ((await drawer.count()) > 0) await drawer.first().click();
  });

  it('renders test.dcm with real contrast (min/max window, not its absurd WW 65536)', async () => {
    await drill(page, 'anon270');
    await page.getByTestId('view-button').click();
    await waitReady(page);
    expect(await page.getByTestId('viewer').getAttribute('data-status')).toBe('ready');
    const stats = await canvasStats(page);
    expect(stats.variance).toBeGreaterThan(100);
    expect(await page.getByTestId('viewer-window').innerText()).toContain('W 134 / L 67');
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-nm-light.png') });
  });

  it('changes the window when dragged, and zooms with the keyboard', async () => {
    const before = await canvasStats(page);
    const windowBefore = await page.getByTestId('viewer-window').innerText();
    const box = (await page.getByTestId('viewer-stage').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx - 60, cy - 40, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('viewer-window').innerText()).not.toBe(windowBefore);
    await expect.poll(async () => (await canvasStats(page)).hash).not.toBe(before.hash);

    const zoomBefore = await page.getByTestId('viewer-zoom').innerText();
    const pixelsBefore = (await canvasStats(page)).hash;
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await expect.poll(() => page.getByTestId('viewer-zoom').innerText()).not.toBe(zoomBefore);
    await expect.poll(async () => (await canvasStats(page)).hash).not.toBe(pixelsBefore);
    await page.keyboard.press('r');
  });

  it('shows the attribute table, filterable, in light and dark', async () => {
    await page.keyboard.press('i');
    const rows = page.getByTestId('attribute-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(20);
    await expect.poll(() => page.getByTestId('series-source').innerText()).toMatch(/import/i);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-attributes-light.png') });
    await page.getByTestId('attribute-filter').fill('EnergyWindow');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    expect(await rows.count()).toBeLessThan(20);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId('attribute-filter').fill('');
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-attributes-dark.png') });
    await page.getByTestId('viewer-details-toggle').click();
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-nm-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Escape');
  });

  it('scrolls through the slices of a series with the keyboard (CT, soft-tissue preset)', async () => {
    await drill(page, 'Peter', '5');
    // The list is in upload order (parallel uploads); the viewer orders slices by instance number,
    // so open the slice with the lowest one to start at index 0.
    const rows = page.getByTestId('image-row');
    const instanceNumbers = (await rows.allInnerTexts()).map((text) =>
      Number.parseInt(text.trim().split(/\s+/)[0] ?? '', 10),
    );
    const lowest = instanceNumbers.indexOf(Math.min(...instanceNumbers));
    expect(lowest).toBeGreaterThanOrEqual(0);
    await rows.nth(lowest).dblclick();
    await waitReady(page);
    const viewer = page.getByTestId('viewer');
    expect(await viewer.getAttribute('data-index')).toBe('0');
    const first = await canvasStats(page);
    expect(first.variance).toBeGreaterThan(50);
    await viewer.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => viewer.getAttribute('data-index')).toBe('1');
    await expect.poll(async () => (await canvasStats(page)).hash).not.toBe(first.hash);
    await page.keyboard.press('End');
    await expect.poll(() => viewer.getAttribute('data-index')).toBe('4');
    await page.keyboard.press('1');
    await expect.poll(() => page.getByTestId('viewer-window').innerText()).toBe('W 400 / L 40');

    // The thumbnail strip: one server-rendered thumbnail per slice, the current one marked; a click
    // shows that slice; T hides and shows the strip.
    const thumbs = page.getByTestId('viewer-thumbnail');
    expect(await thumbs.count()).toBe(5);
    await expect
      .poll(
        () =>
          thumbs
            .locator('img')
            .evaluateAll(
              (imgs) =>
                imgs.filter(
                  (i) =>
                    (i as HTMLImageElement).complete &&
                    (i as HTMLImageElement).naturalHeight === 64,
                ).length,
            ),
        { timeout: 20_000 },
      )
      .toBe(5);
    expect(await thumbs.nth(4).getAttribute('aria-selected')).toBe('true');
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-ct-light.png') });
    await thumbs.nth(2).click();
    await expect.poll(() => viewer.getAttribute('data-index')).toBe('2');
    expect(await thumbs.nth(2).getAttribute('aria-selected')).toBe('true');
    await viewer.focus();
    await page.keyboard.press('t');
    await expect.poll(() => page.getByTestId('viewer-thumbnails').count()).toBe(0);
    await page.keyboard.press('t');
    await expect.poll(() => page.getByTestId('viewer-thumbnails').count()).toBe(1);
    await page.keyboard.press('Escape');
  });

  it('scrolls through the frames of a multi-frame image', async () => {
    const patient = page.getByTestId('patient-row').filter({ hasNotText: /anon270|Peter|CT1/ });
    await patient.first().click();
    await expect.poll(() => page.getByTestId('study-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('study-row').first().click();
    await expect.poll(() => page.getByTestId('series-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('series-row').first().click();
    await page.getByTestId('view-button').click();
    await waitReady(page);
    const viewer = page.getByTestId('viewer');
    await expect
      .poll(() => page.getByTestId('viewer-position').innerText())
      .toContain('Frame 1 / 2');
    const first = await canvasStats(page);
    expect(first.variance).toBeGreaterThan(50);
    await viewer.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => viewer.getAttribute('data-frame')).toBe('1');
    expect(await viewer.getAttribute('data-index')).toBe('0');
    await expect.poll(async () => (await canvasStats(page)).hash).not.toBe(first.hash);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-multiframe-light.png') });
    await page.keyboard.press('Escape');
  });

  it('exports a patient: the downloaded zip holds the uploaded files, byte for byte', async () => {
    await page.getByTestId('patient-row').filter({ hasText: 'Peter' }).click();
    const button = page.getByTestId('export-button');
    await expect.poll(() => button.innerText()).toContain('patient');
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await button.click();
    // The Export dialog first says what the zip holds (unchanged, the patient's name and ID).
    const dialog = page.getByTestId('action-dialog');
    await expect.poll(() => dialog.getAttribute('data-phase'), { timeout: 30_000 }).toBe('confirm');
    expect(await dialog.getByTestId('privacy-unchanged').innerText()).toMatch(
      /Exported unchanged[\s\S]*Doe, Peter\s+98890234/,
    );
    await dialog.getByTestId('action-confirm').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^slicebox-export-\d{8}-\d{6}\.zip$/);
    const saved = join(app.dataDir, 'downloaded.zip');
    await file.saveAs(saved);
    const entries = await unzipEntries(saved);

    const expected = new Map<string, string>();
    for (const path of [...SERIES_A, ...SERIES_B]) expected.set(sha256(await readFile(path)), path);
    expect(entries.size).toBe(expected.size);
    const seriesFolders = new Set<string>();
    for (const [name, bytes] of entries) {
      expect(name).toMatch(/^\d+_Doe\^Peter-98890234\/\d+_\d*\/\d+_\d*_CT\/\d+\.dcm$/);
      expect(expected.has(sha256(bytes))).toBe(true);
      seriesFolders.add(name.split('/').slice(0, 3).join('/'));
    }
    expect(seriesFolders.size).toBe(2);
    const job = page.getByTestId('export-job').first();
    await expect.poll(() => job.getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('export-path').innerText()).toContain(
      join(app.dataDir, 'exports'),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'export-done-light.png') });
  });
});
