/**
 * Connections end to end (browser mode, real Chromium): add a remote Slicebox (a second local box
 * process), test it, see a wrong password fail, fix it in the editor, browse its patients, remove it.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFile } from '../fixtures/paths.js';
import { startRemoteBox, uploadTo, type RemoteBox } from './connections-remote-box.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');

describe('connections: add, test, fix, browse and remove a remote server', () => {
  let app: RunningApp;
  let remote: RemoteBox;
  let browser: BrowserContext;
  let page: Page;

  const editor = () => page.getByTestId('connection-editor');
  const remoteEntry = () =>
    page.locator('[data-testid="connection"]:not([data-connection-id="local"])');
  const remoteStatus = () => remoteEntry().locator('[data-status]').getAttribute('data-status');

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [app, remote] = await Promise.all([startApp(), startRemoteBox()]);
    await uploadTo(remote, testFile('test.dcm'));
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  it('shows the local box online first', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
  });

  afterAll(async () => {
    await browser?.close();
    await remote?.kill();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('opens the editor from the sidebar; Escape closes it and gives focus back', async () => {
    await page.getByTestId('connection-add').click();
    await expect.poll(() => editor().isVisible()).toBe(true);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('connection-name');
    expect(await page.getByTestId('secret-storage-note').innerText()).toContain(
      'only your user can read',
    );
    await page.keyboard.press('Escape');
    await expect.poll(() => editor().count()).toBe(0);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('connection-add');
  });

  it('refuses a non-http URL with a clear message', async () => {
    await page.getByTestId('connection-add').click();
    await page.getByTestId('connection-name').fill('Bad');
    await page.getByTestId('connection-url').fill('ftp://example.org');
    await page.getByTestId('connection-user').fill('admin');
    await page.getByTestId('connection-password').fill('x');
    await page.getByTestId('connection-test').click();
    await expect
      .poll(() => page.getByTestId('connection-editor-error').innerText())
      .toMatch(/Only http:\/\/ and https:\/\//);
    await page.keyboard.press('Escape');
    await expect.poll(() => editor().count()).toBe(0);
  });

  it('tests a candidate with a wrong password (login failed), and saves it with Enter', async () => {
    await page.getByTestId('connection-add').click();
    await page.getByTestId('connection-name').fill('Lab box');
    await page.getByTestId('connection-url').fill(remote.url);
    await page.getByTestId('connection-user').fill('admin');
    await page.getByTestId('connection-password').fill('wrong');
    await page.getByTestId('connection-test').click();
    const result = page.getByTestId('connection-test-result');
    await expect
      .poll(() => result.getAttribute('data-status'), { timeout: 15_000 })
      .toBe('auth-failed');
    expect(await result.innerText()).toMatch(/refused this user name or password/);
    await screenshotBothThemes(page, 'connection-editor-auth-failed');

    await page.getByTestId('connection-password').press('Enter');
    await expect.poll(() => editor().count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => remoteEntry().count()).toBe(1);
    await expect.poll(remoteStatus, { timeout: 15_000 }).toBe('auth-failed');
    expect(await remoteEntry().innerText()).toContain('Login failed');
    expect(await remoteEntry().getAttribute('aria-current')).toBe('true');
  });

  it('keeps the password out of the database, in a file only the user can read', async () => {
    const secrets = join(app.dataDir, 'connection-secrets.json');
    expect((await stat(secrets)).mode & 0o777).toBe(0o600);
    expect(await readFile(secrets, 'utf8')).toContain('wrong');
    expect((await readFile(join(app.dataDir, 'cache.sqlite'))).includes('wrong')).toBe(false);
  });

  it('fixes the password in the editor: online, and its patients browse', async () => {
    await page.getByTestId('connection-edit').click();
    await expect.poll(() => editor().isVisible()).toBe(true);
    expect(await page.getByTestId('connection-url').inputValue()).toBe(remote.url);
    await page.getByTestId('connection-password').fill('admin');
    await page.getByTestId('connection-test').click();
    const result = page.getByTestId('connection-test-result');
    await expect.poll(() => result.getAttribute('data-status'), { timeout: 15_000 }).toBe('online');
    expect(await result.innerText()).toMatch(/Connected/);
    await screenshotBothThemes(page, 'connection-editor-online');

    await page.getByTestId('connection-save').click();
    await expect.poll(() => editor().count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(remoteStatus, { timeout: 15_000 }).toBe('online');
    const rows = page.getByTestId('patient-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
    expect(await rows.innerText()).toContain('anon270');
    await screenshotBothThemes(page, 'connections-remote-browse');
  });

  it('removes the server after a confirmation; the local box stays', async () => {
    await page.getByTestId('connection-edit').click();
    await page.getByTestId('connection-remove').click();
    expect(await page.getByTestId('connection-remove').innerText()).toContain('Really remove?');
    await screenshotBothThemes(page, 'connection-editor-remove');
    await page.getByTestId('connection-remove').click();
    await expect.poll(() => editor().count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => remoteEntry().count()).toBe(1 - 1);
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    expect(await local.getAttribute('aria-current')).toBe('true');
    expect(
      JSON.parse(await readFile(join(app.dataDir, 'connection-secrets.json'), 'utf8')),
    ).toEqual({});
  });
});
