/**
 * The Admin tab's Anonymization keys and Users sections end to end (browser mode, Chromium, the app's real
 * local box), mostly by keyboard: keys made by anonymized copies are listed newest first with the real
 * values of the REST API (UIDs shortened, whole in the title); a header click sorts on the server; the
 * filter narrows by prefix; ↑/↓ select a key and show its values (keyword tag paths, client-side filter);
 * Export CSV downloads the server's file; Delete asks first. Users: Add user (hidden password, role), a
 * taken name refused, the superuser's deletion refused in the server's words; signed in as the new USER,
 * Export CSV shows the server's 403; the user is deleted. Every change is checked on REST. Light and dark
 * (`admin-keys-*`, `admin-users-*`).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { ARTIFACTS, launchBrowser, screenshotBothThemes } from './support/browser.js';

interface Key {
  id: number;
  created: number;
  imageId: number;
  patientName: string;
  anonPatientName: string;
  patientID: string;
  studyInstanceUID: string;
  anonSOPInstanceUID: string;
}
interface KeyValue {
  tagPath: { tag: number; name: string };
  value: string;
  anonymizedValue: string;
}
interface User {
  id: number;
  user: string;
  role: string;
}

describe('Admin → Anonymization keys and Users (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let superuser = '';

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${app.localboxApi}${path}`, {
      ...init,
      headers: { authorization: auth, ...(init.headers as Record<string, string>) },
    });
  }

  async function api<T>(path: string): Promise<T> {
    const res = await call(path);
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
  }

  /** Uploads a file and stores only the key of its anonymized copy (`POST /images/{id}/anonymized`). */
  async function anonymizedCopy(path: string, anonName: string): Promise<void> {
    const upload = await call('/images', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await readFile(path)),
    });
    expect(upload.ok).toBe(true);
    const image = (await upload.json()) as { id: number };
    const res = await call(`/images/${image.id}/anonymized`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        profile: { options: [{ name: 'BASIC_PROFILE' }] },
        tagValues: [{ tagPath: { name: 'PatientName' }, value: anonName }],
      }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    app = await startApp();
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    superuser = credentials.user;
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    await anonymizedCopy(testFile('test.dcm'), 'Anon Test');
    await anonymizedCopy(pydicomFile('CT_small.dcm'), 'Anon CT');
    await anonymizedCopy(pydicomFile('MR_small.dcm'), 'Anon MR');
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  const keyRows = () => page.getByTestId('key-row');
  const userRows = () => page.getByTestId('user-row');
  const userRow = (name: string) => page.locator(`[data-testid="user-row"][data-name="${name}"]`);
  const section = () => page.getByTestId('admin-section').getAttribute('data-section');
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('name') ?? el.id}` : '';
    });
  const shownPatients = () => keyRows().evaluateAll((rows) => rows.map((r) => r.dataset.patient));

  it('lists the keys newest first with the server’s values, reached by keyboard', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('End'); // Admin, the last tab
    await expect
      .poll(() => page.getByTestId('nav-admin').getAttribute('aria-selected'))
      .toBe('true');
    await page.getByTestId('admin-tab-log').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(section).toBe('anonymization');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-tab-anonymization');

    const rest = await api<Key[]>('/anonymization/keys?orderby=created&orderascending=false');
    expect(rest.map((k) => k.anonPatientName).sort()).toEqual(['Anon CT', 'Anon MR', 'Anon Test']);
    await expect.poll(() => keyRows().count(), { timeout: 15_000 }).toBe(3);
    expect(await shownPatients()).toEqual(rest.map((k) => k.patientName));
    const first = keyRows().first();
    const text = await first.innerText();
    expect(text).toContain(rest[0]!.anonPatientName);
    expect(text).toContain(rest[0]!.patientID);
    expect(text).toContain(String(rest[0]!.imageId));
    expect(text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    // UIDs are shortened; the whole value is in the title.
    expect(await first.locator(`td[title="${rest[0]!.studyInstanceUID}"]`).count()).toBe(1);
    expect(await first.locator(`td[title="${rest[0]!.anonSOPInstanceUID}"]`).count()).toBe(1);
    expect(
      await page
        .locator('th[aria-sort="descending"]')
        .getByTestId('keys-sort')
        .getAttribute('data-key'),
    ).toBe('created');
    expect(await page.getByTestId('keys-hint').innerText()).toContain('Select a key');
    await screenshotBothThemes(page, 'admin-keys-list');
  });

  it('sorts by a header on the server and filters by prefix', async () => {
    const header = page.locator('[data-testid="keys-sort"][data-key="patientName"]');
    await header.focus();
    await page.keyboard.press('Enter');
    const ascending = await api<Key[]>(
      '/anonymization/keys?orderby=patientName&orderascending=true',
    );
    await expect.poll(shownPatients).toEqual(ascending.map((k) => k.patientName));
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toContain('Patient Name');
    await page.keyboard.press('Enter');
    await expect.poll(shownPatients).toEqual(ascending.map((k) => k.patientName).reverse());

    const filter = page.getByTestId('keys-filter');
    await filter.focus();
    await page.keyboard.type('anon m');
    const mr = await api<Key[]>('/anonymization/keys?filter=anon%20m');
    expect(mr).toHaveLength(1);
    await expect.poll(shownPatients).toEqual([mr[0]!.patientName]);
    await page.keyboard.press('Escape'); // clears the filter
    await expect.poll(() => keyRows().count()).toBe(3);
    await page.keyboard.type('nobody-starts-so');
    await expect
      .poll(() => page.getByTestId('keys-panel').innerText())
      .toContain('No keys whose name, ID or UID starts with “nobody-starts-so”');
    await page.keyboard.press('Escape');
    await expect.poll(() => keyRows().count()).toBe(3);
  });

  it('↑/↓ select a key and show its values; the values filter here', async () => {
    const order = await api<Key[]>('/anonymization/keys?orderby=patientName&orderascending=false');
    await keyRows().first().focus();
    await expect.poll(() => page.getByTestId('key-values-panel').count()).toBe(1);
    await page.keyboard.press('ArrowDown');
    const key = order[1]!;
    await expect
      .poll(() => page.getByTestId('key-values-of').innerText())
      .toContain(key.patientName);
    expect(await keyRows().nth(1).getAttribute('aria-selected')).toBe('true');
    expect(await keyRows().nth(0).getAttribute('aria-selected')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(
      String(key.id),
    );

    const values = await api<KeyValue[]>(`/anonymization/keys/${key.id}/keyvalues`);
    expect(values.length).toBeGreaterThan(0);
    const rows = page.getByTestId('key-value-row');
    await expect.poll(() => rows.count()).toBe(values.length);
    for (const v of values) {
      const row = page.locator(`[data-testid="key-value-row"][data-path="${v.tagPath.name}"]`);
      expect(await row.count()).toBe(1);
      const cells = await row.locator('td').allInnerTexts();
      expect(cells).toEqual([v.tagPath.name, v.value, v.anonymizedValue]);
    }
    await screenshotBothThemes(page, 'admin-keys-values');

    const one = values[0]!;
    await page.getByTestId('key-values-filter').fill(one.tagPath.name);
    await expect
      .poll(() => rows.evaluateAll((r) => r.map((e) => (e as HTMLElement).dataset.path)))
      .toContain(one.tagPath.name);
    expect(await rows.count()).toBeLessThanOrEqual(values.length);
    await page.getByTestId('key-values-filter').fill('zz-no-such-value');
    await expect.poll(() => rows.count()).toBe(0);
    expect(await page.getByTestId('key-values-panel').innerText()).toContain('No values match');
    await page.getByTestId('key-values-filter').fill('');
    await expect.poll(() => rows.count()).toBe(values.length);
  });

  it('Export CSV downloads the server’s file', async () => {
    const download = page.waitForEvent('download', { timeout: 30_000 });
    await page.getByTestId('keys-export').focus();
    await page.keyboard.press('Enter');
    const file = await download;
    expect(file.suggestedFilename()).toBe('slicebox-anonymization-info.csv');
    const saved = join(app.dataDir, 'keys.csv');
    await file.saveAs(saved);
    const expected = await (await call('/anonymization/keys/export/csv')).text();
    expect(await readFile(saved, 'utf8')).toBe(expected);
    expect(expected.split(/\r?\n/)[0]).toMatch(/^ID;Image ID;Created;Patient Name;/);
    expect(expected).toContain('Anon MR');
  });

  it('Delete asks first, then the key is gone on the server', async () => {
    const row = keyRows().nth(1);
    const id = Number(await row.getAttribute('data-id'));
    const patient = (await row.getAttribute('data-patient')) ?? '';
    await row.focus();
    await page.keyboard.press('Delete');
    const dialog = page.getByTestId('keys-delete-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.innerText()).toContain(`Delete the key of ${patient}`);
    await screenshotBothThemes(page, 'admin-keys-delete-dialog');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => keyRows().count()).toBe(2);
    const left = await api<Key[]>('/anonymization/keys');
    expect(left.map((k) => k.id)).not.toContain(id);
    expect(left).toHaveLength(2);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'key-row',
    );
  });

  it('Users: lists the superuser; Add user with a hidden password and a role', async () => {
    await page.getByTestId('admin-tab-anonymization').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(section).toBe('users');
    await expect.poll(() => userRows().count(), { timeout: 15_000 }).toBe(1);
    expect(await userRow(superuser).getAttribute('data-role')).toBe('SUPERUSER');
    expect(await userRow(superuser).innerText()).toContain('Superuser');
    await screenshotBothThemes(page, 'admin-users-list');

    await page.getByTestId('user-add').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('user-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await focused()).toBe('input:user-name');
    await page.keyboard.type('reader');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:user-password');
    await page.keyboard.type('reader-pw-1');
    expect(await dialog.locator('input[name="user-password"]').getAttribute('type')).toBe(
      'password',
    );
    expect(await dialog.locator('input[value="USER"]').isChecked()).toBe(true);
    await screenshotBothThemes(page, 'admin-users-add-dialog');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => userRow('reader').count()).toBe(1);
    expect(await userRow('reader').getAttribute('data-role')).toBe('USER');
    expect(await page.evaluate(() => document.body.innerText)).not.toContain('reader-pw-1');
    const users = await api<User[]>('/users');
    expect(users.find((u) => u.user === 'reader')?.role).toBe('USER');
    // The password works.
    const login = await fetch(`${app.localboxApi}/users`, {
      headers: { authorization: 'Basic ' + Buffer.from('reader:reader-pw-1').toString('base64') },
    });
    expect(login.status).toBe(200);

    // Focus is back on Add user; a taken name is refused in words.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('user-add');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.type('reader');
    await page.keyboard.press('Tab');
    await page.keyboard.type('other');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:show-password');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:user-role');
    await page.keyboard.press('ArrowDown');
    expect(await dialog.locator('input[value="ADMINISTRATOR"]').isChecked()).toBe(true);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('input:user-password');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('network-dialog-error').innerText())
      .toBe('A user named "reader" already exists.');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await api<User[]>('/users')).find((u) => u.user === 'reader')?.role).toBe('USER');
  });

  it('the superuser cannot be deleted: the server’s words are shown', async () => {
    await userRow(superuser).getByTestId('user-delete').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('user-delete-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.innerText()).toContain(`Delete the user ${superuser} (Superuser)?`);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => dialog.locator('[role="alert"]').innerText(), { timeout: 15_000 })
      .toBe('Superuser may not be deleted');
    await screenshotBothThemes(page, 'admin-users-superuser-refused');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await api<User[]>('/users')).map((u) => u.user)).toContain(superuser);
  });

  it('signed in as the new user, Export CSV shows the server’s refusal', async () => {
    await page.getByTestId('connection-add').click();
    await page.getByTestId('connection-name').fill('Local as reader');
    await page.getByTestId('connection-url').fill(app.localboxApi.replace(/\/api\/?$/, ''));
    await page.getByTestId('connection-user').fill('reader');
    await page.getByTestId('connection-password').fill('reader-pw-1');
    await page.getByTestId('connection-save').click();
    await expect
      .poll(() => page.getByTestId('connection-editor').count(), { timeout: 15_000 })
      .toBe(0);
    const reader = page.locator('[data-testid="connection"]:not([data-connection-id="local"])');
    await expect.poll(() => reader.getAttribute('aria-current'), { timeout: 15_000 }).toBe('true');
    if ((await page.getByTestId('nav-admin').getAttribute('aria-selected')) !== 'true') {
      await page.getByTestId('nav-admin').click();
    }
    await page.getByTestId('admin-tab-anonymization').click();
    await expect.poll(() => keyRows().count(), { timeout: 15_000 }).toBe(2);
    await page.getByTestId('keys-export').click();
    await expect
      .poll(() => page.getByTestId('keys-export-error').innerText(), { timeout: 15_000 })
      .toBe(
        'Only administrators can export the keys: The supplied authentication is not authorized to access this resource',
      );
    await screenshotBothThemes(page, 'admin-keys-export-refused');
  });

  it('deletes the user after a confirm, as the superuser', async () => {
    await page.locator('[data-testid="connection"][data-connection-id="local"]').click();
    if ((await page.getByTestId('nav-admin').getAttribute('aria-selected')) !== 'true') {
      await page.getByTestId('nav-admin').click();
    }
    await page.getByTestId('admin-tab-users').click();
    await expect.poll(() => userRow('reader').count(), { timeout: 15_000 }).toBe(1);
    await userRow('reader').getByTestId('user-delete').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('user-delete-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => userRow('reader').count()).toBe(0);
    expect((await api<User[]>('/users')).map((u) => u.user)).toEqual([superuser]);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'user-add',
    );
  });
});
