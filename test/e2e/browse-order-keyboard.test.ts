/**
 * The browser as a new user tries it (issue 10, findings 4, 5, 8 and the filter's source names):
 * - the Images column lists a series by instance number (6–10, not the order of arrival 10, 6, 8, 7, 9)
 *   and its columns sort; patient names sort case-insensitively ("anon270" among the A's);
 * - Esc out of the viewer gives the keyboard focus back to the list that opened it (Shift+F10 works);
 *   a double-click on a series opens the viewer;
 * - the Actions menu opens beside its button or beside a right-click, never under the pointer, and the
 *   item under the pointer is the focused one;
 * - the export strip covers nothing (the Actions button stays clickable) and a dismissal survives a reload;
 * - import sessions whose names differ only at the end are told apart in the advanced filter.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';
import { sopInstanceUid } from './support/import-fixtures.js';

/** Series B of Doe^Peter: instance numbers 6..10, uploaded out of order (10, 6, 8, 7, 9). */
const SERIES_B_UPLOAD_ORDER = ['3353', '2062', '2693', '2392', '3023'].map((n) =>
  pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`),
);

type Box = { x: number; y: number; width: number; height: number };
const contains = (b: Box, x: number, y: number) =>
  x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
const intersects = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function box(locator: Locator): Promise<Box> {
  const b = await locator.boundingBox();
  if (!b) throw new Error('element is not visible');
  return b;
}

/** The data-testid (or role and text) of the focused element, to see where the keyboard focus is. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    const panel = el.closest('[data-panel]')?.getAttribute('data-panel');
    const role = el.getAttribute('role') ?? el.tagName.toLowerCase();
    return panel ? `${panel}:${role}` : `${role}:${(el.textContent ?? '').trim()}`;
  });
}

describe('browse order, keyboard and popups (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;

  async function upload(path: string): Promise<void> {
    const res = await fetch(`${app.localboxApi}/images`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
      body: await readFile(path),
    });
    expect(res.status, await res.text()).toBe(201);
  }

  async function openPeterSeriesB(): Promise<void> {
    await page.getByTestId('patient-row').filter({ hasText: 'Peter' }).click();
    await expect.poll(() => page.getByTestId('study-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('study-row').first().click();
    await expect.poll(() => page.getByTestId('series-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('series-row').first().click();
    await expect.poll(() => page.getByTestId('image-row').count(), { timeout: 15_000 }).toBe(5);
  }

  const instanceNumbers = async () =>
    (await page.getByTestId('image-row').allInnerTexts()).map((t) => t.trim().split(/\s+/)[0]);

  beforeAll(async () => {
    app = await startApp();
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    // One at a time, so the database order is exactly this order.
    for (const path of SERIES_B_UPLOAD_ORDER) await upload(path);
    await upload(testFile('test.dcm')); // anon270
    await upload(pydicomFile('liver_1frame.dcm')); // JANCT000
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('sorts patient names case-insensitively', async () => {
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(3);
    await page.locator('[data-panel="patients"] [data-sort-key="patientName"]').click();
    await expect
      .poll(async () =>
        (await page.getByTestId('patient-row').allInnerTexts()).map((t) => t.split('\n')[0]),
      )
      .toEqual(['anon270', 'Doe, Peter', 'JANCT000']);
    await page.locator('[data-panel="patients"] [data-sort-key="patientName"]').click();
    await expect
      .poll(async () =>
        (await page.getByTestId('patient-row').allInnerTexts()).map((t) => t.split('\n')[0]),
      )
      .toEqual(['JANCT000', 'Doe, Peter', 'anon270']);
  });

  it('lists a series by instance number, and sorts by either image column', async () => {
    await openPeterSeriesB();
    expect(await instanceNumbers()).toEqual(['6', '7', '8', '9', '10']);
    const numberHeader = page.locator('[data-panel="images"] [data-sort-key="instanceNumber"]');
    // The column says how it is sorted: by number, ascending.
    expect(await numberHeader.innerText()).toMatch(/^no\.\s*\(sorted ascending\)$/i);
    await numberHeader.click();
    await expect.poll(instanceNumbers).toEqual(['10', '9', '8', '7', '6']);

    // SOP Instance UIDs sort component by component; the expected order comes from the files.
    const uids = await Promise.all(
      SERIES_B_UPLOAD_ORDER.map(async (path) => sopInstanceUid(await readFile(path))),
    );
    const byComponents = [...uids].sort((a, b) => {
      const pa = a.split('.').map(BigInt);
      const pb = b.split('.').map(BigInt);
      for (let i = 0; i < Math.min(pa.length, pb.length); i++)
        if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
      return pa.length - pb.length;
    });
    await page.locator('[data-panel="images"] [data-sort-key="sopInstanceUID"]').click();
    await expect
      .poll(() =>
        page
          .getByTestId('image-row')
          .locator('[title]')
          .evaluateAll((cells) => cells.map((c) => c.getAttribute('title'))),
      )
      .toEqual(byComponents);
    await numberHeader.click();
    await expect.poll(instanceNumbers).toEqual(['6', '7', '8', '9', '10']);
    await screenshotBothThemes(page, 'browse-images-instance-order');
  });

  it('gives the focus back to the image list when Esc closes the viewer; Shift+F10 then opens the menu', async () => {
    const images = page.locator('[data-panel="images"] [role="listbox"]');
    await page.getByTestId('image-row').nth(2).click();
    expect(await focused(page)).toBe('images:listbox');
    await page.keyboard.press('Enter');
    const viewer = page.getByTestId('viewer');
    await expect.poll(() => viewer.count()).toBe(1);
    await expect
      .poll(() => viewer.getAttribute('data-status'), { timeout: 30_000 })
      .toMatch(/ready|fallback/);
    expect(await viewer.getAttribute('data-index')).toBe('2');
    await page.keyboard.press('Escape');
    await expect.poll(() => viewer.count()).toBe(0);
    await expect.poll(() => focused(page)).toBe('images:listbox');
    await page.keyboard.press('Shift+F10');
    const menu = page.getByTestId('selection-menu');
    await expect.poll(() => menu.count()).toBe(1);
    // The menu acts on the focused image: images offer Download, Modify and Delete.
    expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual([
      'Download / export…',
      'Modify…',
      'Delete…',
    ]);
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    await expect.poll(() => images.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('opens the viewer on a double-clicked series, and returns the focus to the series list', async () => {
    await page.getByTestId('series-row').first().dblclick();
    const viewer = page.getByTestId('viewer');
    await expect.poll(() => viewer.count()).toBe(1);
    await expect
      .poll(() => viewer.getAttribute('data-status'), { timeout: 30_000 })
      .toMatch(/ready|fallback/);
    expect(await page.getByTestId('viewer-position').innerText()).toContain('/ 5');
    await page.keyboard.press('Escape');
    await expect.poll(() => viewer.count()).toBe(0);
    await expect.poll(() => focused(page)).toBe('series:listbox');
  });

  it('opens the Actions menu beside its button, off the pointer; the hovered item is the focused one', async () => {
    await page.getByTestId('series-row').first().click();
    const button = page.getByTestId('selection-actions');
    const buttonBox = await box(button);
    const click = { x: buttonBox.x + buttonBox.width / 2, y: buttonBox.y + buttonBox.height / 2 };
    await page.mouse.click(click.x, click.y);
    const menu = page.getByTestId('selection-menu');
    await expect.poll(() => menu.count()).toBe(1);
    const menuBox = await box(menu);
    expect(contains(menuBox, click.x, click.y)).toBe(false);
    // Right above (or below) the button, right edges aligned, inside the window.
    const above = menuBox.y + menuBox.height <= buttonBox.y + 0.5;
    const below = menuBox.y >= buttonBox.y + buttonBox.height - 0.5;
    expect(above || below).toBe(true);
    const gap = above
      ? buttonBox.y - (menuBox.y + menuBox.height)
      : menuBox.y - (buttonBox.y + buttonBox.height);
    expect(gap).toBeLessThanOrEqual(8);
    expect(Math.abs(menuBox.x + menuBox.width - (buttonBox.x + buttonBox.width))).toBeLessThan(1);
    const viewport = page.viewportSize()!;
    expect(menuBox.y).toBeGreaterThanOrEqual(0);
    expect(menuBox.y + menuBox.height).toBeLessThanOrEqual(viewport.height);
    // The first item has the focus; the pointer is over no item.
    expect(await focused(page)).toBe('menuitem:Summary…');
    const hovered = () =>
      menu.evaluate((m) => [...m.querySelectorAll(':hover')].map((e) => e.textContent?.trim()));
    expect(await hovered()).toEqual([]);
    // Moving the pointer over an item focuses it: one highlighted item, the same for both.
    const send = menu.getByRole('menuitem', { name: 'Send…', exact: true });
    const sendBox = await box(send);
    await page.mouse.move(sendBox.x + 20, sendBox.y + sendBox.height / 2, { steps: 4 });
    await expect.poll(() => focused(page)).toBe('menuitem:Send…');
    const highlighted = await menu
      .getByRole('menuitem')
      .evaluateAll((items) =>
        items
          .filter((i) => getComputedStyle(i).backgroundColor !== 'rgba(0, 0, 0, 0)')
          .map((i) => i.textContent?.trim()),
      );
    expect(highlighted).toEqual(['Send…']);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => focused(page)).toBe('menuitem:Send to SCP…');
    await screenshotBothThemes(page, 'browse-actions-menu');
    expect(await focused(page)).toBe('menuitem:Send to SCP…');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    await expect.poll(() => focused(page)).toBe('button:Actions ▾');
  });

  it('opens the context menu beside a right-click, not under it', async () => {
    const row = page.getByTestId('patient-row').filter({ hasText: 'anon270' });
    const rowBox = await box(row);
    const at = { x: rowBox.x + 40, y: rowBox.y + rowBox.height / 2 };
    await page.mouse.click(at.x, at.y, { button: 'right' });
    const menu = page.getByTestId('selection-menu');
    await expect.poll(() => menu.count()).toBe(1);
    const menuBox = await box(menu);
    expect(contains(menuBox, at.x, at.y)).toBe(false);
    expect(await focused(page)).toBe('menuitem:Summary…');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
  });

  it('docks the export strip where it covers nothing; a dismissal survives a reload', async () => {
    await page.getByTestId('patient-row').filter({ hasText: 'anon270' }).click();
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByTestId('export-button').click();
    // The Export dialog says what the zip holds before anything is written.
    const dialog = page.getByTestId('action-dialog');
    await expect.poll(() => dialog.getAttribute('data-phase'), { timeout: 30_000 }).toBe('confirm');
    await dialog.getByTestId('action-confirm').click();
    await download;
    const job = page.getByTestId('export-job').first();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    const actions = page.getByTestId('selection-actions');
    const strip = page.getByTestId('export-job').first();
    expect(intersects(await box(strip), await box(actions))).toBe(false);
    expect(intersects(await box(strip), await box(page.getByTestId('selection-bar')))).toBe(false);
    // What a click on the Actions button's centre reaches is the button itself.
    const a = await box(actions);
    expect(
      await page.evaluate(
        ({ x, y }) =>
          document.elementFromPoint(x, y)?.closest('[data-testid]')?.getAttribute('data-testid'),
        { x: a.x + a.width / 2, y: a.y + a.height / 2 },
      ),
    ).toBe('selection-actions');
    await screenshotBothThemes(page, 'browse-export-strip');

    await page.getByTestId('export-dismiss').first().click();
    await expect.poll(() => page.getByTestId('export-job').count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(3);
    // A new export after the reload: the window asked for the list of exports when it started, before
    // this one, so once this one shows, the dismissed one would show too if it were listed.
    await page.getByTestId('patient-row').filter({ hasText: 'JANCT000' }).click();
    const again = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByTestId('export-button').click();
    await expect.poll(() => dialog.getAttribute('data-phase'), { timeout: 30_000 }).toBe('confirm');
    await dialog.getByTestId('action-confirm').click();
    await again;
    await expect
      .poll(() => page.getByTestId('export-job').first().getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toBe('done');
    expect(await page.getByTestId('export-job').count()).toBe(1);
  });

  it('tells apart import sessions whose names differ only at the end', async () => {
    const names = [
      'Import 2026-12-07 11:42 (120 files) from the ward A archive',
      'Import 2026-12-07 11:42 (120 files) from the ward B archive',
    ];
    for (const name of names) {
      const res = await fetch(`${app.localboxApi}/import/sessions`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: -1,
          name,
          userId: -1,
          user: '',
          filesImported: 0,
          filesAdded: 0,
          filesRejected: 0,
          created: 0,
          lastUpdated: 0,
        }),
      });
      expect(res.status, await res.text()).toBe(201);
    }
    await page.getByTestId('advanced-filter-button').click();
    const sources = page
      .getByTestId('advanced-filter')
      .locator('fieldset')
      .filter({ has: page.locator('legend', { hasText: 'Sources' }) })
      .locator('label');
    await expect.poll(() => sources.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const label = sources.filter({ hasText: name });
      expect(await label.count()).toBe(1);
      // Nothing of the name is cut off: the label shows all of its text (it wraps instead).
      const overflow = await label.evaluate((el) => ({
        width: el.scrollWidth - el.clientWidth,
        height: el.scrollHeight - el.clientHeight,
      }));
      expect(overflow.width).toBeLessThanOrEqual(1);
      expect(overflow.height).toBeLessThanOrEqual(1);
      // And the full name on hover.
      expect(await label.getAttribute('title')).toBe(`${name} (import)`);
      const text = label.locator('span').first();
      const textBox = await box(text);
      const labelBox = await box(label);
      expect(textBox.x + textBox.width).toBeLessThanOrEqual(labelBox.x + labelBox.width + 1);
    }
    await screenshotBothThemes(page, 'browse-advanced-filter-sources');
    await page.keyboard.press('Escape');
  });
});
