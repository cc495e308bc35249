/**
 * Accessibility as a test (issue 10, finding 11), part 1: axe-core runs on the Browse screen and what opens
 * from it, in light and in dark, and finds no serious or critical violation: the drill-down (patients →
 * studies → series → images), All series, the advanced filter, the viewer with its details, the Imports
 * panel open, the drop overlay, the connection editor, and every action dialog (Summary, Send with its
 * receiver and its Anonymization Details with the privacy preview, Send to SCP, Export, Tag series,
 * Anonymize, Modify, Delete). Also: the preview calls a generated Patient ID a "new random value" (UIDs stay
 * "new random UID"), and deleting the selected series clears the Images column. Browser mode, Chromium,
 * the app's real local box.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../fixtures/free-port.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { expectNoSeriousA11yViolationsInBothThemes as expectAccessible } from './support/axe.js';
import { ARTIFACTS, dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';
import { openImportsPanel } from './support/imports-panel.js';

const PETER_SMARTSCORE = ['2062', '2392', '2693'].map((n) =>
  pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`),
);
const PETER_SCOUT = ['6293', '6924'].map((n) => pydicomFile(`dicomdir_98892001_CT2N_${n}.dcm`));

describe('accessibility of Browse, the viewer and the action dialogs (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;

  async function api<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${app.localboxApi}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: auth,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    app = await startApp();
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    // A box to send to (the local box paired with itself) and a DICOM node to send to.
    const poll = await api<{ baseUrl: string }>('/boxes/createconnection', {
      name: 'Hospital',
      defaultProfile: { options: [] },
    });
    await api('/boxes/connect', {
      name: 'University',
      baseUrl: poll.baseUrl,
      defaultProfile: { options: [] },
    });
    await api('/scus', {
      id: -1,
      name: 'Archive',
      aeTitle: 'ARCHIVE',
      host: '127.0.0.1',
      port: await freePort(),
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  // A failed check leaves its dialog or viewer open: close it, so the next check starts on Browse.
  afterEach(async () => {
    for (let i = 0; i < 3; i++) {
      const open = await page.locator('dialog[open], [data-testid="viewer"]').count();
      if (open === 0) return;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);
    }
  });

  const dialog = () => page.getByTestId('action-dialog');
  const phase = () => dialog().getAttribute('data-phase');
  const rows = (kind: string) => page.getByTestId(`${kind}-row`);

  /** Runs an action on what the selection bar acts on, from its menu, by keyboard. */
  async function openAction(action: string): Promise<void> {
    await page.getByTestId('selection-actions').focus();
    await page.keyboard.press('Enter');
    const menu = page.getByTestId('selection-menu');
    await expect.poll(() => menu.count()).toBe(1);
    const items = await menu
      .locator('[role="menuitem"]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-action')));
    expect(items).toContain(action);
    for (let i = 0; i < items.indexOf(action); i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().getAttribute('data-kind')).toBe(action);
  }

  async function closeDialog(): Promise<void> {
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
  }

  /** The preview of the dialog is computed and shown. */
  async function previewReady(): Promise<void> {
    await expect
      .poll(() => dialog().getByTestId('privacy-preview').getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toBe('ready');
  }

  it('Browse, empty and then drilled down to an image', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await expectAccessible(page, 'browse-empty');

    await dropFiles(page, '#drop', [
      ...PETER_SMARTSCORE,
      ...PETER_SCOUT,
      testFile('test.dcm'),
      pydicomFile('MR_small.dcm'),
    ]);
    await expect
      .poll(() => page.getByTestId('import-job').first().getAttribute('data-state'), {
        timeout: 90_000,
      })
      .toBe('done');
    await expect.poll(() => rows('patient').count(), { timeout: 30_000 }).toBe(3);
    await expectAccessible(page, 'browse-patients');

    await rows('patient').filter({ hasText: 'Peter' }).click();
    await expect.poll(() => rows('study').count(), { timeout: 15_000 }).toBe(1);
    await rows('study').first().click();
    await expect.poll(() => rows('series').count(), { timeout: 15_000 }).toBe(2);
    await rows('series').filter({ hasText: 'SmartScore' }).click();
    await expect.poll(() => rows('image').count(), { timeout: 15_000 }).toBe(3);
    await rows('image').first().click();
    await expectAccessible(page, 'browse-drilled');
    await screenshotBothThemes(page, 'a11y-browse');
  });

  it('the Imports panel open, and the drop overlay', async () => {
    await openImportsPanel(page);
    await expectAccessible(page, 'imports-panel-open');
    await screenshotBothThemes(page, 'a11y-imports-panel');
    await page.getByTestId('import-panel-toggle').click();
    await expect
      .poll(() => page.getByTestId('import-panel').getAttribute('data-open'))
      .toBe('false');

    // A drag of files over the window shows the overlay (what the user sees before dropping).
    const transfer = await page.evaluateHandle(() => {
      const t = new DataTransfer();
      t.items.add(new File([new Uint8Array(4)], 'x.dcm', { type: 'application/dicom' }));
      return t;
    });
    await page.dispatchEvent('#drop', 'dragenter', { dataTransfer: transfer });
    const overlay = page.locator('#drop');
    await expect.poll(() => overlay.evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
    await expectAccessible(page, 'drop-overlay');
    await screenshotBothThemes(page, 'a11y-drop-overlay');
    await page.keyboard.press('Escape');
    await expect.poll(() => overlay.evaluate((el) => getComputedStyle(el).opacity)).toBe('0');
  });

  it('All series, and the advanced filter', async () => {
    await page.getByTestId('browse-tab-flat').click();
    await expect
      .poll(() => page.getByTestId('flat-series-row').count(), { timeout: 15_000 })
      .toBe(4);
    await expectAccessible(page, 'browse-all-series');
    await page.getByTestId('advanced-filter-button').click();
    await expect.poll(() => page.getByTestId('advanced-filter').isVisible()).toBe(true);
    await expectAccessible(page, 'advanced-filter');
    await screenshotBothThemes(page, 'a11y-advanced-filter');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('advanced-filter').isVisible()).toBe(false);
    await page.getByTestId('browse-tab-tree').click();
    await expect.poll(() => rows('image').count(), { timeout: 15_000 }).toBe(3);
  });

  it('the viewer, and its details panel', async () => {
    await page.getByTestId('view-button').click();
    const viewer = page.getByTestId('viewer');
    await expect
      .poll(() => viewer.getAttribute('data-status'), { timeout: 60_000 })
      .toMatch(/ready|fallback/);
    await expectAccessible(page, 'viewer');
    await page.keyboard.press('i');
    await expect
      .poll(() => page.getByTestId('attribute-row').count(), { timeout: 15_000 })
      .toBeGreaterThan(10);
    await expect.poll(() => page.getByTestId('series-details').count()).toBe(1);
    await expectAccessible(page, 'viewer-details');
    await screenshotBothThemes(page, 'a11y-viewer-details');
    await page.keyboard.press('i');
    await page.keyboard.press('Escape');
    await expect.poll(() => viewer.count()).toBe(0);
  });

  it('the connection editor', async () => {
    await page.getByTestId('connection-add').click();
    const editor = page.getByTestId('connection-editor');
    await expect.poll(() => editor.isVisible()).toBe(true);
    await expectAccessible(page, 'connection-editor');
    await screenshotBothThemes(page, 'a11y-connection-editor');
    await page.keyboard.press('Escape');
    await expect.poll(() => editor.count()).toBe(0);
  });

  it('Summary, Export, Tag series, Modify', async () => {
    await rows('patient').filter({ hasText: 'Peter' }).click();
    await openAction('summary');
    await expect.poll(phase, { timeout: 15_000 }).toBe('done');
    await expectAccessible(page, 'action-summary');
    await closeDialog();

    await page.getByTestId('export-button').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('confirm');
    await previewReady();
    await expectAccessible(page, 'action-export');
    await closeDialog();

    await rows('patient').filter({ hasText: 'Peter' }).click();
    await openAction('tagSeries');
    await expect.poll(phase, { timeout: 15_000 }).not.toBe('loading');
    await expectAccessible(page, 'action-tag-series');
    await screenshotBothThemes(page, 'a11y-action-tag-series');
    await closeDialog();

    await rows('patient').filter({ hasText: 'Peter' }).click();
    await openAction('modify');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    await expectAccessible(page, 'action-modify');
    await closeDialog();
  });

  it('Send: the receiver, then Anonymization Details with the preview ("new random value" for the Patient ID)', async () => {
    await rows('patient').filter({ hasText: 'MR' }).click();
    await openAction('send');
    await expect.poll(phase, { timeout: 15_000 }).toBe('receiver');
    await expectAccessible(page, 'action-send-receiver');
    await dialog().locator('[data-testid="receiver"][data-name="University"] input').check();
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('details');
    await previewReady();
    // No key yet for this patient: its Patient ID gets a pseudonym made anew on every anonymization (a
    // random value, not a UID); its UIDs get new random UIDs.
    const row = (keyword: string) =>
      dialog().locator(`[data-testid="privacy-row"][data-keyword="${keyword}"]`);
    expect(await row('PatientID').getAttribute('data-generated')).toBe('true');
    expect((await row('PatientID').locator('td').nth(1).innerText()).trim()).toBe(
      'new random value',
    );
    expect(await row('StudyInstanceUID').getAttribute('data-generated')).toBe('true');
    expect((await row('StudyInstanceUID').locator('td').nth(1).innerText()).trim()).toBe(
      'new random UID',
    );
    await expectAccessible(page, 'action-send-details');
    await screenshotBothThemes(page, 'a11y-action-send-details');
    await closeDialog();
  });

  it('Send to SCP, and Anonymize (confirm, then Anonymization Details)', async () => {
    await rows('patient').filter({ hasText: 'MR' }).click();
    await openAction('sendToScu');
    await expect.poll(phase, { timeout: 15_000 }).toBe('receiver');
    await previewReady();
    await expectAccessible(page, 'action-send-to-scp');
    await closeDialog();

    await rows('patient').filter({ hasText: 'MR' }).click();
    await openAction('anonymize');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    await expectAccessible(page, 'action-anonymize-confirm');
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('details');
    await previewReady();
    await expectAccessible(page, 'action-anonymize-details');
    await closeDialog();
  });

  it('Delete of the selected series: the confirmation, then the Images column clears', async () => {
    await rows('patient').filter({ hasText: 'Peter' }).click();
    await expect.poll(() => rows('study').count(), { timeout: 15_000 }).toBe(1);
    await rows('study').first().click();
    await expect.poll(() => rows('series').count(), { timeout: 15_000 }).toBe(2);
    await rows('series').filter({ hasText: 'Scout' }).click();
    await expect.poll(() => rows('image').count(), { timeout: 15_000 }).toBe(2);
    await openAction('delete');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    expect(await dialog().innerText()).toContain('Scout');
    await expectAccessible(page, 'action-delete');
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);

    // The series is gone from its column, and the Images column no longer shows it.
    await expect.poll(() => rows('series').count(), { timeout: 15_000 }).toBe(1);
    const images = page.locator('[data-panel="images"]');
    await expect
      .poll(() => images.innerText(), { timeout: 15_000 })
      .toContain('Select a series to see its images.');
    expect(await images.innerText()).not.toContain('This series has no images');
    expect(await rows('image').count()).toBe(0);
    await screenshotBothThemes(page, 'a11y-after-series-delete');
  });
});
