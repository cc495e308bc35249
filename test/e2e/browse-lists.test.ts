/**
 * Browsing end to end (browse mode, real local box, Chromium): the "All series" tab lists, sorts and
 * filters on the server; the advanced filter by series tag narrows the patients; multi-selection by
 * mouse and keyboard; the selection bar and its menu; and a list of many patients (10,000 by default,
 * `SBX_E2E_ROWS` to change) stays virtualized: far fewer row elements than rows, and scrolling to the
 * end shows the last patient.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSlices, makeTemplate, type SliceTemplate } from '../../bench/generate-slices.js';
import { pydicomFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
const MANY = Number(process.env.SBX_E2E_ROWS) || 10_000;

describe('browse lists (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let template: SliceTemplate;

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${app.localboxApi}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status}`);
    return res.status === 204 ? undefined : res.json();
  };

  /** Posts generated 8×8 CT slices, one patient/study/series each, `parallel` at a time. */
  async function post(count: number, firstPatient: number, parallel = 24): Promise<void> {
    const slices = generateSlices(template, {
      count,
      imagesPerSeries: 1,
      seriesPerStudy: 1,
      studiesPerPatient: 1,
      firstPatient,
    });
    const worker = async () => {
      for (let next = slices.next(); !next.done; next = slices.next()) {
        const res = await fetch(`${app.localboxApi}/images`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/octet-stream' },
          body: next.value.bytes,
        });
        await res.arrayBuffer();
        if (res.status !== 201 && res.status !== 200) throw new Error(`upload: ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }

  const rows = (testId: string) => page.getByTestId(testId);
  const selected = (testId: string) =>
    page.locator(`[data-testid="${testId}"][aria-selected="true"]`);

  async function refresh(): Promise<void> {
    await page
      .getByRole('button', { name: /refresh/i })
      .first()
      .click();
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    template = makeTemplate(pydicomFile('CT_small.dcm'), 8, 8);
    app = await startApp();
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    await post(6, 0, 1);
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('lists every series in the All series tab, sorts by a column and filters', async () => {
    await expect.poll(() => rows('patient-row').count(), { timeout: 30_000 }).toBe(6);
    await page.getByTestId('browse-tab-flat').click();
    await expect.poll(() => rows('flat-series-row').count(), { timeout: 15_000 }).toBe(6);
    expect(await page.getByTestId('browse-tab-flat').getAttribute('aria-selected')).toBe('true');

    // Sort by series description, then flip to descending.
    const header = page.locator('[data-panel="flat"] [data-sort-key="seriesDescription"]');
    await header.click();
    await expect.poll(() => rows('flat-series-row').first().innerText()).toContain('SERIES 00000');
    await header.click();
    await expect.poll(() => rows('flat-series-row').first().innerText()).toContain('SERIES 00005');
    await screenshotBothThemes(page, 'browse-flat-series');

    await page.getByTestId('flat-filter').fill('P00000003');
    await expect.poll(() => rows('flat-series-row').count(), { timeout: 10_000 }).toBe(1);
    expect(await rows('flat-series-row').innerText()).toContain('SERIES 00003');

    // Double-click opens the series in the drill-down: patient, study and series selected.
    await rows('flat-series-row').dblclick();
    await expect
      .poll(() => page.getByTestId('browse-tab-tree').getAttribute('aria-selected'))
      .toBe('true');
    await expect.poll(() => selected('series-row').count(), { timeout: 10_000 }).toBe(1);
    expect(await selected('patient-row').innerText()).toContain('BP00000003');
    await expect.poll(() => rows('image-row').count(), { timeout: 10_000 }).toBe(1);

    await page.getByTestId('browse-tab-flat').click();
    await page.getByTestId('flat-filter').fill('');
    await expect.poll(() => rows('flat-series-row').count(), { timeout: 10_000 }).toBe(6);

    // The tab list works with the keyboard.
    await page.getByTestId('browse-tab-flat').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByTestId('browse-tab-tree').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => rows('patient-row').count()).toBe(6);
  });

  it('narrows patients to those with a series of the chosen series tag', async () => {
    const flat = (await api('GET', '/metadata/flatseries?count=100')) as {
      id: number;
      patient: { patientID: { value: string } };
    }[];
    const target = flat.find((f) => f.patient.patientID.value === 'BP00000002')!;
    await api('POST', `/metadata/series/${target.id}/seriestags`, { id: -1, name: 'e2e-tag' });

    await page.getByTestId('advanced-filter-button').click();
    const dialog = page.getByTestId('advanced-filter');
    await dialog.getByLabel('e2e-tag').check();
    await screenshotBothThemes(page, 'browse-advanced-filter');
    await page.getByTestId('advanced-filter-apply').click();

    await expect.poll(() => rows('patient-row').count(), { timeout: 10_000 }).toBe(1);
    expect(await rows('patient-row').innerText()).toContain('BP00000002');
    await expect
      .poll(() => page.getByTestId('advanced-filter-chip').innerText())
      .toContain('e2e-tag');

    // The same filter applies to the flat list.
    await page.getByTestId('browse-tab-flat').click();
    await expect.poll(() => rows('flat-series-row').count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId('browse-tab-tree').click();

    // Removing the chip shows everyone again.
    await page.getByRole('button', { name: /Remove filter Tag: e2e-tag/ }).click();
    await expect.poll(() => rows('patient-row').count(), { timeout: 10_000 }).toBe(6);
  });

  it('multi-selects with Shift-click, Ctrl-click and the keyboard; the bar shows the count', async () => {
    const patients = rows('patient-row');
    await patients.nth(0).click();
    await expect.poll(() => rows('study-row').count(), { timeout: 10_000 }).toBe(1);
    await patients.nth(3).click({ modifiers: ['Shift'] });
    await expect.poll(() => selected('patient-row').count()).toBe(4);
    await expect
      .poll(() => page.getByTestId('selection-count').innerText())
      .toMatch(/4\s+patients/);
    const ids = async () =>
      selected('patient-row').evaluateAll((els) =>
        els.map((e) => (e as HTMLElement).dataset.rowId),
      );
    const all = await patients.evaluateAll((els) =>
      els.map((e) => (e as HTMLElement).dataset.rowId),
    );
    expect(await ids()).toEqual(all.slice(0, 4));

    await patients.nth(1).click({ modifiers: ['ControlOrMeta'] });
    await expect.poll(() => ids()).toEqual([all[0], all[2], all[3]]);

    // Escape back to the focused row alone; Shift+Down twice extends from it.
    await page.keyboard.press('Escape');
    await expect.poll(() => ids()).toEqual([all[1]]);
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    await expect.poll(() => ids()).toEqual([all[1], all[2], all[3]]);
    await page.keyboard.press('Shift+ArrowUp');
    await expect.poll(() => ids()).toEqual([all[1], all[2]]);
    expect(await page.getByTestId('patients-selected-count').innerText()).toContain('2 selected');

    await page.keyboard.press('ControlOrMeta+a');
    await expect.poll(() => selected('patient-row').count()).toBe(6);
    await expect
      .poll(() => page.getByTestId('selection-count').innerText())
      .toMatch(/6\s+patients/);
    expect(
      await page
        .locator('[role="listbox"][aria-labelledby="patients-title"]')
        .getAttribute('aria-multiselectable'),
    ).toBe('true');
    await screenshotBothThemes(page, 'browse-multi-select');

    // Shift+F10 opens the actions menu on the selection; Escape closes it and focus returns.
    await page.keyboard.press('Shift+F10');
    const menu = page.getByTestId('selection-menu');
    await expect.poll(() => menu.getByRole('menuitem').count()).toBe(8);
    expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual([
      'Summary…',
      'Send…',
      'Send to SCP…',
      'Download / export…',
      'Tag series…',
      'Anonymize…',
      'Modify…',
      'Delete…',
    ]);
    await screenshotBothThemes(page, 'browse-actions-menu');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);

    // The Actions button opens the same menu; Summary opens the action's dialog on the selection.
    await page.getByTestId('selection-actions').click();
    await menu.getByRole('menuitem', { name: 'Summary…' }).click();
    const dialog = page.getByTestId('action-dialog');
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(() => page.getByTestId('action-summary').innerText(), { timeout: 10_000 })
      .toMatch(/6/);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);

    // A plain click goes back to single selection and still drills down.
    await patients.nth(2).click();
    await expect.poll(() => selected('patient-row').count()).toBe(1);
    await expect.poll(() => rows('study-row').count(), { timeout: 10_000 }).toBe(1);
  });

  it('deletes two selected patients and reloads the list in place', async () => {
    const patients = rows('patient-row');
    await patients.nth(4).click();
    await patients.nth(5).click({ modifiers: ['Shift'] });
    await expect.poll(() => selected('patient-row').count()).toBe(2);
    await page.getByTestId('selection-actions').click();
    await page.getByTestId('selection-menu').getByRole('menuitem', { name: 'Delete…' }).click();
    await page.getByTestId('action-confirm').click();
    await expect.poll(() => patients.count(), { timeout: 20_000 }).toBe(4);
    const dialog = page.getByTestId('action-dialog');
    if (await dialog.isVisible()) await page.keyboard.press('Escape');
    expect(await patients.allInnerTexts()).not.toContainEqual(
      expect.stringContaining('BP00000005'),
    );
  });

  it(`keeps ${MANY} patients virtualized and scrolls to the last one`, async () => {
    await post(MANY, 1000);
    await refresh();
    // Sort by patient ID so the last one is known.
    await page.locator('[data-panel="patients"] [data-sort-key="patientID"]').click();
    await expect
      .poll(() => page.getByTestId('patients-count').innerText(), { timeout: 30_000 })
      .toBe('100+');
    const last = `BP${String(1000 + MANY - 1).padStart(8, '0')}`;
    const scroller = page.locator('[data-panel="patients"] .scroll');
    for (let round = 0; round < MANY / 100 + 20; round++) {
      const text = await page.getByTestId('patients-count').innerText();
      if (!text.endsWith('+')) break;
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await expect
        .poll(() => page.getByTestId('patients-count').innerText(), { timeout: 30_000 })
        .not.toBe(text);
    }
    expect(await page.getByTestId('patients-count').innerText()).toBe(String(MANY + 4));
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => rows('patient-row').last().innerText()).toContain(last);
    const rendered = await rows('patient-row').count();
    expect(rendered).toBeLessThan(120);
    // End on the keyboard selects the last row, which is rendered with its position in the set.
    await page.locator('[role="listbox"][aria-labelledby="patients-title"]').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('End');
    const focused = selected('patient-row');
    await expect.poll(() => focused.innerText()).toContain(last);
    expect(await focused.getAttribute('aria-posinset')).toBe(String(MANY + 4));
    expect(await focused.getAttribute('aria-setsize')).toBe(String(MANY + 4));
    expect(await rows('patient-row').count()).toBeLessThan(120);
    await page.screenshot({ path: join(ARTIFACTS, 'browse-many-patients-light.png') });
  }, 600_000);
});
