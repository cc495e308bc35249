/**
 * "Browse says what is inside" (issue 11, item 5) as a user sees it in browser mode:
 * - a study row shows its modalities and images ("CT, MR · 7 images"), series rows their images
 *   ("5 images"), and both are part of the row's accessible name;
 * - each series row shows a thumbnail of its middle image (slice order, not arrival order), decoded
 *   (its pixels are not blank), with an alt text;
 * - the All series list has an Images column;
 * - after images are added and deleted elsewhere, Refresh shows the new counts.
 * Screenshots in light and dark.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PETER_A,
  PETER_CT_INSTANCE_NUMBERS,
  PETER_CT_UPLOAD_ORDER,
  peterMrFiles,
  uidOf,
  withModality,
  withUidTail,
} from '../fixtures/study-contents.js';
import { pydicomFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';

interface Uploaded {
  id: number;
  seriesId: number;
}

/** Luminance statistics of a loaded <img>, drawn onto a canvas at its natural size. */
function pixelStats(
  img: Locator,
): Promise<{ width: number; min: number; max: number; distinct: number }> {
  return img.evaluate((element) => {
    const image = element as HTMLImageElement;
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let min = 255;
    let max = 0;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      const y = Math.round(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!);
      min = Math.min(min, y);
      max = Math.max(max, y);
      seen.add(y);
    }
    return { width: image.naturalWidth, min, max, distinct: seen.size };
  });
}

