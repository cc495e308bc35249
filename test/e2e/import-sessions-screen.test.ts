/**
 * The Import sessions screen end to end (browser mode, Chromium, the real local box): reached by keyboard
 * from the app's tab bar; a session added with the name dialog is selected; two files dropped on its
 * "Add files to …" panel are imported into THAT session (Imported 2 / Added 2); Tag Series on the
 * session's series driven by keyboard; Delete with confirm. Screenshots in light and dark.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');

describe('Import sessions screen (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    app = await startApp();
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  const row = () => page.locator('[data-testid="session-row"][data-name="Study intake"]');
  const dialog = () => page.getByTestId('action-dialog');

  it('is reached from the tab bar by keyboard', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.getByTestId('nav-import-sessions').getAttribute('aria-selected'))
      .toBe('true');
    await expect.poll(() => page.getByTestId('import-sessions-screen').count()).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('app-tab-import-sessions');
    expect(await page.locator('#drop').count()).toBe(0); // the window-wide drop zone is Browse's
  });

  it('adds a session with the name dialog; it is selected', async () => {
    await page.getByTestId('session-add').click();
    const add = page.getByTestId('session-add-dialog');
    await expect.poll(() => add.isVisible()).toBe(true);
    await page.keyboard.type('Study intake');
    await screenshotBothThemes(page, 'import-sessions-add-dialog');
    await page.keyboard.press('Enter');
    await expect.poll(() => row().count(), { timeout: 15_000 }).toBe(1);
    expect(await add.count()).toBe(0);
    expect(await row().locator('input[type="checkbox"]').isChecked()).toBe(true);
    expect(await page.getByTestId('session-files').innerText()).toContain(
      'Add files to Study intake',
    );
  });

  it('imports two files dropped on the panel into that session', async () => {
    await dropFiles(page, '[data-testid="session-drop"]', [
      testFile('test.dcm'),
      pydicomFile('CT_small.dcm'),
    ]);
    await expect
      .poll(() => row().getByTestId('session-imported').innerText(), { timeout: 60_000 })
      .toBe('2');
    expect(await row().getByTestId('session-added').innerText()).toBe('2');
    expect(await row().getByTestId('session-rejected').innerText()).toBe('0');
    // No other session was made for the drop.
    expect(await page.getByTestId('session-row').count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('session-last-import').innerText(), { timeout: 30_000 })
      .toContain('2 added');
    await screenshotBothThemes(page, 'import-sessions-screen');
  });

  it('tags the series of the session, by keyboard, with (n) counts', async () => {
    await page.getByTestId('session-tag-series').focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => dialog().getAttribute('data-phase'), { timeout: 15_000 })
      .toBe('confirm');
    expect(await dialog().getAttribute('data-kind')).toBe('tagSeries');
    await page.keyboard.type('Reviewed');
    await page.keyboard.press('Enter'); // adds the chip
    await page.keyboard.type('Batch 7');
    await page.keyboard.press('Enter');
    expect(await dialog().getByTestId('tag-chip').allInnerTexts()).toEqual(['Reviewed', 'Batch 7']);
    await screenshotBothThemes(page, 'action-tag-series-dialog');
    await page.keyboard.press('Enter'); // empty field: Enter confirms
    await expect.poll(() => dialog().getAttribute('data-phase'), { timeout: 15_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('2 series');
    await page.keyboard.press('Enter'); // Close is focused
    await expect.poll(() => dialog().count()).toBe(0);

    // Reopened: the tags show how many of the series carry them; Escape cancels.
    await page.getByTestId('session-tag-series').click();
    await expect
      .poll(() => dialog().getAttribute('data-phase'), { timeout: 15_000 })
      .toBe('confirm');
    const chips = (await dialog().getByTestId('tag-chip').allTextContents()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );
    expect(chips.sort()).toEqual(['Batch 7 (2)', 'Reviewed (2)']);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
  });

  it('deletes the session after a confirm', async () => {
    await page.getByTestId('session-delete').click();
    const confirm = page.getByTestId('session-delete-dialog');
    await expect.poll(() => confirm.isVisible()).toBe(true);
    // The confirm names the session and what it imported.
    expect(await confirm.innerText()).toContain(
      'Delete the import session Study intake (2 files imported)? The imported images are kept.',
    );
    await screenshotBothThemes(page, 'import-sessions-delete-dialog');
    await page.keyboard.press('Enter');
    await expect.poll(() => row().count(), { timeout: 15_000 }).toBe(0);
    expect(await page.getByTestId('session-files').count()).toBe(0);
  });
});
