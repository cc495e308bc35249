/**
 * The walking skeleton end to end: the app started as `npm start` starts it (browser mode here), the
 * real renderer in Chromium, files dropped on the window, imported into the real local box.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');

describe('drop files on the window (browser mode)', () => {
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

  it('says it fell back to browser mode and why', () => {
    const text = app.output.join('\n');
    expect(text).toMatch(/Electron cannot start here: .+\./);
    expect(text).toContain('browser mode');
  });

  it('shows the local box as the selected, online connection', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => local.getAttribute('aria-current')).toBe('true');
    expect(await local.innerText()).toContain('Local box');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
  });

  it('imports dropped files, lists the new patients and the rejection with its reason', async () => {
    await dropFiles(page, '#drop', [
      testFile('test.dcm'),
      pydicomFile('CT_small.dcm'),
      testFile('invalid.dcm'),
    ]);

    const job = page.getByTestId('import-job').first();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');

    const rows = page.getByTestId('patient-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    const names = (await rows.allInnerTexts()).join('\n');
    expect(names).toContain('anon270');
    expect(names).toContain('CompressedSamples, CT1'); // PN shown family name first

    const rejected = page.locator('[data-testid="import-file"][data-state="rejected"]');
    await expect.poll(() => rejected.count()).toBe(1);
    const rejectedText = await rejected.innerText();
    expect(rejectedText).toContain('invalid.dcm');
    expect(rejectedText.replace('invalid.dcm', '').trim().length).toBeGreaterThan(10);
    const added = page.locator('[data-testid="import-file"][data-state="added"]');
    expect(await added.count()).toBe(2);

    await page.screenshot({ path: join(ARTIFACTS, 'skeleton-after-drop.png'), fullPage: true });
  });

  it('went through one import session named after the drop, with honest counters', async () => {
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    const auth =
      'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    const res = await fetch(`${app.localboxApi}/import/sessions`, {
      headers: { authorization: auth },
    });
    expect(res.status).toBe(200);
    const sessions = (await res.json()) as {
      name: string;
      filesImported: number;
      filesAdded: number;
      filesRejected: number;
    }[];
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ filesImported: 2, filesAdded: 2, filesRejected: 1 });
    const jobName = await page.getByTestId('import-job').first().getAttribute('data-name');
    expect(sessions[0]?.name).toBe(jobName);
  });

  it('opens the studies, series and images of a patient', async () => {
    await page.getByTestId('patient-row').filter({ hasText: 'anon270' }).click();
    const study = page.getByTestId('study-row');
    await expect.poll(() => study.count(), { timeout: 15_000 }).toBe(1);
    expect(await study.innerText()).toContain('Statisk njurscintigrafi');
    await study.click();
    const series = page.getByTestId('series-row');
    await expect.poll(() => series.count(), { timeout: 15_000 }).toBe(1);
    expect(await series.innerText()).toContain('NM');
    await series.click();
    const image = page.getByTestId('image-row');
    await expect.poll(() => image.count(), { timeout: 15_000 }).toBe(1);
    expect(await image.innerText()).toContain('8');
    await page.screenshot({ path: join(ARTIFACTS, 'skeleton-drilldown.png'), fullPage: true });
  });
});
