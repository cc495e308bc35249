/**
 * Editable series details and the Anonymization Details name grid end to end (browser mode, Chromium, the
 * real local box): series tag chips added and removed by keyboard (checked through the box's API), a
 * series type picked from the autocomplete, Escape closing the suggestions, then Anonymize with a chosen
 * patient name. Screenshots in light and dark.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
const PETER = ['2062', '2392', '2693'].map((n) => pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`));

describe('series details and anonymization names (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let seriesId: number;

  async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${app.localboxApi}${path}`, {
      ...init,
      headers: { authorization: auth, 'content-type': 'application/json', ...init.headers },
    });
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
  }
  const tagNames = async () =>
    (await api<{ name: string }[]>(`/metadata/series/${seriesId}/seriestags`)).map((t) => t.name);
  const typeNames = async () =>
    (await api<{ name: string }[]>(`/metadata/series/${seriesId}/seriestypes`)).map((t) => t.name);

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    app = await startApp();
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  const patient = (text: string) => page.getByTestId('patient-row').filter({ hasText: text });
  const dialog = () => page.getByTestId('action-dialog');
  const phase = () => dialog().getAttribute('data-phase');

  it('imports a CT patient and another one; a series type exists', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await dropFiles(page, '#drop', [...PETER, testFile('test.dcm')]);
    await expect
      .poll(() => page.getByTestId('import-job').first().getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toBe('done');
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(2);
    await api('/seriestypes', {
      method: 'POST',
      body: JSON.stringify({ id: -1, name: 'Head CT' }),
    });
    const patients = await api<{ id: number; patientName: { value: string } }[]>(
      '/metadata/patients?count=10',
    );
    const peter = patients.find((p) => p.patientName.value.includes('Peter'))!;
    const [study] = await api<{ id: number }[]>(`/metadata/studies?count=10&patientid=${peter.id}`);
    const [series] = await api<{ id: number }[]>(`/metadata/series?count=10&studyid=${study!.id}`);
    seriesId = series!.id;
    const drawer = page.locator('button[aria-expanded="true"]').filter({ hasText: /^\s*Imports/ });
    if ((await drawer.count()) > 0) await drawer.first().click();
  });

  it('adds a tag and a type by keyboard; Escape closes the suggestions only', async () => {
    await patient('Peter').click();
    await expect.poll(() => page.getByTestId('study-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('study-row').first().click();
    await expect.poll(() => page.getByTestId('series-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('series-row').first().click();
    await page.getByTestId('view-button').click();
    await expect
      .poll(() => page.getByTestId('viewer').getAttribute('data-status'), { timeout: 30_000 })
      .toMatch(/ready|fallback/);
    await page.keyboard.press('i');
    const tagInput = page.getByTestId('series-tags-input');
    await expect.poll(() => tagInput.count(), { timeout: 15_000 }).toBe(1);

    await tagInput.focus();
    await page.keyboard.type('e2e tag');
    await page.keyboard.press('Enter');
    const tagChips = page.getByTestId('series-tags-chip');
    await expect.poll(() => tagChips.allInnerTexts(), { timeout: 15_000 }).toEqual(['e2e tag']);
    expect(await tagNames()).toEqual(['e2e tag']);

    const typeInput = page.getByTestId('series-types-input');
    await typeInput.focus();
    await page.keyboard.type('Hea');
    const suggestions = page.getByTestId('series-types-suggestions');
    await expect.poll(() => suggestions.innerText(), { timeout: 15_000 }).toContain('Head CT');
    await page.keyboard.press('Escape');
    await expect.poll(() => suggestions.count()).toBe(0);
    expect(await page.getByTestId('viewer').count()).toBe(1);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('series-types-chip').allInnerTexts(), { timeout: 15_000 })
      .toEqual(['Head CT']);
    expect(await typeNames()).toEqual(['Head CT']);
    await page.getByTestId('series-details').click({ position: { x: 2, y: 2 } });
    await screenshotBothThemes(page, 'series-details-edit');
  });

  it('removes chips by keyboard: Backspace in the empty input, then on the chip', async () => {
    await page.getByTestId('series-tags-input').focus();
    await page.keyboard.press('Backspace');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('series-tags-chip');
    await page.keyboard.press('Backspace');
    await expect
      .poll(() => page.getByTestId('series-tags-chip').count(), { timeout: 15_000 })
      .toBe(0);
    expect(await tagNames()).toEqual([]);
    await page.getByTestId('series-types-chip').focus();
    await page.keyboard.press('Delete');
    await expect
      .poll(() => page.getByTestId('series-types-chip').count(), { timeout: 15_000 })
      .toBe(0);
    expect(await typeNames()).toEqual([]);
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('viewer').count()).toBe(0);
  });

  it('Anonymization Details: a chosen name for the patient; the list shows it', async () => {
    await patient('Peter').click();
    await expect.poll(() => page.getByTestId('selection-count').count()).toBe(1);
    await page.getByTestId('selection-actions').focus();
    await page.keyboard.press('Enter');
    const menu = page.getByTestId('selection-menu');
    await expect.poll(() => menu.count()).toBe(1);
    await menu.locator('[role="menuitem"][data-action="anonymize"]').click();
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 15_000 }).toBe('details');
    const rows = page.getByTestId('anon-name-row');
    expect(await rows.count()).toBe(1);
    const name = rows.first().locator('input');
    expect(await name.inputValue()).toBe('anon 001');
    await page.getByTestId('anon-length').fill('4');
    await expect.poll(() => name.inputValue()).toBe('anon 0001');
    await name.fill('Case^Zero');
    await screenshotBothThemes(page, 'action-anonymize-names');
    await page.getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('patient-row').allInnerTexts(), { timeout: 15_000 })
      .toContainEqual(expect.stringMatching(/^Case, Zero/));
    expect(await patient('Peter').count()).toBe(0);
  });
});
