/**
 * A viewer a clinician can read with (issue 11), end to end in browser mode on a synthetic CT phantom generated
 * here: 0.5 mm rows × 0.8 mm columns (non-square pixels) holding an 80 mm disc of 200 HU on 0 HU, in known planes.
 *
 * - the disc is round on screen (measured on the canvas' pixels), also for an Enhanced CT whose spacing is only
 *   in its functional groups;
 * - orientation markers are right for axial, sagittal and coronal slices, and there is a scale bar;
 * - a length dragged across the disc, edge to edge, measures 80 mm within ±0.5 mm (across and down);
 * - an ellipse ROI inside the disc has a mean of 200 HU within ±1 HU and an SD of 0; the probe reads 200 HU;
 * - measurements are edited by dragging a handle and deleted with the Delete key;
 * - they are exported as CSV (browser mode: the data folder's exports/, and a download);
 * - and they are still there after the app is restarted on the same data folder.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIENTATIONS, enhancedPhantom, phantomSeries, uid } from '../fixtures/phantom.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';
import {
  discOnScreen,
  drag,
  listedMeasurements,
  openSeries,
  uploadToLocalbox,
  viewport,
  waitViewportReady,
} from './support/viewer.js';

const PATIENT = 'Phantom';
const DIAMETER = 80;
const base = {
  rows: 256,
  columns: 160,
  rowSpacing: 0.5,
  columnSpacing: 0.8,
  discDiameter: DIAMETER,
  discHu: 200,
  backgroundHu: 0,
  studyUid: uid(),
  frameOfReferenceUid: uid(),
};

/** The length (mm) of the measurement listed with this id, from the panel's text. */
async function lengthOf(page: Page, id: string): Promise<number> {
  const text = await page
    .locator(`[data-testid="viewer-measurement"][data-measurement-id="${id}"]`)
    .innerText();
  return Number(/(-?\d+\.\d+) mm\b/.exec(text)?.[1]);
}

