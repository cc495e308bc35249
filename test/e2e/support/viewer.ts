/**
 * Helpers of the viewer's end-to-end tests: putting generated DICOM into the app's local box (as any Slicebox
 * client does, `POST /api/images`), opening a series from Browse, and reading what a viewport's canvas shows.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { RunningApp } from './app-process.js';

/** Uploads DICOM files to the app's local box; answers their image ids. */
export async function uploadToLocalbox(
  app: RunningApp,
  files: readonly Buffer[],
): Promise<number[]> {
  const credentials = JSON.parse(
    await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
  ) as { user: string; password: string };
  const authorization =
    'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
  const ids: number[] = [];
  for (const file of files) {
    const res = await fetch(`${app.localboxApi}/images`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/octet-stream' },
      body: file,
    });
    if (res.status !== 201 && res.status !== 200) {
      throw new Error(`Upload failed: HTTP ${res.status} ${await res.text()}`);
    }
    ids.push(((await res.json()) as { id: number }).id);
  }
  return ids;
}

/** The viewport of a slot (0-based), or the active one. */
export function viewport(page: Page, slot?: number): Locator {
  return slot === undefined
    ? page.locator('[data-testid="viewer-viewport"][data-active="true"]')
    : page.locator(`[data-testid="viewer-viewport"][data-slot="${slot}"]`);
}

export async function waitViewportReady(page: Page, slot?: number): Promise<void> {
  await expect
    .poll(() => viewport(page, slot).getAttribute('data-status'), { timeout: 30_000 })
    .toBe('ready');
}

/** Drills Browse to the series with this description (patient and study first) and selects it. */
export async function selectSeries(page: Page, patient: string, series: string): Promise<Locator> {
  const patientRow = page.getByTestId('patient-row').filter({ hasText: patient });
  await expect.poll(() => patientRow.count(), { timeout: 30_000 }).toBe(1);
  await patientRow.click();
  await expect.poll(() => page.getByTestId('study-row').count(), { timeout: 15_000 }).toBe(1);
  if ((await page.getByTestId('series-row').count()) === 0) {
    await page.getByTestId('study-row').first().click();
  }
  const row = page.getByTestId('series-row').filter({ hasText: series });
  await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
  await row.click();
  return row;
}

/** Opens a series in the viewer (double-click on its row, as a user does) and waits for its image. */
export async function openSeries(page: Page, patient: string, series: string): Promise<void> {
  const row = await selectSeries(page, patient, series);
  await row.dblclick();
  await waitViewportReady(page);
}

/** Where the bright disc crosses the centre row and column of a viewport's canvas (sub-pixel, page CSS px). */
export interface DiscOnScreen {
  left: number;
  right: number;
  top: number;
  bottom: number;
  centreX: number;
  centreY: number;
}

/**
 * Finds the disc of the phantom on screen: along the canvas' centre row and column, the first and last
 * crossings of mid-grey, interpolated between canvas pixels (the canvas is drawn with bilinear smoothing, so
 * mid-grey lies on the boundary between a disc pixel and a background pixel).
 */
export async function discOnScreen(page: Page, slot?: number): Promise<DiscOnScreen> {
  const canvas = viewport(page, slot).getByTestId('viewer-canvas');
  const box = (await canvas.boundingBox())!;
  const found = await canvas.evaluate((element: HTMLCanvasElement) => {
    const ctx = element.getContext('2d')!;
    const { width, height } = element;
    const scale = width / element.getBoundingClientRect().width;
    const row = ctx.getImageData(0, Math.floor(height / 2), width, 1).data;
    const column = ctx.getImageData(Math.floor(width / 2), 0, 1, height).data;
    const crossings = (data: Uint8ClampedArray, n: number): [number, number] => {
      const v = (i: number) => data[i * 4]!;
      let first = -1;
      let last = -1;
      for (let i = 0; i + 1 < n; i++) {
        const a = v(i) - 127.5;
        const b = v(i + 1) - 127.5;
        if (a < 0 && b >= 0 && first < 0) first = i + a / (a - b);
        if (a >= 0 && b < 0) last = i + a / (a - b);
      }
      // Canvas pixel i covers [i, i + 1): its value is the one at its centre, i + 0.5.
      return [first + 0.5, last + 0.5];
    };
    const [left, right] = crossings(row, width);
    const [top, bottom] = crossings(column, height);
    return { left, right, top, bottom, scale };
  });
  const s = found.scale;
  return {
    left: box.x + found.left / s,
    right: box.x + found.right / s,
    top: box.y + found.top / s,
    bottom: box.y + found.bottom / s,
    centreX: box.x + box.width / 2,
    centreY: box.y + box.height / 2,
  };
}

/** Drags with the left button from one page point to another, in steps, as a hand does. */
export async function drag(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

/** The figures of the measurements listed in the panel, in order (e.g. "Length" → 80.01). */
export async function listedMeasurements(
  page: Page,
): Promise<{ kind: string; text: string; id: string }[]> {
  const items = page.getByTestId('viewer-measurement');
  const out: { kind: string; text: string; id: string }[] = [];
  for (let i = 0; i < (await items.count()); i++) {
    const item = items.nth(i);
    out.push({
      kind: (await item.getAttribute('data-kind')) ?? '',
      text: await item.innerText(),
      id: (await item.getAttribute('data-measurement-id')) ?? '',
    });
  }
  return out;
}

/** The first number after `label` in a text, e.g. figure("Mean 200.0 HU", "Mean") = 200. */
export function figure(text: string, label = ''): number {
  const match = new RegExp(`${label}\\s*(-?\\d+(?:\\.\\d+)?)`).exec(text);
  if (!match?.[1]) throw new Error(`No ${label || 'number'} in ${JSON.stringify(text)}`);
  return Number(match[1]);
}
