/**
 * The Admin tab's Log section end to end (browser mode, Chromium, the app's real local box): reached by
 * keyboard; a rejected import's ERROR entry (subject Import) is listed with its reason; the subject and
 * type filters narrow the list; Delete with confirm removes the entry on the server. Light and dark.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

describe('Admin → Log (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${app.localboxApi}${path}`, { headers: { authorization: auth } });
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
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

  const rows = () => page.getByTestId('log-row');

  it('lists the ERROR entry of a rejected import, reached by keyboard', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await dropFiles(page, '#drop', [testFile('test.dcm'), testFile('invalid.dcm')]);
    await expect
      .poll(() => page.getByTestId('import-job').first().getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toBe('done');

    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('End');
    await expect
      .poll(() => page.getByTestId('nav-admin').getAttribute('aria-selected'))
      .toBe('true');
    // The sections are a vertical tablist: ↓/↑ move between them.
    await page.getByTestId('admin-tab-log').click();
    await expect
      .poll(() => page.getByTestId('admin-section').getAttribute('data-section'))
      .toBe('log');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-tab-log');
    const entry = rows().filter({ hasText: 'Not a DICOM stream' });
    await expect.poll(() => entry.count(), { timeout: 15_000 }).toBe(1);
    expect(await entry.getAttribute('data-type')).toBe('ERROR');
    expect(await entry.getAttribute('data-subject')).toBe('Import');
    expect(await entry.innerText()).toMatch(/rejected: Not a DICOM stream/);
    expect(await entry.innerText()).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await screenshotBothThemes(page, 'admin-log');
  });

  it('narrows by subject and type', async () => {
    await page.getByTestId('log-subject').selectOption('Import');
    await expect
      .poll(async () => (await rows().evaluateAll((r) => r.map((e) => e.dataset.subject))).join())
      .toBe('Import');
    await page.getByTestId('log-type').selectOption('WARN');
    await expect.poll(() => rows().count()).toBe(0);
    expect(await page.getByTestId('log-panel').innerText()).toContain(
      'No log entries of this kind',
    );
    await page.getByTestId('log-type').selectOption('');
    await expect.poll(() => rows().count()).toBe(1);
  });

  it('deletes an entry with a confirm; the server no longer has it', async () => {
    await rows().first().getByTestId('log-delete').focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByTestId('log-delete-dialog');
    await expect.poll(() => confirm.count()).toBe(1);
    expect(await confirm.innerText()).toContain('Delete the ERROR entry');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(0);
    expect(await api<unknown[]>('/log?subject=Import')).toEqual([]);
  });
});
