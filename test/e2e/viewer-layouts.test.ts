/**
 * The viewer's layouts (issue 11), end to end in browser mode on generated axial CT series:
 *
 * - 1 × 2 and 2 × 2 layouts from the keyboard, the active viewport marked;
 * - a series dragged from Browse (shown above the viewer with D) into a viewport opens there, and so does one
 *   dragged from the thumbnail strip;
 * - synchronized scrolling: two series with the same Frame of Reference UID (5 mm slices feet to head, 4 mm slices
 *   head to feet) follow each other to the nearest slice along the normal; a series of another frame of reference
 *   does not move; S turns it off and on;
 * - O hides every overlay and shows it again; `?` lists every key of the viewer.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWER_KEYS } from '../../src-renderer/lib/viewer/keymap.js';
import { ORIENTATIONS, phantomSeries, uid } from '../fixtures/phantom.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';
import {
  openSeries,
  selectSeries,
  uploadToLocalbox,
  viewport,
  waitViewportReady,
} from './support/viewer.js';

const PATIENT = 'Layout';
const frameOfReference = uid();
const studyUid = uid();
const base = {
  rows: 128,
  columns: 128,
  rowSpacing: 1,
  columnSpacing: 1,
  discDiameter: 60,
  discHu: 300,
  backgroundHu: -100,
  studyUid,
  patientName: 'Layout^Sync',
  patientId: 'PH-LAYOUT',
  orientation: ORIENTATIONS.axial,
};
/** A: 10 slices at z = 0, 5, … 45 mm; B: 12 slices at z = 46, 42, … 2 mm (head to feet); C: elsewhere. */
const A = Array.from({ length: 10 }, (_, i) => 5 * i);
const B = Array.from({ length: 12 }, (_, i) => 46 - 4 * i);

function nearest(positions: number[], z: number): number {
  let best = 0;
  positions.forEach((p, i) => {
    if (Math.abs(p - z) < Math.abs(positions[best]! - z)) best = i;
  });
  return best;
}