describe('browse says what is inside (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  /** Image id by instance number, CT series. */
  const ct: Record<string, number> = {};
  const mr: number[] = [];

  async function upload(bytes: Buffer): Promise<Uploaded> {
    const res = await fetch(`${app.localboxApi}/images`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Uploaded;
  }

  const studyRow = () => page.getByTestId('study-row');
  const seriesRow = (modality: string) =>
    page.getByTestId('series-row').filter({ has: page.locator('.tag', { hasText: modality }) });

  beforeAll(async () => {
    app = await startApp();
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    // One at a time: the CT slices arrive as 10, 9, 6, 7, 8.
    for (const [i, path] of PETER_CT_UPLOAD_ORDER.entries())
      ct[PETER_CT_INSTANCE_NUMBERS[i]!] = (await upload(await readFile(path))).id;
    for (const bytes of await peterMrFiles()) mr.push((await upload(bytes)).id);
    await upload(await readFile(pydicomFile('CT_small.dcm'))); // another patient, one CT image
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('a study row says "CT, MR · 7 images", in its accessible name too (the visible text, then its 2 series)', async () => {
    await page.getByTestId('patient-row').filter({ hasText: 'Peter' }).click();
    await expect.poll(() => studyRow().count(), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(() => studyRow().getByTestId('study-contents').textContent(), { timeout: 15_000 })
      .toBe('CT, MR · 7 images');
    const option = page.getByRole('option', { name: /CT, MR, 7 images, (.+, )?2 series$/ });
    expect(await option.count()).toBe(1);
    expect(await option.getAttribute('data-testid')).toBe('study-row');
  });

  it('series rows say how many images they hold, with a decoded thumbnail of the middle image', async () => {
    await studyRow().click();
    await expect.poll(() => page.getByTestId('series-row').count(), { timeout: 15_000 }).toBe(2);
    await expect
      .poll(() => seriesRow('CT').getByTestId('series-contents').innerText(), { timeout: 15_000 })
      .toBe('5 images');
    expect(await seriesRow('MR').getByTestId('series-contents').innerText()).toBe('2 images');
    expect(await page.getByRole('option', { name: /, CT, .*, 5 images$/ }).count()).toBe(1);
    expect(await page.getByRole('option', { name: /, MR, .*, 2 images$/ }).count()).toBe(1);

    for (const [modality, imageId, alt] of [
      // slices 6..10 arrived as 10, 9, 6, 7, 8: the middle slice is 8
      ['CT', ct['8']!, /^Middle image \(3 of 5\) of series /],
      ['MR', mr[1]!, /^Middle image \(2 of 2\) of series /],
    ] as const) {
      const img = seriesRow(modality).getByTestId('series-thumbnail').locator('img');
      await expect
        .poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth), { timeout: 15_000 })
        .toBeGreaterThan(0);
      expect(await img.getAttribute('alt')).toMatch(alt);
      const src = (await img.getAttribute('src')) ?? '';
      expect(src).toContain(`/images/${imageId}/png`);
      expect(src).toContain('imageheight=64');
      const stats = await pixelStats(img);
      expect(stats.width).toBeGreaterThan(0);
      // a real picture, not a flat square: many grey levels across a wide range
      expect(stats.max - stats.min, modality).toBeGreaterThan(60);
      expect(stats.distinct, modality).toBeGreaterThan(8);
    }
    await screenshotBothThemes(page, 'browse-contents');

    // By keyboard: the focused row's accessible name carries its count.
    await seriesRow('CT').click();
    await page.keyboard.press('ArrowDown');
    const activeName = () =>
      page.evaluate(() => {
        const list = document.querySelector('[data-panel="series"] [role="listbox"]');
        const id = list?.getAttribute('aria-activedescendant');
        return id ? document.getElementById(id)?.getAttribute('aria-label') : null;
      });
    await expect.poll(activeName).toMatch(/, MR, .*, 2 images$/);
    await screenshotBothThemes(page, 'browse-contents-focused');
  });

  it('the All series list has an Images column', async () => {
    await page.getByTestId('browse-tab-flat').click();
    await expect
      .poll(() => page.getByTestId('flat-series-row').count(), { timeout: 15_000 })
      .toBe(3);
    await expect
      .poll(
        async () =>
          (await page.getByTestId('flat-series-images').allTextContents())
            .map((t) => t.replace(/\s+/g, ' ').trim())
            .sort(),
        { timeout: 15_000 },
      )
      .toEqual(['1 image', '2 images', '5 images']);
    await screenshotBothThemes(page, 'browse-contents-flat');
    await page.getByTestId('browse-tab-tree').click();
  });

  it('after images are added and deleted elsewhere, Refresh shows the new counts', async () => {
    const extra = withModality(await readFile(PETER_A[0]!), 'MR');
    await upload(withUidTail(extra, uidOf(extra, 'x00080018'), '4242'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => studyRow().getByTestId('study-contents').textContent(), { timeout: 15_000 })
      .toBe('CT, MR · 8 images');
    await expect
      .poll(() => seriesRow('MR').getByTestId('series-contents').innerText(), { timeout: 15_000 })
      .toBe('3 images');

    const res = await fetch(`${app.localboxApi}/images/delete`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify([ct['8'], ct['9']]),
    });
    expect(res.status).toBe(204);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => studyRow().getByTestId('study-contents').textContent(), { timeout: 15_000 })
      .toBe('CT, MR · 6 images');
    await expect
      .poll(() => seriesRow('CT').getByTestId('series-contents').innerText(), { timeout: 15_000 })
      .toBe('3 images');
    // slices 6, 7, 10 now: the middle is 7
    await expect
      .poll(
        () => seriesRow('CT').getByTestId('series-thumbnail').locator('img').getAttribute('src'),
        { timeout: 15_000 },
      )
      .toContain(`/images/${ct['7']}/png`);
  });

  it('counts a study again when its patient is opened again (no stale number)', async () => {
    const extra = withModality(await readFile(PETER_A[0]!), 'MR');
    await upload(withUidTail(extra, uidOf(extra, 'x00080018'), '4343'));
    await page.getByTestId('patient-row').filter({ hasText: 'CompressedSamples' }).click();
    await expect
      .poll(() => studyRow().getByTestId('study-contents').textContent(), { timeout: 15_000 })
      .toBe('CT · 1 image');
    await page.getByTestId('patient-row').filter({ hasText: 'Peter' }).click();
    await expect
      .poll(() => studyRow().getByTestId('study-contents').textContent(), { timeout: 15_000 })
      .toBe('CT, MR · 7 images');
  });
});
