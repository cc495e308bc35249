/**
 * The Network screen's Watched folders and Forwarding panels end to end (browser mode, Chromium, the real
 * local box), driven mostly by keyboard: both panels start empty (Add rule disabled without a box or
 * SCU); Watch a folder on a temporary folder holding one DICOM file lists it and the file's patient
 * arrives in the local box; a watch on a subfolder and one on a file are refused in the server's words;
 * with an SCU added, Add rule (the watched folder → that SCU, keep images) is listed and stored; the rule
 * and the watch are deleted after a confirm. Every change is checked on the local box's REST API.
 * Screenshots in light and dark (`network-watches-*`, `network-forwarding-*`).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../fixtures/paths.js';
import { freePort } from '../fixtures/free-port.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { ARTIFACTS, launchBrowser, screenshotBothThemes } from './support/browser.js';

interface Watch {
  id: number;
  name: string;
  path: string;
}
interface Rule {
  id: number;
  source: { sourceType: string; sourceName: string; sourceId: number };
  destination: { destinationType: string; destinationName: string; destinationId: number };
  keepImages: boolean;
}

describe('Network screen: watched folders and forwarding (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let scratch = '';
  let inbox = '';

  /** The local box's API, as the app's superuser. */
  async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${app.localboxApi}${path}`, {
      ...init,
      headers: { authorization: auth, 'content-type': 'application/json' },
    });
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    scratch = await mkdtemp(join(tmpdir(), 'sbx-e2e-watch-'));
    inbox = join(scratch, 'inbox');
    await mkdir(join(inbox, 'nested'), { recursive: true });
    await copyFile(pydicomFile('CT_small.dcm'), join(inbox, 'nested', 'CT_small.dcm'));
    await writeFile(join(scratch, 'notes.txt'), 'not a folder');
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
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const watchRow = (name: string) => page.locator(`[data-testid="watch-row"][data-name="${name}"]`);
  const ruleRow = (source: string) =>
    page.locator(`[data-testid="rule-row"][data-source="${source}"]`);
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('name') ?? el.id}` : '';
    });
  const focusedTestId = () =>
    page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');

  /** Focuses a button and presses Enter on it, as a keyboard user does. */
  async function press(testId: string): Promise<void> {
    await page.getByTestId(testId).focus();
    await page.keyboard.press('Enter');
  }

  /** Brings the two panels into view for a screenshot. */
  async function showPanels(): Promise<void> {
    await page.getByTestId('forwarding-panel').scrollIntoViewIfNeeded();
    await page.getByTestId('watches-panel').scrollIntoViewIfNeeded();
  }

  it('is reached by keyboard; both panels are empty and Add rule needs a destination', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('End'); // Admin
    await page.keyboard.press('ArrowLeft');
    await expect
      .poll(() => page.getByTestId('nav-network').getAttribute('aria-selected'))
      .toBe('true');
    await expect
      .poll(() => page.getByTestId('watches-empty').innerText(), { timeout: 15_000 })
      .toContain('No watched folders');
    await expect
      .poll(() => page.getByTestId('forwarding-empty').innerText(), { timeout: 15_000 })
      .toContain('Add a box or an SCU first');
    expect(await page.getByTestId('rule-add').isDisabled()).toBe(true);
    expect(await page.getByTestId('watches-panel').innerText()).toContain(
      'Folders on this computer',
    );
    await showPanels();
    await screenshotBothThemes(page, 'network-watches-empty');
  });

  it('Watch a folder: the folder is listed and its DICOM file is imported', async () => {
    await press('watch-add');
    const dialog = page.getByTestId('watch-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await focused()).toBe('input:watch-name');
    expect(await dialog.getByTestId('watch-where').innerText()).toContain(
      'A folder on this computer',
    );
    expect(await dialog.getByTestId('watch-explain').innerText()).toMatch(
      /in it now and added later.*imported once complete/,
    );
    await page.keyboard.type('Inbox');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:watch-path');
    await page.keyboard.type(inbox);
    await screenshotBothThemes(page, 'network-watches-dialog');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);
    expect(await focusedTestId()).toBe('watch-add');

    await expect.poll(() => watchRow('Inbox').count()).toBe(1);
    expect(await watchRow('Inbox').getByTestId('watch-path').innerText()).toBe(inbox);
    expect(await api<Watch[]>('/directorywatches')).toEqual([
      expect.objectContaining({ name: 'Inbox', path: inbox }),
    ]);

    // The engine imports what is already there (and polls every 5 s).
    await expect
      .poll(async () => JSON.stringify(await api<unknown[]>('/metadata/patients')), {
        timeout: 45_000,
        interval: 1000,
      })
      .toContain('CompressedSamples^CT1');
    await showPanels();
    await screenshotBothThemes(page, 'network-watches');
  });

  it('shows the server’s words for a subfolder of a watched folder and for a file', async () => {
    await press('watch-add');
    const dialog = page.getByTestId('watch-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.type('Nested');
    await page.keyboard.press('Tab');
    await page.keyboard.type(join(inbox, 'nested'));
    await page.keyboard.press('Enter');
    const error = dialog.getByTestId('network-dialog-error');
    await expect.poll(() => error.count(), { timeout: 15_000 }).toBe(1);
    expect(await error.innerText()).toMatch(/Directory intersects existing directory/);
    expect(await dialog.count()).toBe(1);
    await screenshotBothThemes(page, 'network-watches-error');

    // A path that is a file, not a folder.
    expect(await focused()).toBe('input:watch-path');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(join(scratch, 'notes.txt'));
    await page.keyboard.press('Enter');
    await expect
      .poll(() => error.innerText(), { timeout: 15_000 })
      .toContain('Could not create directory watch: Not a directory');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.getByTestId('watch-row').count()).toBe(1);
    expect(await api<Watch[]>('/directorywatches')).toHaveLength(1);
  });

  it('Add rule: the watched folder is forwarded to an SCU, keeping the images', async () => {
    const port = await freePort();
    await api('/scus', {
      method: 'POST',
      body: JSON.stringify({
        id: -1,
        name: 'Archive',
        aeTitle: 'ARCHIVE',
        host: '127.0.0.1',
        port,
      }),
    });
    await press('network-refresh');
    await expect.poll(() => page.getByTestId('rule-add').isDisabled()).toBe(false);
    expect(await page.getByTestId('forwarding-empty').innerText()).toContain('No forwarding rules');

    await press('rule-add');
    const dialog = page.getByTestId('rule-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await focused()).toBe('select:rule-source');
    const source = dialog.locator('select[name="rule-source"]');
    await expect
      .poll(() => source.locator('optgroup[label="Watched folder"] option').count())
      .toBe(1);
    expect(await source.locator('optgroup').evaluateAll((g) => g.map((e) => e.label))).toContain(
      'User',
    );
    await source.selectOption({ label: 'Inbox (Watched folder)' });
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('select:rule-destination');
    await dialog
      .locator('select[name="rule-destination"]')
      .selectOption({ label: 'Archive (SCU)' });
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:keep-images');
    const keep = dialog.locator('input[name="keep-images"]');
    expect(await keep.isChecked()).toBe(true);
    expect(await dialog.getByTestId('rule-keep-warning').count()).toBe(0);
    // Unchecked, the dialog warns that the images are deleted here once delivered.
    await page.keyboard.press('Space');
    expect(await keep.isChecked()).toBe(false);
    expect(await dialog.getByTestId('rule-keep-warning').innerText()).toContain(
      'deleted from this server once they are delivered',
    );
    await screenshotBothThemes(page, 'network-forwarding-dialog');
    await page.keyboard.press('Space');
    expect(await keep.isChecked()).toBe(true);
    expect(await dialog.getByTestId('rule-keep-warning').count()).toBe(0);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('network-dialog-confirm');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);

    const row = ruleRow('Inbox');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('rule-source').innerText()).toBe('Watched folder Inbox');
    expect(await row.getByTestId('rule-destination').innerText()).toBe('→ SCU Archive');
    expect(await row.getByTestId('rule-keep').innerText()).toContain('yes');
    const watch = (await api<Watch[]>('/directorywatches'))[0]!;
    const scu = (await api<{ id: number; name: string }[]>('/scus'))[0]!;
    expect(await api<Rule[]>('/forwarding/rules')).toEqual([
      expect.objectContaining({
        source: expect.objectContaining({
          sourceType: 'directory',
          sourceId: watch.id,
        }) as unknown,
        destination: expect.objectContaining({
          destinationType: 'scu',
          destinationId: scu.id,
        }) as unknown,
        keepImages: true,
      }),
    ]);
    await showPanels();
    await screenshotBothThemes(page, 'network-forwarding');
  });

  it('deletes the rule and the watch after a confirm', async () => {
    await ruleRow('Inbox').getByTestId('rule-delete').focus();
    await page.keyboard.press('Enter');
    const ruleConfirm = page.getByTestId('rule-delete-dialog');
    await expect.poll(() => ruleConfirm.isVisible()).toBe(true);
    expect(await ruleConfirm.innerText()).toContain(
      'Stop forwarding Watched folder Inbox to SCU Archive?',
    );
    await screenshotBothThemes(page, 'network-forwarding-delete');
    await page.keyboard.press('Enter');
    await expect.poll(() => ruleRow('Inbox').count(), { timeout: 15_000 }).toBe(0);
    expect(await api<Rule[]>('/forwarding/rules')).toEqual([]);
    await expect.poll(focusedTestId).toBe('rule-add');

    await watchRow('Inbox').getByTestId('watch-delete').focus();
    await page.keyboard.press('Enter');
    const watchConfirm = page.getByTestId('watch-delete-dialog');
    await expect.poll(() => watchConfirm.isVisible()).toBe(true);
    expect(await watchConfirm.innerText()).toContain(
      `Stop watching ${inbox}? Files already imported stay.`,
    );
    await screenshotBothThemes(page, 'network-watches-delete');
    await page.keyboard.press('Enter');
    await expect.poll(() => watchRow('Inbox').count(), { timeout: 15_000 }).toBe(0);
    expect(await api<Watch[]>('/directorywatches')).toEqual([]);
    await expect.poll(focusedTestId).toBe('watch-add');
    expect(await page.getByTestId('watches-empty').innerText()).toContain('No watched folders');
    // What the watch imported stays.
    expect(JSON.stringify(await api<unknown[]>('/metadata/patients'))).toContain(
      'CompressedSamples^CT1',
    );
  });
});