describe('viewer layouts, drag and drop and synchronized scrolling (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startApp();
    await uploadToLocalbox(app, [
      ...phantomSeries({
        ...base,
        frameOfReferenceUid: frameOfReference,
        positions: A,
        seriesNumber: 1,
        seriesDescription: 'Sync A',
      }).files,
      ...phantomSeries({
        ...base,
        frameOfReferenceUid: frameOfReference,
        positions: B,
        seriesNumber: 2,
        seriesDescription: 'Sync B',
        rows: 100,
        columns: 100,
        rowSpacing: 0.8,
        columnSpacing: 0.8,
      }).files,
      ...phantomSeries({
        ...base,
        positions: [0, 10, 20, 30],
        seriesNumber: 3,
        seriesDescription: 'Other frame',
      }).files,
    ]);
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  const index = (slot: number) => viewport(page, slot).getAttribute('data-index').then(Number);

  it('splits the viewer 1 × 2 from the keyboard, with an empty second viewport', async () => {
    await openSeries(page, PATIENT, 'Sync A');
    const viewer = page.getByTestId('viewer');
    await viewer.focus();
    await page.keyboard.press('Shift+Digit2');
    expect(await viewer.getAttribute('data-layout')).toBe('1x2');
    await expect.poll(() => page.getByTestId('viewer-viewport').count()).toBe(2);
    expect(await viewport(page, 0).getAttribute('data-active')).toBe('true');
    expect(await viewport(page, 1).getByTestId('viewer-viewport-empty').innerText()).toMatch(
      /Drag a series here/,
    );
  });

  it('opens a series dragged from Browse (above the viewer) in the viewport it is dropped on', async () => {
    await page.keyboard.press('d');
    expect(await page.getByTestId('viewer-browse-beside').getAttribute('aria-pressed')).toBe(
      'true',
    );
    const row = await selectSeries(page, PATIENT, 'Sync B');
    await row.dragTo(viewport(page, 1));
    await waitViewportReady(page, 1);
    expect(await viewport(page, 1).getAttribute('data-active')).toBe('true');
    expect(await viewport(page, 1).getByTestId('viewer-overlay-study').innerText()).toContain(
      'Sync B',
    );
    await screenshotBothThemes(page, 'viewer-browse-above');
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('d');
  });

  it('scrolls the other series to the nearest slice along the normal (same frame of reference)', async () => {
    // Viewport 1 (A) active: seven slices on, A is at z = 35 mm; B follows to its slice at 34 mm.
    await viewport(page, 0).click();
    await page.keyboard.press('Home');
    for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => index(0)).toBe(7);
    await expect.poll(() => index(1), { timeout: 15_000 }).toBe(nearest(B, A[7]!));
    expect(nearest(B, A[7]!)).toBe(3);
    await page.keyboard.press('Home'); // z = 0 → B's slice at 2 mm, its last
    await expect.poll(() => index(1), { timeout: 15_000 }).toBe(11);
    await screenshotBothThemes(page, 'viewer-layout-1x2-sync');
    // The other way round: B drives A. B's first slice (46 mm) → A's last (45 mm).
    await viewport(page, 1).click();
    await page.keyboard.press('Home');
    await expect.poll(() => index(0), { timeout: 15_000 }).toBe(9);
    await page.keyboard.press('PageDown'); // B index 10 (6 mm) → A at 5 mm
    await expect.poll(() => index(0), { timeout: 15_000 }).toBe(1);
  });

  it('stops following when synchronization is off (S), and follows again when on', async () => {
    await viewport(page, 0).click();
    await page.keyboard.press('s');
    expect(await page.getByTestId('viewer').getAttribute('data-sync')).toBe('false');
    const before = await index(1);
    await page.keyboard.press('End');
    await expect.poll(() => index(0)).toBe(9);
    await page.waitForTimeout(500);
    expect(await index(1)).toBe(before);
    await page.keyboard.press('s'); // on again: B catches up with A (45 mm → 46 mm, its first)
    await expect.poll(() => index(1), { timeout: 15_000 }).toBe(0);
  });

  it('in 2 × 2, opens a thumbnail dragged into a viewport; another frame of reference does not follow', async () => {
    await page.keyboard.press('Shift+Digit4');
    await expect.poll(() => page.getByTestId('viewer-viewport').count()).toBe(4);
    await viewport(page, 0).click();
    // The strip shows the active viewport's series (A): its 4th image into viewport 3.
    await page.getByTestId('viewer-thumbnail').nth(3).dragTo(viewport(page, 2));
    await waitViewportReady(page, 2);
    // A in both viewports 1 and 3: viewport 3 opened at the dragged image, then scrolls with viewport 1.
    expect(await viewport(page, 2).getByTestId('viewer-overlay-study').innerText()).toContain(
      'Sync A',
    );
    await page.keyboard.press('d');
    const other = await selectSeries(page, PATIENT, 'Other frame');
    await other.dragTo(viewport(page, 3));
    await waitViewportReady(page, 3);
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('d');
    await viewport(page, 3).click();
    await page.keyboard.press('Home');
    await viewport(page, 0).click();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => index(0)).toBe(2);
    await expect.poll(() => index(2), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => index(1), { timeout: 15_000 }).toBe(nearest(B, 10));
    await page.waitForTimeout(500);
    expect(await index(3)).toBe(0);
    expect(await viewport(page, 0).getAttribute('data-active')).toBe('true');
    await screenshotBothThemes(page, 'viewer-layout-2x2');
  });

  it('hides every overlay with O and shows them again', async () => {
    const overlays = page.locator(
      '[data-testid^="viewer-overlay-"], [data-testid^="viewer-marker-"], [data-testid="viewer-scale-bar"]',
    );
    const shown = await overlays.count();
    expect(shown).toBeGreaterThanOrEqual(4 * 9);
    await page.keyboard.press('o');
    await expect.poll(() => overlays.count()).toBe(0);
    await screenshotBothThemes(page, 'viewer-overlays-off');
    await page.keyboard.press('o');
    await expect.poll(() => overlays.count()).toBe(shown);
  });

  it('lists every key of the viewer in the help overlay (?)', async () => {
    await page.keyboard.press('Shift+Slash');
    const help = page.getByTestId('viewer-help');
    await expect.poll(() => help.count()).toBe(1);
    const listed = await help
      .getByTestId('viewer-help-key')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    expect(listed.sort()).toEqual(VIEWER_KEYS.map((k) => k.action).sort());
    await screenshotBothThemes(page, 'viewer-help');
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    expect(await page.getByTestId('viewer').count()).toBe(1);
    await page.keyboard.press('Shift+Digit1');
    await expect.poll(() => page.getByTestId('viewer-viewport').count()).toBe(1);
  });
});
