/**
 * The offline cache end to end (browser mode, real Chromium, real box processes): browse a remote
 * Slicebox, kill it, and the patients, studies, series and images seen before still browse, marked
 * as cached; start it again and the app is online with live data, the user's place kept.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startRemoteBox, uploadTo, type RemoteBox } from './connections-remote-box.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');

describe('offline: the server stopped and the cached browse still working', () => {
  let app: RunningApp;
  let remote: RemoteBox;
  let browser: BrowserContext;
  let page: Page;

  const remoteEntry = () =>
    page.locator('[data-testid="connection"]:not([data-connection-id="local"])');
  const remoteStatus = () => remoteEntry().locator('[data-status]').getAttribute('data-status');
  const rows = (level: 'patient' | 'study' | 'series' | 'image') =>
    page.getByTestId(`${level}-row`);
  const badges = () => page.getByTestId('cached-badge');
  const banner = () => page.getByTestId('offline-banner');

  async function drillDown(): Promise<void> {
    await rows('patient').filter({ hasText: 'anon270' }).click();
    await expect.poll(() => rows('study').count(), { timeout: 15_000 }).toBe(1);
    await rows('study').click();
    await expect.poll(() => rows('series').count(), { timeout: 15_000 }).toBe(1);
    await rows('series').click();
    await expect.poll(() => rows('image').count(), { timeout: 15_000 }).toBe(1);
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [app, remote] = await Promise.all([startApp(), startRemoteBox()]);
    await uploadTo(remote, testFile('test.dcm'));
    await uploadTo(remote, pydicomFile('CT_small.dcm'));
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    await remote?.kill();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('adds the remote server and browses it down to an image while it is online', async () => {
    await page.getByTestId('connection-add').click();
    await page.getByTestId('connection-name').fill('Department box');
    await page.getByTestId('connection-url').fill(remote.url);
    await page.getByTestId('connection-user').fill('admin');
    await page.getByTestId('connection-password').fill('admin');
    await page.getByTestId('connection-save').click();
    await expect.poll(remoteStatus, { timeout: 15_000 }).toBe('online');
    await expect.poll(() => rows('patient').count(), { timeout: 15_000 }).toBe(2);
    await drillDown();
    expect(await badges().count()).toBe(0);
    expect(await banner().count()).toBe(0);
  });

  it('shows the server offline once it is killed, with the seen rows marked cached', async () => {
    await remote.kill();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(remoteStatus, { timeout: 15_000 }).toBe('offline');
    await expect.poll(() => banner().getAttribute('data-cached'), { timeout: 15_000 }).toBe('true');
    expect(await banner().innerText()).toMatch(/Offline — showing what was seen at \d\d:\d\d/);
    await expect.poll(() => badges().count()).toBe(4);
    expect(await rows('patient').count()).toBe(2);
    expect(await rows('image').count()).toBe(1);
    expect(await remoteEntry().innerText()).toContain('Offline');
  });

  it('still browses patients, studies, series and images from the cache', async () => {
    // Away and back: every level is fetched again, and answered from what was seen.
    await page.locator('[data-testid="connection"][data-connection-id="local"]').click();
    await expect.poll(() => banner().count()).toBe(0);
    await remoteEntry().click();
    await expect.poll(() => rows('patient').count(), { timeout: 15_000 }).toBe(2);
    const names = (await rows('patient').allInnerTexts()).join('\n');
    expect(names).toContain('anon270');
    expect(names).toContain('CompressedSamples, CT1');
    await drillDown();
    expect(await rows('study').innerText()).toContain('Statisk njurscintigrafi');
    expect(await rows('series').innerText()).toContain('NM');
    await expect.poll(() => badges().count()).toBe(4);
    await screenshotBothThemes(page, 'offline-cached-browse');
  });

  it('is online again with live data when the server is back, keeping the place', async () => {
    remote = await startRemoteBox({ port: remote.port, dataDir: remote.dataDir });
    await uploadTo(remote, pydicomFile('MR_small.dcm'));
    await page.getByTestId('offline-check').click();
    await expect.poll(remoteStatus, { timeout: 15_000 }).toBe('online');
    await expect.poll(() => badges().count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => banner().count()).toBe(0);
    await expect.poll(() => rows('patient').count(), { timeout: 15_000 }).toBe(3);
    // The selection survived the reload: the same image is still shown under the same series.
    expect(await rows('image').count()).toBe(1);
    expect(await page.locator('[data-testid="study-row"][aria-selected="true"]').count()).toBe(1);
    await screenshotBothThemes(page, 'offline-back-online');
  });
});
