/**
 * Admin → Series types and Admin → Filtering end to end (browser mode, Chromium, the real local box), driven
 * mostly by keyboard: Admin is the last tab; Series types is the first section. A type "CT head" gets a rule
 * Modality = CT; a CT file uploaded through REST gets the type; the type is renamed, its attribute removed
 * and the type deleted with a confirm. A BLACKLIST filter with PatientBirthDate is associated with an import
 * session: a file imported into that session arrives without its birth date; deleting the filter removes
 * its association. Every change is checked on the local box's REST API. Screenshots `admin-seriestypes-*`,
 * `admin-filtering-*`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { ARTIFACTS, launchBrowser, screenshotBothThemes } from './support/browser.js';

interface Attribute {
  tag: number;
  name: string;
  values: string;
}

describe('Admin: series types and filtering (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let typeId = 0;

  async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${app.localboxApi}${path}`, {
      ...init,
      headers: { authorization: auth, ...(init.headers ?? {}) },
    });
    expect(res.ok, `${path}: ${res.status}`).toBe(true);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function upload(path: string, file: string): Promise<{ id: number; seriesId: number }> {
    return api(path, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: await readFile(pydicomFile(file)),
    });
  }

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

  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el
        ? `${el.tagName.toLowerCase()}:${el.getAttribute('data-testid') ?? el.getAttribute('name') ?? el.id}`
        : '';
    });

  /** The text of the focused element: a dialog's primary button has the focus once it is ready. */
  const focusedText = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      const dialog = el?.closest('dialog')?.getAttribute('data-testid') ?? '';
      return `${dialog}:${el?.textContent?.trim() ?? ''}`;
    });

  async function press(testId: string): Promise<void> {
    await page.getByTestId(testId).first().focus();
    await page.keyboard.press('Enter');
  }

  const typeRow = (name: string) =>
    page.locator(`[data-testid="seriestype-row"][data-name="${name}"]`);

  it('reaches Admin by keyboard; Series types is the first section and empty', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('End');
    await expect
      .poll(() => page.getByTestId('nav-admin').getAttribute('aria-selected'))
      .toBe('true');
    await expect
      .poll(() => page.getByTestId('admin-section').getAttribute('data-section'))
      .toBe('series-types');
    const tabs = await page
      .locator('[role="tab"][data-testid^="admin-tab-"]')
      .evaluateAll((t) => t.map((e) => e.getAttribute('data-testid')));
    expect(tabs).toEqual([
      'admin-tab-series-types',
      'admin-tab-filtering',
      'admin-tab-series-tags',
      'admin-tab-log',
      'admin-tab-anonymization',
      'admin-tab-users',
      'admin-tab-system',
    ]);
    await expect
      .poll(() => page.getByTestId('seriestypes-panel').innerText())
      .toContain('No series types yet');
    expect(await page.getByTestId('seriestypes-status').innerText()).toContain('up to date');
  });

  it('adds "CT head" with a rule Modality = CT; an uploaded CT series gets the type', async () => {
    await press('seriestypes-add');
    const dialog = page.getByTestId('seriestype-name-dialog');
    await expect.poll(() => dialog.count()).toBe(1);
    expect(await focused()).toBe('input:seriestype-name');
    await page.keyboard.type('CT head');
    await page.keyboard.press('Enter');
    await expect.poll(() => typeRow('CT head').count(), { timeout: 15_000 }).toBe(1);
    expect(await dialog.count()).toBe(0);
    const types = await api<{ id: number; name: string }[]>('/seriestypes');
    expect(types.map((t) => t.name)).toEqual(['CT head']);
    typeId = types[0]!.id;
    expect(await page.getByTestId('seriestype-rules-panel').innerText()).toContain(
      'Rules of CT head',
    );

    await press('seriestype-add-rule');
    await expect.poll(() => page.getByTestId('seriestype-rule').count()).toBe(1);
    await expect.poll(focused).toBe('button:seriestype-rule-add-attribute');
    await page.keyboard.press('Enter');
    const attributeDialog = page.getByTestId('seriestype-attribute-dialog');
    await expect.poll(() => attributeDialog.count()).toBe(1);
    await expect.poll(focused).toBe('input:tag-path');
    await page.keyboard.type('Modality');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:attribute-value');
    await page.keyboard.type('CT');
    await screenshotBothThemes(page, 'admin-seriestypes-attribute-dialog');
    await page.keyboard.press('Enter');
    const attribute = page.locator('[data-testid="seriestype-attribute"][data-path="Modality"]');
    await expect.poll(() => attribute.count(), { timeout: 15_000 }).toBe(1);
    expect(await attribute.getAttribute('data-value')).toBe('CT');
    const [rule] = await api<{ id: number }[]>(`/seriestypes/rules?seriestypeid=${typeId}`);
    expect(await api<Attribute[]>(`/seriestypes/rules/${rule!.id}/attributes`)).toMatchObject([
      { tag: 0x00080060, name: 'Modality', values: 'CT' },
    ]);

    const image = await upload('/images', 'CT_small.dcm');
    await expect
      .poll(
        async () =>
          (await api<{ name: string }[]>(`/metadata/series/${image.seriesId}/seriestypes`)).map(
            (t) => t.name,
          ),
        { timeout: 15_000 },
      )
      .toEqual(['CT head']);
    await expect
      .poll(() => page.getByTestId('seriestypes-status').innerText(), { timeout: 15_000 })
      .toContain('up to date');
    await screenshotBothThemes(page, 'admin-seriestypes-rules');
  });

  it('renames the type, removes the attribute and deletes the type with a confirm', async () => {
    await typeRow('CT head').getByTestId('seriestype-rename').focus();
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('input:seriestype-name');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Head CT');
    await page.keyboard.press('Enter');
    await expect.poll(() => typeRow('Head CT').count(), { timeout: 15_000 }).toBe(1);
    expect(await api<{ name: string }[]>('/seriestypes')).toMatchObject([{ name: 'Head CT' }]);

    await press('seriestype-attribute-remove');
    await expect.poll(() => page.getByTestId('seriestype-attribute').count()).toBe(0);
    expect(await page.getByTestId('seriestype-rule').innerText()).toContain('matches every series');
    const [rule] = await api<{ id: number }[]>(`/seriestypes/rules?seriestypeid=${typeId}`);
    expect(await api<Attribute[]>(`/seriestypes/rules/${rule!.id}/attributes`)).toEqual([]);

    await typeRow('Head CT').getByTestId('seriestype-delete').focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByTestId('seriestype-delete-dialog');
    await expect.poll(() => confirm.count()).toBe(1);
    expect(await confirm.innerText()).toContain('Delete the series type Head CT');
    await expect.poll(focusedText).toBe('seriestype-delete-dialog:Delete');
    await page.keyboard.press('Enter');
    await expect.poll(() => typeRow('Head CT').count(), { timeout: 15_000 }).toBe(0);
    expect(await api<unknown[]>('/seriestypes')).toEqual([]);
  });

  it('Filtering: a blacklist of PatientBirthDate on an import session strips the birth date', async () => {
    await page.getByTestId('admin-tab-series-types').focus();
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(() => page.getByTestId('admin-section').getAttribute('data-section'))
      .toBe('filtering');
    await expect.poll(() => page.getByTestId('filters-panel').innerText()).toContain('No filters');

    // The whitelist says it starts empty.
    await press('filters-add');
    const dialog = page.getByTestId('filter-dialog');
    await expect.poll(focused).toBe('input:filter-name');
    await page.keyboard.type('No birth dates');
    await dialog.locator('select[name="filter-type"]').selectOption('WHITELIST');
    expect(await dialog.getByTestId('filter-whitelist-note').innerText()).toContain('starts empty');
    await screenshotBothThemes(page, 'admin-filtering-add-dialog');
    await dialog.locator('select[name="filter-type"]').selectOption('BLACKLIST');
    await dialog.locator('input[name="filter-name"]').focus();
    await page.keyboard.press('Enter');
    const filterRow = page.locator('[data-testid="filter-row"][data-name="No birth dates"]');
    await expect.poll(() => filterRow.count(), { timeout: 15_000 }).toBe(1);
    expect(await filterRow.getAttribute('data-type')).toBe('BLACKLIST');
    const [filter] =
      await api<{ id: number; name: string; tagFilterType: string }[]>('/filtering/filters');
    expect(filter).toMatchObject({ name: 'No birth dates', tagFilterType: 'BLACKLIST' });

    await press('filter-path-add');
    await expect.poll(focused).toBe('input:tag-path');
    await page.keyboard.type('PatientBirthDate');
    await page.keyboard.press('Enter');
    const pathRow = page.locator('[data-testid="filter-path-row"][data-tags="(0010,0030)"]');
    await expect.poll(() => pathRow.count(), { timeout: 15_000 }).toBe(1);
    expect(await pathRow.getAttribute('data-names')).toBe('PatientBirthDate');
    expect(
      await api<{ tagPath: { tag: number } }[]>(`/filtering/filters/${filter!.id}/tagpaths`),
    ).toMatchObject([{ tagPath: { tag: 0x00100030 } }]);

    const session = await api<{ id: number }>('/import/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: -1,
        name: 'Filtered import',
        userId: -1,
        user: '',
        filesImported: 0,
        filesAdded: 0,
        filesRejected: 0,
        created: 0,
        lastUpdated: 0,
      }),
    });
    await press('filter-source-add');
    const sourceDialog = page.getByTestId('filter-source-dialog');
    await expect.poll(focused).toBe('select:association-source');
    const sourceSelect = sourceDialog.locator('select[name="association-source"]');
    await expect
      .poll(() => sourceSelect.locator(`option[value="import:${session.id}"]`).count())
      .toBe(1);
    await sourceSelect.selectOption(`import:${session.id}`);
    expect(await sourceDialog.locator('select[name="association-filter"]').inputValue()).toBe(
      String(filter!.id),
    );
    await sourceDialog.getByTestId('network-dialog-confirm').focus();
    await page.keyboard.press('Enter');
    const link = page.locator(
      `[data-testid="filter-source-row"][data-source="import:${session.id}"]`,
    );
    await expect.poll(() => link.count(), { timeout: 15_000 }).toBe(1);
    expect(await link.innerText()).toContain('Filtered import');
    expect(await api<unknown[]>('/filtering/associations')).toMatchObject([
      { sourceType: 'import', sourceId: session.id, tagFilterId: filter!.id },
    ]);
    await screenshotBothThemes(page, 'admin-filtering');

    const image = await upload(`/import/sessions/${session.id}/images`, 'CT_small.dcm');
    const attributes = await api<{ tagPath: { tag: number } }[]>(`/images/${image.id}/attributes`);
    expect(attributes.some((a) => a.tagPath.tag === 0x00100030)).toBe(false);
    expect(attributes.some((a) => a.tagPath.tag === 0x00100010)).toBe(true);
  });

  it('deletes the filter with a confirm; its association goes with it', async () => {
    await page
      .locator('[data-testid="filter-row"][data-name="No birth dates"]')
      .getByTestId('filter-delete')
      .focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByTestId('filter-delete-dialog');
    await expect.poll(() => confirm.count()).toBe(1);
    await expect.poll(focusedText).toBe('filter-delete-dialog:Delete');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('filters-panel').innerText(), { timeout: 15_000 })
      .toContain('No filters');
    expect(await page.getByTestId('filter-sources-panel').innerText()).toContain(
      'No source uses a filter',
    );
    expect(await api<unknown[]>('/filtering/filters')).toEqual([]);
    expect(await api<unknown[]>('/filtering/associations')).toEqual([]);
  });
});
