/**
 * The Network screen end to end (browser mode, Chromium, the real local box), driven mostly by keyboard:
 * reached from the app's tab bar; Create connection "Hospital" shows the URL to give the other side and
 * lists a POLL box; Connect to box with that URL makes a PUSH box that goes Online (the local box polls
 * itself: a loopback pair); an SCP and an SCU pointing at it are added; a 17-character AE title and a
 * port already in use are refused with the validation's and the server's words; Delete asks first; the
 * Transactions panels render empty, then an image sent over the pair shows in Outgoing (progress, status)
 * and Incoming, and its outgoing transaction is deleted. Every change is checked on the local box's REST API. Screenshots in light
 * and dark (`network-*`).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { ARTIFACTS, launchBrowser, screenshotBothThemes } from './support/browser.js';
import { freePort } from '../fixtures/free-port.js';

interface Box {
  id: number;
  name: string;
  baseUrl: string;
  sendMethod: 'PUSH' | 'POLL';
  online: boolean;
  defaultProfile: { options: { name: string }[] };
}
interface Scp {
  id: number;
  name: string;
  aeTitle: string;
  port: number;
}
interface Scu extends Scp {
  host: string;
}

describe('Network screen (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let hospitalUrl = '';
  let scpPort = 0;

  /** The local box's API, as the app's superuser. */
  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${app.localboxApi}${path}`, { headers: { authorization: auth } });
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
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

  const boxRow = (name: string) => page.locator(`[data-testid="box-row"][data-name="${name}"]`);
  const scpRow = (name: string) => page.locator(`[data-testid="scp-row"][data-name="${name}"]`);
  const scuRow = (name: string) => page.locator(`[data-testid="scu-row"][data-name="${name}"]`);
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('name') ?? el.id}` : '';
    });

  /** Focuses a button and presses Enter on it, as a keyboard user does. */
  async function press(testId: string): Promise<void> {
    await page.getByTestId(testId).focus();
    await page.keyboard.press('Enter');
  }

  it('is reached from the tab bar by keyboard; the transactions panels are empty', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('End'); // Admin
    await page.keyboard.press('ArrowLeft');
    await expect
      .poll(() => page.getByTestId('nav-network').getAttribute('aria-selected'))
      .toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('app-tab-network');
    expect(await page.getByTestId('network-screen').count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('outgoing-empty').innerText(), { timeout: 15_000 })
      .toContain('Nothing sent to a box yet');
    expect(await page.getByTestId('incoming-empty').innerText()).toContain(
      'Nothing received from a box yet',
    );
    await expect.poll(() => page.getByTestId('boxes-panel').innerText()).toContain('No boxes yet');
    expect(await page.getByTestId('scp-panel').innerText()).toContain('No SCPs');
    expect(await page.getByTestId('scu-panel').innerText()).toContain('No SCUs');
    // ArrowLeft goes back to Import sessions, ArrowRight to Network again.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('network-screen').count()).toBe(0);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('network-screen').count()).toBe(1);
    await screenshotBothThemes(page, 'network-empty');
  });

  it('Create connection "Hospital": shows the URL to give; a POLL box is listed', async () => {
    await press('box-create');
    const dialog = page.getByTestId('box-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await focused()).toBe('input:box-name');
    await page.keyboard.type('Hospital');
    // The first default anonymization option, by keyboard.
    await expect.poll(() => dialog.locator('input[name="option"]').count()).toBeGreaterThan(0);
    const firstOption = await dialog.locator('input[name="option"]').first().getAttribute('value');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:option');
    await page.keyboard.press('Space');
    await screenshotBothThemes(page, 'network-create-dialog');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');

    const url = page.getByTestId('box-created-url');
    await expect.poll(() => url.count(), { timeout: 15_000 }).toBe(1);
    hospitalUrl = await url.inputValue();
    expect(hospitalUrl).toMatch(
      /\/api\/transactions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(await dialog.innerText()).toContain("Give this URL to the other box's administrator");
    // The app's local box listens on 127.0.0.1: the dialog says the URL works on this computer only.
    expect(hospitalUrl.startsWith(new URL(app.localboxApi).origin)).toBe(true);
    expect(await dialog.getByTestId('box-loopback-hint').count()).toBe(1);
    await screenshotBothThemes(page, 'network-box-created');
    await page.keyboard.press('Enter'); // Close has the focus
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'box-create',
    );

    await expect.poll(() => boxRow('Hospital').count()).toBe(1);
    expect(await boxRow('Hospital').getAttribute('data-send-method')).toBe('POLL');
    expect(await boxRow('Hospital').innerText()).toContain('Waits for');
    expect(await boxRow('Hospital').getByTestId('box-url').inputValue()).toBe(hospitalUrl);

    const boxes = await api<Box[]>('/boxes');
    const hospital = boxes.find((b) => b.name === 'Hospital');
    expect(hospital?.sendMethod).toBe('POLL');
    expect(hospital?.baseUrl).toBe(hospitalUrl);
    expect(hospital?.defaultProfile.options.map((o) => o.name)).toContain(firstOption);
  });

  it('Connect to box with that URL: a PUSH box that goes Online', async () => {
    await press('box-connect');
    const dialog = page.getByTestId('box-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.type('University');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:box-url');
    await page.keyboard.type(hospitalUrl);
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);

    await expect.poll(() => boxRow('University').count()).toBe(1);
    expect(await boxRow('University').getAttribute('data-send-method')).toBe('PUSH');
    expect(await boxRow('University').innerText()).toContain('Connects to');
    // The box polls its other end every 15 s; the screen refreshes every 5 s.
    await expect
      .poll(() => boxRow('University').getAttribute('data-online'), {
        timeout: 45_000,
        interval: 1000,
      })
      .toBe('true');
    expect(await boxRow('University').getByTestId('box-online').innerText()).toContain('Online');
    const university = (await api<Box[]>('/boxes')).find((b) => b.name === 'University');
    expect(university).toMatchObject({ sendMethod: 'PUSH', baseUrl: hospitalUrl, online: true });
    await screenshotBothThemes(page, 'network-boxes');
  });

  it('shows a transfer over the pair in Outgoing and Incoming, and deletes it', async () => {
    const upload = await fetch(`${app.localboxApi}/images`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
      body: await readFile(testFile('test.dcm')),
    });
    expect(upload.status).toBe(201);
    const image = (await upload.json()) as { id: number };
    const university = (await api<Box[]>('/boxes')).find((b) => b.name === 'University')!;
    const send = await fetch(`${app.localboxApi}/boxes/${university.id}/send`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        profile: { options: [] },
        imageTagValuesSet: [{ imageId: image.id, tagValues: [] }],
      }),
    });
    expect(send.status).toBe(204);

    const outgoing = page.locator('[data-testid="outgoing-row"][data-box="University"]');
    await expect
      .poll(() => outgoing.getAttribute('data-status'), { timeout: 45_000, interval: 1000 })
      .toBe('FINISHED');
    expect(await outgoing.getByTestId('outgoing-count').innerText()).toBe('1 / 1');
    expect(await outgoing.getByTestId('outgoing-status').innerText()).toContain('finished');
    expect(await outgoing.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    const incoming = page.locator('[data-testid="incoming-row"][data-box="Hospital"]');
    await expect
      .poll(() => incoming.getByTestId('incoming-received').innerText(), { timeout: 45_000 })
      .toBe('1');
    expect(await incoming.getByTestId('incoming-total').innerText()).toBe('1');
    await expect
      .poll(() => incoming.getByTestId('incoming-status').innerText(), { timeout: 30_000 })
      .toContain('finished');
    await screenshotBothThemes(page, 'network-transactions');

    await outgoing.getByTestId('outgoing-delete').focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByTestId('transfer-delete-dialog');
    await expect.poll(() => confirm.isVisible()).toBe(true);
    expect(await confirm.innerText()).toContain('outgoing transaction to University');
    await page.keyboard.press('Enter');
    await expect.poll(() => outgoing.count(), { timeout: 15_000 }).toBe(0);
    expect(await page.getByTestId('outgoing-empty').count()).toBe(1);
    expect(await api<unknown[]>('/boxes/outgoing')).toEqual([]);
    expect(await api<unknown[]>('/boxes/incoming')).toHaveLength(1);
  });

  it('adds an SCP and an SCU pointing at it', async () => {
    scpPort = await freePort();
    await press('scp-add');
    const scp = page.getByTestId('scp-dialog');
    await expect.poll(() => scp.isVisible()).toBe(true);
    await page.keyboard.type('Desktop SCP');
    await page.keyboard.press('Tab');
    await page.keyboard.type('DESKTOPSCP');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:port');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(scpPort));
    await page.keyboard.press('Enter');
    await expect.poll(() => scp.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => scpRow('Desktop SCP').count()).toBe(1);
    expect(await scpRow('Desktop SCP').getByTestId('scp-ae').innerText()).toBe('DESKTOPSCP');
    expect(await scpRow('Desktop SCP').getByTestId('scp-port').innerText()).toBe(String(scpPort));
    expect(await api<Scp[]>('/scps')).toEqual([
      expect.objectContaining({ name: 'Desktop SCP', aeTitle: 'DESKTOPSCP', port: scpPort }),
    ]);

    await press('scu-add');
    const scu = page.getByTestId('scu-dialog');
    await expect.poll(() => scu.isVisible()).toBe(true);
    await page.keyboard.type('Desktop SCU');
    await page.keyboard.press('Tab');
    await page.keyboard.type('DESKTOPSCP');
    await page.keyboard.press('Tab');
    await page.keyboard.type('127.0.0.1');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(scpPort));
    await page.keyboard.press('Enter');
    await expect.poll(() => scu.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => scuRow('Desktop SCU').count()).toBe(1);
    expect(await scuRow('Desktop SCU').getByTestId('scu-host').innerText()).toBe('127.0.0.1');
    expect(await api<Scu[]>('/scus')).toEqual([
      expect.objectContaining({
        name: 'Desktop SCU',
        aeTitle: 'DESKTOPSCP',
        host: '127.0.0.1',
        port: scpPort,
      }),
    ]);
    await screenshotBothThemes(page, 'network-nodes');
  });

  it('refuses a 17-character AE title, and shows the server’s words for a port in use', async () => {
    await press('scp-add');
    const dialog = page.getByTestId('scp-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.type('Second SCP');
    await page.keyboard.press('Tab');
    await page.keyboard.type('ABCDEFGHIJKLMNOPQ');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(scpPort));
    await page.keyboard.press('Enter');
    const error = dialog.getByTestId('network-dialog-error');
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.innerText()).toContain('must not exceed 16 characters');
    expect(await dialog.locator('input[name="ae-title"]').getAttribute('aria-invalid')).toBe(
      'true',
    );
    await screenshotBothThemes(page, 'network-scp-error');

    // A valid AE title, but the port of the other SCP: the server says no, in its words.
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('input:ae-title');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('SECONDSCP');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => error.innerText(), { timeout: 15_000 })
      .toContain(`Port ${scpPort} is already in use`);
    expect(await dialog.count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.getByTestId('scp-row').count()).toBe(1);
    expect(await api<Scp[]>('/scps')).toHaveLength(1);
  });

  it('deletes the SCU, the SCP and a box after a confirm', async () => {
    await scuRow('Desktop SCU').getByTestId('scu-delete').focus();
    await page.keyboard.press('Enter');
    const scuConfirm = page.getByTestId('scu-delete-dialog');
    await expect.poll(() => scuConfirm.isVisible()).toBe(true);
    expect(await scuConfirm.innerText()).toContain('Delete the SCU Desktop SCU');
    await screenshotBothThemes(page, 'network-delete-confirm');
    // Escape keeps it.
    await page.keyboard.press('Escape');
    await expect.poll(() => scuConfirm.count()).toBe(0);
    expect(await scuRow('Desktop SCU').count()).toBe(1);
    await page.keyboard.press('Enter'); // the Delete button has the focus again
    await expect.poll(() => scuConfirm.isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => scuRow('Desktop SCU').count(), { timeout: 15_000 }).toBe(0);
    expect(await api<Scu[]>('/scus')).toEqual([]);
    // The row's button is gone: the focus goes to Add SCU, not to the page.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('scu-add');

    await scpRow('Desktop SCP').getByTestId('scp-delete').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('scp-delete-dialog').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => scpRow('Desktop SCP').count(), { timeout: 15_000 }).toBe(0);
    expect(await api<Scp[]>('/scps')).toEqual([]);

    await boxRow('University').getByTestId('box-delete').focus();
    await page.keyboard.press('Enter');
    const boxConfirm = page.getByTestId('box-delete-dialog');
    await expect.poll(() => boxConfirm.isVisible()).toBe(true);
    expect(await boxConfirm.innerText()).toContain('Delete the box University?');
    // Delete waits for the count of the box's transactions.
    await expect
      .poll(() => boxConfirm.getByTestId('confirm-detail').innerText(), { timeout: 15_000 })
      .toMatch(/Nothing is queued for it|not finished/);
    await page.keyboard.press('Enter');
    await expect.poll(() => boxRow('University').count(), { timeout: 15_000 }).toBe(0);
    expect((await api<Box[]>('/boxes')).map((b) => b.name)).toEqual(['Hospital']);
    expect(await page.getByTestId('outgoing-empty').count()).toBe(1);
  });
});
