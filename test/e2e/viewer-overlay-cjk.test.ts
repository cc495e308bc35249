/**
 * The viewer's overlay and two kinds of file a new user met (issue 10, finding 9):
 * - the overlay names the patient (name, ID, age, sex), the study date, the series, the instance, the slice
 *   location and thickness, the window and the zoom, on plates that stay legible over a white image;
 * - an object without Pixel Data (the Korean and Japanese CR test files) shows "No pixel data", not
 *   "could not render (HTTP 501)" at some absurd zoom;
 * - Korean and Japanese patient names are drawn with a CJK font, not as empty boxes.
 */
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { ARTIFACTS, dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

const SERIES_B = ['2062', '2392', '2693', '3023', '3353'].map((n) =>
  pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`),
);
const KOREAN = pydicomFile('chrKoreanMulti.dcm'); // 김희중, a CR without pixel data
const JAPANESE = pydicomFile('chrJapMulti.dcm'); // やまだ^たろう, a CR without pixel data

/** Relative luminance (WCAG) of an sRGB pixel. */
function luminance(r: number, g: number, b: number): number {
  const c = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
}

/**
 * The contrast an overlay really has on screen: in a screenshot of it, the background is the most common
 * luminance (the plate over the image) and the text the brightest pixels; WCAG's ratio between them.
 */
async function overlayContrast(locator: Locator): Promise<{ ratio: number; background: number }> {
  const png = PNG.sync.read(await locator.screenshot());
  const values: number[] = [];
  for (let i = 0; i < png.data.length; i += 4)
    values.push(luminance(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!));
  values.sort((a, b) => a - b);
  const background = values[Math.floor(values.length * 0.5)]!;
  const text = values[Math.floor(values.length * 0.995)]!;
  const [hi, lo] = text > background ? [text, background] : [background, text];
  return { ratio: (hi + 0.05) / (lo + 0.05), background };
}

/** Mean grey level of the viewer canvas (0 black … 255 white). */
function canvasMean(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="viewer-canvas"]')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum += (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
    return sum / (data.length / 4);
  });
}

describe('viewer overlay, no pixel data and CJK names (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startApp();
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  async function openSeriesOf(patient: string | RegExp): Promise<void> {
    await page.getByTestId('patient-row').filter({ hasText: patient }).click();
    await expect.poll(() => page.getByTestId('study-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('study-row').first().click();
    await expect.poll(() => page.getByTestId('series-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('series-row').first().dblclick();
    await expect.poll(() => page.getByTestId('viewer').count()).toBe(1);
  }

  it('imports a CT series and the Korean and Japanese files', async () => {
    await dropFiles(page, '#drop', [...SERIES_B, KOREAN, JAPANESE]);
    const job = page.getByTestId('import-job').first();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(3);
    const drawer = page.locator('button[aria-expanded="true"]').filter({ hasText: /^\s*Imports/ });
    if ((await drawer.count()) > 0) await drawer.first().click();
  });

  it('draws Korean and Japanese names with a CJK font', async () => {
    const names = page.getByTestId('patient-row').locator('.primary');
    await expect.poll(() => names.allInnerTexts()).toContain('김희중');
    const korean = names.filter({ hasText: '김희중' });
    const japanese = names.filter({ hasText: 'やまだ' });
    expect(await japanese.count()).toBe(1);
    // The app asks for CJK faces by name (not only whatever the system falls back to) ...
    const family = await korean.evaluate((el) => getComputedStyle(el).fontFamily);
    expect(family).toMatch(/Noto Sans CJK KR/);
    // ... and the glyphs really come from a CJK font (empty boxes would come from a Latin one).
    const cdp = await browser.newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    for (const [text, locator] of [
      ['김희중', korean],
      ['やまだ', japanese],
    ] as const) {
      const marker = `cjk-${text.codePointAt(0)}`;
      await locator.evaluate((el, id) => el.setAttribute('data-cjk-probe', id), marker);
      const { nodeId } = await cdp.send('DOM.querySelector', {
        nodeId: root.nodeId,
        selector: `[data-cjk-probe="${marker}"]`,
      });
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      const cjk = fonts.filter((f) => /CJK|Source Han/i.test(f.familyName));
      expect(
        cjk.reduce((n, f) => n + f.glyphCount, 0),
        JSON.stringify(fonts),
      ).toBeGreaterThanOrEqual(3);
    }
    await cdp.detach();
    await screenshotBothThemes(page, 'browse-cjk-names');
  });

  it('shows "No pixel data" for an object without pixels, not an HTTP error at 72600%', async () => {
    await openSeriesOf('김희중');
    const viewer = page.getByTestId('viewer');
    await expect
      .poll(() => viewer.getAttribute('data-status'), { timeout: 30_000 })
      .toBe('nopixels');
    const state = page.getByTestId('viewer-no-pixels');
    expect(await state.innerText()).toMatch(/^No pixel data\n/);
    expect(await state.innerText()).toContain('7FE0,0010');
    expect(await viewer.innerText()).not.toMatch(/HTTP|could not render/i);
    expect(await page.getByTestId('viewer-zoom').innerText()).toBe('—');
    expect(await page.getByTestId('viewer-overlay-patient').innerText()).toContain('김희중');
    await screenshotBothThemes(page, 'viewer-no-pixel-data');
    // Its attributes are one click away.
    await state.getByRole('button', { name: 'Show attributes' }).click();
    await expect
      .poll(() => page.getByTestId('attribute-row').count(), { timeout: 15_000 })
      .toBeGreaterThan(5);
    await page.getByTestId('viewer-details-toggle').click();
    await viewer.focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => viewer.count()).toBe(0);
  });

  it('overlays patient, age, study date, series, instance, slice location and thickness, W/L and zoom', async () => {
    await openSeriesOf('Peter');
    const viewer = page.getByTestId('viewer');
    await expect
      .poll(() => viewer.getAttribute('data-status'), { timeout: 30_000 })
      .toMatch(/ready|fallback/);
    expect(await page.getByTestId('viewer-overlay-patient').innerText()).toBe(
      'Doe, Peter\nID 98890234\n43 Y · M',
    );
    const study = await page.getByTestId('viewer-overlay-study').innerText();
    expect(study.split('\n')[0]).toMatch(/^2001-01-01/);
    expect(study.split('\n')[1]).toMatch(/^Series CT/);
    // Slice 1 of 5 is instance 6: location 8.7625 mm, thickness 2.5 mm (the file's values).
    await expect
      .poll(() => page.getByTestId('viewer-overlay-image').innerText())
      .toContain('Image 1 / 5 · Instance 6\nLoc 8.76 mm · Thk 2.5 mm');
    await viewer.focus();
    await page.keyboard.press('End');
    await expect
      .poll(() => page.getByTestId('viewer-overlay-image').innerText())
      .toContain('Image 5 / 5 · Instance 10\nLoc -1.24 mm · Thk 2.5 mm');
    const view = await page.getByTestId('viewer-overlay-view').innerText();
    expect(view).toMatch(/^W -?\d+(\.\d)? \/ L -?\d+(\.\d)?\nZoom \d+%$/);
    expect(await page.getByTestId('viewer-zoom').innerText()).toMatch(/^\d+%$/);
    await screenshotBothThemes(page, 'viewer-overlay');
  });

  it('keeps the overlay legible on a bright image', async () => {
    // Zoomed in until the image fills the stage (the corners are over the image, not the black border),
    // then a narrow window far below the tissue values turns it white.
    await page.getByTestId('viewer').focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press('+');
    const stage = page.getByTestId('viewer-stage');
    const b = (await stage.boundingBox())!;
    const x = b.x + b.width / 2;
    const y = b.y + b.height / 2;
    for (let i = 0; i < 6 && (await canvasMean(page)) < 200; i++) {
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x - 250, y - 200, { steps: 5 });
      await page.mouse.up();
    }
    expect(await canvasMean(page)).toBeGreaterThan(200);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-overlay-bright-light.png') });
    for (const id of [
      'viewer-overlay-patient',
      'viewer-overlay-study',
      'viewer-overlay-image',
      'viewer-overlay-view',
    ]) {
      const { ratio } = await overlayContrast(page.getByTestId(id));
      expect(ratio, id).toBeGreaterThanOrEqual(4.5);
    }
    await page.keyboard.press('Escape');
  });
});