describe('viewer geometry and measurements on a CT phantom (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startApp();
    const series = [
      phantomSeries({
        ...base,
        orientation: ORIENTATIONS.axial,
        positions: [0, 5, 10],
        seriesNumber: 1,
        seriesDescription: 'Axial phantom',
      }),
      phantomSeries({
        ...base,
        orientation: ORIENTATIONS.sagittal,
        positions: [0, 5],
        seriesNumber: 2,
        seriesDescription: 'Sagittal phantom',
      }),
      phantomSeries({
        ...base,
        orientation: ORIENTATIONS.coronal,
        positions: [0, 5],
        seriesNumber: 3,
        seriesDescription: 'Coronal phantom',
      }),
      enhancedPhantom({
        ...base,
        orientation: ORIENTATIONS.axial,
        positions: [0, 5, 10],
        seriesNumber: 4,
        seriesDescription: 'Enhanced phantom',
      }),
    ];
    await uploadToLocalbox(
      app,
      series.flatMap((s) => s.files),
    );
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('draws the disc round although its pixels are 0.5 × 0.8 mm, with markers R/L/A/P and a scale bar', async () => {
    await openSeries(page, PATIENT, 'Axial phantom');
    const disc = await discOnScreen(page);
    const width = disc.right - disc.left;
    const height = disc.bottom - disc.top;
    expect(width).toBeGreaterThan(150);
    expect(width / height).toBeGreaterThan(0.985);
    expect(width / height).toBeLessThan(1.015);
    const v = viewport(page);
    expect(await v.getByTestId('viewer-marker-left').innerText()).toBe('R');
    expect(await v.getByTestId('viewer-marker-right').innerText()).toBe('L');
    expect(await v.getByTestId('viewer-marker-top').innerText()).toBe('A');
    expect(await v.getByTestId('viewer-marker-bottom').innerText()).toBe('P');
    // The scale bar is as long on screen as its millimetres are at this magnification (disc: 80 mm).
    const bar = v.getByTestId('viewer-scale-bar');
    const mm = Number(await bar.getAttribute('data-mm'));
    const barWidth = (await bar.boundingBox())!.width;
    expect(barWidth / mm).toBeCloseTo(width / DIAMETER, 1);
    expect(await v.getByTestId('viewer-overlay-image').innerText()).toContain('Pixel 0.8 × 0.5 mm');
  });

  it('measures the diameter with the length tool, dragged edge to edge, within ±0.5 mm', async () => {
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('l');
    await page.keyboard.press('m');
    // The panel narrows the image: wait until it is drawn at its new size.
    let disc = await discOnScreen(page);
    await expect
      .poll(async () => {
        const before = disc.right - disc.left;
        disc = await discOnScreen(page);
        return Math.abs(disc.right - disc.left - before);
      })
      .toBeLessThan(0.01);
    await drag(page, { x: disc.left, y: disc.centreY }, { x: disc.right, y: disc.centreY });
    await drag(page, { x: disc.centreX, y: disc.top }, { x: disc.centreX, y: disc.bottom });
    await expect
      .poll(async () => (await listedMeasurements(page)).length, { timeout: 15_000 })
      .toBe(2);
    const [across, down] = await listedMeasurements(page);
    expect([across!.kind, down!.kind]).toEqual(['length', 'length']);
    // Across: 100 columns of 0.8 mm; down: 160 rows of 0.5 mm. Both are the 80 mm diameter.
    expect(Math.abs((await lengthOf(page, across!.id)) - DIAMETER)).toBeLessThanOrEqual(0.5);
    expect(Math.abs((await lengthOf(page, down!.id)) - DIAMETER)).toBeLessThanOrEqual(0.5);
  });

  it('measures an ellipse ROI in the disc: mean 200 HU (±1), SD 0, and the probe reads 200 HU', async () => {
    await page.keyboard.press('e');
    const disc = await discOnScreen(page);
    const rx = (disc.right - disc.left) / 4;
    const ry = (disc.bottom - disc.top) / 4;
    await drag(
      page,
      { x: disc.centreX - rx, y: disc.centreY - ry },
      { x: disc.centreX + rx, y: disc.centreY + ry },
    );
    await expect
      .poll(
        async () => (await listedMeasurements(page)).find((m) => m.kind === 'ellipse')?.text ?? '',
        {
          timeout: 15_000,
        },
      )
      .toMatch(/Mean/);
    const ellipse = (await listedMeasurements(page)).find((m) => m.kind === 'ellipse')!;
    const mean = Number(/Mean (-?\d+\.\d) HU/.exec(ellipse.text)?.[1]);
    const sd = Number(/SD (-?\d+\.\d) HU/.exec(ellipse.text)?.[1]);
    expect(Math.abs(mean - 200)).toBeLessThanOrEqual(1);
    expect(sd).toBe(0);
    // Its area is that of the ellipse drawn: π × (20 mm) × (20 mm), within the precision of the drag.
    const area = Number(/Area (\d+) mm²/.exec(ellipse.text)?.[1]);
    expect(Math.abs(area - Math.PI * 400) / (Math.PI * 400)).toBeLessThan(0.03);

    await page.keyboard.press('v');
    await page.mouse.click(disc.centreX + 10, disc.centreY + 10);
    await expect
      .poll(
        async () => (await listedMeasurements(page)).find((m) => m.kind === 'probe')?.text ?? '',
        {
          timeout: 15_000,
        },
      )
      .toMatch(/200\.0 HU/);
    await page.keyboard.press('w');
    await screenshotBothThemes(page, 'viewer-measurements');
  });

  it('draws a rectangle ROI (200 HU, SD 0) and a right angle (90°) drawn arm by arm', async () => {
    const disc = await discOnScreen(page);
    await page.keyboard.press('b');
    await drag(
      page,
      { x: disc.centreX - 50, y: disc.centreY - 30 },
      { x: disc.centreX - 20, y: disc.centreY - 10 },
    );
    await expect
      .poll(
        async () =>
          (await listedMeasurements(page)).find((m) => m.kind === 'rectangle')?.text ?? '',
        { timeout: 15_000 },
      )
      .toMatch(/Mean 200\.0 HU · SD 0\.0 HU/);
    // The angle: the first arm dragged from its end to the vertex, then a click at the end of the second.
    await page.keyboard.press('a');
    const vertex = { x: disc.centreX - 120, y: disc.centreY + 120 };
    await drag(page, { x: disc.centreX + 20, y: vertex.y }, vertex);
    await page.mouse.move(disc.centreX - 120, disc.centreY - 10, { steps: 4 });
    await page.mouse.click(disc.centreX - 120, disc.centreY - 20);
    await expect
      .poll(
        async () => (await listedMeasurements(page)).find((m) => m.kind === 'angle')?.text ?? '',
        {
          timeout: 15_000,
        },
      )
      .toMatch(/°/);
    const angle = (await listedMeasurements(page)).find((m) => m.kind === 'angle')!;
    expect(Math.abs(Number(/(\d+\.\d)°/.exec(angle.text)?.[1]) - 90)).toBeLessThanOrEqual(0.5);
    await page.keyboard.press('w');
    await screenshotBothThemes(page, 'viewer-measurements-all-kinds');
  });

  it('edits a length by dragging its handle, and deletes the probe with the Delete key', async () => {
    const [across] = await listedMeasurements(page);
    const disc = await discOnScreen(page);
    // Select it (click on its line), then pull its right handle to the disc's centre: half the diameter.
    await page.mouse.click(disc.centreX + 40, disc.centreY);
    await drag(page, { x: disc.right, y: disc.centreY }, { x: disc.centreX, y: disc.centreY });
    await expect.poll(() => lengthOf(page, across!.id), { timeout: 15_000 }).toBeLessThan(41);
    expect(Math.abs((await lengthOf(page, across!.id)) - DIAMETER / 2)).toBeLessThanOrEqual(0.5);

    const probe = (await listedMeasurements(page)).find((m) => m.kind === 'probe')!;
    await page
      .locator(`[data-testid="viewer-measurement"][data-measurement-id="${probe.id}"]`)
      .click();
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('Delete');
    await expect
      .poll(async () => (await listedMeasurements(page)).map((m) => m.kind))
      .toEqual(['length', 'length', 'ellipse', 'rectangle', 'angle']);
  });

  it('exports the measurements as CSV into the data folder (and downloads it)', async () => {
    const download = page.waitForEvent('download');
    await page.keyboard.press('x');
    const file = await download;
    const exported = page.getByTestId('viewer-measurements-exported');
    await expect
      .poll(() => exported.innerText())
      .toMatch(/Saved 5 as .*measurements-\d{8}-\d{6}\.csv/);
    const names = await readdir(join(app.dataDir, 'exports'));
    expect(names).toEqual([file.suggestedFilename()]);
    const csv = await readFile(join(app.dataDir, 'exports', names[0]!), 'utf8');
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^Patient name,Patient ID,/);
    expect(lines.slice(1).map((l) => l.split(',')[9])).toEqual([
      'length',
      'length',
      'ellipse',
      'rectangle',
      'angle',
    ]);
    expect(lines[3]).toContain(',200,0,200,200,'); // ellipse: mean, SD, min, max
    expect(lines[4]).toContain(',200,0,200,200,'); // rectangle
    expect(lines[5]).toMatch(/,angle,,,90(\.\d+)?,/);
    expect(lines[1]).toContain('Phantom^Geometry');
  });

  it('letters sagittal and coronal slices right', async () => {
    await page.keyboard.press('Escape');
    await openSeries(page, PATIENT, 'Sagittal phantom');
    const v = viewport(page);
    const markers = async () =>
      Promise.all(
        ['left', 'right', 'top', 'bottom'].map((e) =>
          v.getByTestId(`viewer-marker-${e}`).innerText(),
        ),
      );
    expect(await markers()).toEqual(['A', 'P', 'H', 'F']);
    await screenshotBothThemes(page, 'viewer-sagittal');
    await page.keyboard.press('Escape');
    await openSeries(page, PATIENT, 'Coronal phantom');
    expect(await markers()).toEqual(['R', 'L', 'H', 'F']);
    await screenshotBothThemes(page, 'viewer-coronal');
  });

  it('uses the functional groups of an Enhanced CT: round disc, markers, HU, per frame', async () => {
    await page.keyboard.press('Escape');
    await openSeries(page, PATIENT, 'Enhanced phantom');
    const disc = await discOnScreen(page);
    expect((disc.right - disc.left) / (disc.bottom - disc.top)).toBeGreaterThan(0.985);
    expect((disc.right - disc.left) / (disc.bottom - disc.top)).toBeLessThan(1.015);
    const v = viewport(page);
    expect(await v.getByTestId('viewer-marker-right').innerText()).toBe('L');
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(() => page.getByTestId('viewer-position').innerText())
      .toBe('Image 1 / 1 · Frame 2 / 3');
    await waitViewportReady(page);
    await page.keyboard.press('v');
    await page.mouse.click(disc.centreX, disc.centreY);
    await expect
      .poll(
        async () => (await listedMeasurements(page)).find((m) => m.kind === 'probe')?.text ?? '',
        {
          timeout: 15_000,
        },
      )
      .toMatch(/Image 1 · Frame 2[\s\S]*200\.0 HU/);
    await page.keyboard.press('w');
    await screenshotBothThemes(page, 'viewer-enhanced');
  });

  it('keeps the measurements after a restart of the app on the same data folder', async () => {
    await browser.close();
    expect(await app.stop()).toBe(0);
    app = await startApp({ dataDir: app.dataDir });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
    await openSeries(page, PATIENT, 'Axial phantom');
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('m');
    await expect
      .poll(async () => (await listedMeasurements(page)).map((m) => m.kind), { timeout: 15_000 })
      .toEqual(['length', 'length', 'ellipse', 'rectangle', 'angle']);
    const [across, , ellipse] = await listedMeasurements(page);
    expect(Math.abs((await lengthOf(page, across!.id)) - DIAMETER / 2)).toBeLessThanOrEqual(0.5);
    expect(ellipse!.text).toMatch(/Mean 200\.0 HU · SD 0\.0 HU/);
    // And drawn on the image: five shapes on the first slice.
    await expect.poll(() => viewport(page).locator('g[data-measurement-id]').count()).toBe(5);
    await screenshotBothThemes(page, 'viewer-measurements-after-restart');
  });
});
