/**
 * The Admin tab's Series tags and System sections end to end (browser mode, Chromium, the app's real local
 * box): add, rename and delete a series tag (checked on the server), the name filter; Clear log with a
 * confirm empties the server's log; Shut down is disabled for the local box with the reason. Light and dark.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

interface Tag {
  id: number;
  name: string;
}

describe('Admin → Series tags and System (browser mode)', () => {
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

  const section = () => page.getByTestId('admin-section').getAttribute('data-section');
  const tagRows = () => page.getByTestId('tag-row');
  const tagRow = (name: string) => page.locator(`[data-testid="tag-row"][data-name="${name}"]`);
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el
        ? `${el.tagName.toLowerCase()}:${el.getAttribute('data-testid') ?? el.getAttribute('name') ?? el.id}`
        : '';
    });

  async function press(testId: string): Promise<void> {
    await page.getByTestId(testId).first().focus();
    await page.keyboard.press('Enter');
  }

  it('Series tags: add, filter and rename a tag, checked on the server', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    // A rejected file writes a log entry, for Clear log below (the drop area is on the Browse screen).
    await dropFiles(page, '#drop', [testFile('invalid.dcm')]);
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
    await page.getByTestId('admin-tab-filtering').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(section).toBe('series-tags');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-tab-series-tags');
    await expect
      .poll(() => page.getByTestId('tags-panel').innerText(), { timeout: 15_000 })
      .toContain('No series tags');

    for (const name of ['Follow-up', 'Teaching']) {
      await press('tag-add');
      const dialog = page.getByTestId('seriestag-name-dialog');
      await expect.poll(() => dialog.count()).toBe(1);
      expect(await focused()).toBe('input:seriestag-name');
      await page.keyboard.type(name);
      await page.keyboard.press('Enter');
      await expect.poll(() => tagRow(name).count(), { timeout: 15_000 }).toBe(1);
      expect(await dialog.count()).toBe(0);
    }
    expect((await api<Tag[]>('/metadata/seriestags')).map((t) => t.name).sort()).toEqual([
      'Follow-up',
      'Teaching',
    ]);
    // Sorted by name to start with; a click on Id sorts by id.
    expect(await tagRows().evaluateAll((r) => r.map((e) => e.dataset.name))).toEqual([
      'Follow-up',
      'Teaching',
    ]);
    await screenshotBothThemes(page, 'admin-series-tags');

    // A name in use is refused in words.
    await press('tag-add');
    const dialog = page.getByTestId('seriestag-name-dialog');
    await expect.poll(() => dialog.count()).toBe(1);
    await page.keyboard.type('Teaching');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => dialog.getByTestId('network-dialog-error').innerText(), { timeout: 15_000 })
      .toContain('already exists');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);

    // The server-side filter.
    await page.getByTestId('tags-filter').fill('each');
    await expect.poll(() => tagRows().count(), { timeout: 15_000 }).toBe(1);
    expect(await tagRows().first().getAttribute('data-name')).toBe('Teaching');
    await page.getByTestId('tags-filter').fill('');
    await expect.poll(() => tagRows().count(), { timeout: 15_000 }).toBe(2);

    // Rename.
    await tagRow('Follow-up').getByTestId('tag-rename').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count()).toBe(1);
    await page.locator('input[name="seriestag-name"]').fill('Reviewed');
    await page.keyboard.press('Enter');
    await expect.poll(() => tagRow('Reviewed').count(), { timeout: 15_000 }).toBe(1);
    expect(await tagRow('Follow-up').count()).toBe(0);
    expect((await api<Tag[]>('/metadata/seriestags')).map((t) => t.name).sort()).toEqual([
      'Reviewed',
      'Teaching',
    ]);
  });

  it('Series tags: delete with a confirm that says the tag leaves every series', async () => {
    await tagRow('Reviewed').getByTestId('tag-delete').focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByTestId('tag-delete-dialog');
    await expect.poll(() => confirm.count()).toBe(1);
    expect(await confirm.innerText()).toContain('removed from every series');
    // Delete waits for the count of the series that carry the tag.
    await expect
      .poll(() => confirm.getByTestId('confirm-detail').innerText(), { timeout: 15_000 })
      .toMatch(/^(It is on \d+ series|No series carries it)/);
    await page.keyboard.press('Enter');
    await expect.poll(() => tagRow('Reviewed').count(), { timeout: 15_000 }).toBe(0);
    expect((await api<Tag[]>('/metadata/seriestags')).map((t) => t.name)).toEqual(['Teaching']);
  });

  it('System: Clear log empties the server log; Shut down is disabled for the local box', async () => {
    await expect
      .poll(async () => (await api<unknown[]>('/log')).length, { timeout: 15_000 })
      .toBeGreaterThan(0);

    await page.getByTestId('admin-tab-users').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(section).toBe('system');
    const stop = page.getByTestId('system-stop');
    await expect.poll(() => stop.isDisabled(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('system-stop-why').innerText()).toBe(
      'The local box stops when Slicebox Desktop quits.',
    );
    await screenshotBothThemes(page, 'admin-system');

    await press('system-clear-log');
    const confirm = page.getByTestId('system-clear-log-dialog');
    await expect.poll(() => confirm.count()).toBe(1);
    // Clear log waits for the count of the entries it deletes.
    await expect
      .poll(() => confirm.getByTestId('confirm-detail').innerText(), { timeout: 15_000 })
      .toMatch(/^The log holds \d+ entr/);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('system-status').innerText(), { timeout: 15_000 })
      .toBe('The log has been cleared.');
    expect(await confirm.count()).toBe(0);
    expect(await api<unknown[]>('/log')).toEqual([]);
  });
});
