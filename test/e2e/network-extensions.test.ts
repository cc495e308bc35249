/**
 * The Network screen's features beyond the Slicebox API, end to end (browser mode, Chromium, the app's real
 * local box), by keyboard: an SCP on a port another program holds shows "Not listening" with the reason,
 * and Edit moves it to a free port where it listens; an SCU's Test (C-ECHO) shows the node's refusal of a
 * wrong AE title in its words, Edit fixes the AE title, Test then answers and a send through the SCU works;
 * a box's default options read as titles after a reload, and Edit renames it and changes them. The same
 * local box reached through a proxy that answers Slicebox's 404 for `/api/x-desktop` (as a real Slicebox
 * does) shows no Test and no Edit, and says why. Every change is checked on REST. Light and dark
 * screenshots (`network-ext-*`).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../fixtures/free-port.js';
import { testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { ARTIFACTS, launchBrowser, screenshotBothThemes } from './support/browser.js';

interface Scp {
  id: number;
  name: string;
  aeTitle: string;
  port: number;
}
interface Scu extends Scp {
  host: string;
}
interface Box {
  id: number;
  name: string;
  defaultProfile: { options: { name: string }[] };
}

/**
 * The local box as a real Slicebox shows it: every route passed through, except the desktop extensions,
 * which answer Slicebox's 404.
 */
async function withoutExtensions(target: URL): Promise<HttpServer> {
  const server = createHttpServer((incoming, outgoing) => {
    if ((incoming.url ?? '').startsWith('/api/x-desktop')) {
      outgoing.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' });
      outgoing.end('The requested resource could not be found.');
      return;
    }
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('Network screen: C-ECHO, SCP state and edit (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let credentials: { user: string; password: string };
  let blocker: Server;
  let busyPort = 0;
  let scpPort = 0;
  let proxy: HttpServer | undefined;

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${app.localboxApi}${path}`, {
      ...init,
      headers: {
        authorization: auth,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });
  }
  async function api<T>(path: string): Promise<T> {
    const res = await call(path);
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    busyPort = typeof address === 'object' && address ? address.port : 0;
    app = await startApp();
    credentials = JSON.parse(
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
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    if (proxy) await new Promise<void>((resolve) => proxy!.close(() => resolve()));
  });

  const scpRow = (name: string) => page.locator(`[data-testid="scp-row"][data-name="${name}"]`);
  const scuRow = (name: string) => page.locator(`[data-testid="scu-row"][data-name="${name}"]`);
  const boxRow = (name: string) => page.locator(`[data-testid="box-row"][data-name="${name}"]`);
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el
        ? `${el.tagName.toLowerCase()}:${el.getAttribute('data-testid') ?? el.getAttribute('name') ?? el.id}`
        : '';
    });

  async function press(testId: string, within = page.locator('body')): Promise<void> {
    await within.getByTestId(testId).first().focus();
    await page.keyboard.press('Enter');
  }

  async function openNetwork(): Promise<void> {
    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('End'); // Admin
    await page.keyboard.press('ArrowLeft');
    await expect
      .poll(() => page.getByTestId('nav-network').getAttribute('aria-selected'))
      .toBe('true');
  }

  it('an SCP on a port another program holds: "Not listening" with the reason', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await openNetwork();
    await expect
      .poll(() => page.getByTestId('scp-panel').innerText(), { timeout: 15_000 })
      .toContain('No SCPs');
    // The local box has the extensions: no note says otherwise.
    expect(await page.getByTestId('scp-extensions-note').count()).toBe(0);

    await press('scp-add');
    const dialog = page.getByTestId('scp-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.type('Reception');
    await page.keyboard.press('Tab');
    await page.keyboard.type('RECEPTION');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(busyPort));
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);

    const state = scpRow('Reception').getByTestId('scp-state');
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 15_000 }).toBe('failed');
    expect(await state.innerText()).toContain('Not listening');
    expect(await scpRow('Reception').getByTestId('scp-state-reason').innerText()).toBe(
      `Port ${busyPort} is already in use on 127.0.0.1`,
    );
    const states = await api<{ scpId: number; state: string }[]>('/x-desktop/scps/state');
    expect(states.map((s) => s.state)).toEqual(['failed']);
    await page.getByTestId('scp-panel').scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'network-ext-scp-failed');
  });

  it('Edit moves the SCP to a free port: it listens there', async () => {
    scpPort = await freePort();
    await press('scp-edit', scpRow('Reception'));
    const dialog = page.getByTestId('scp-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.locator('h2').innerText()).toBe('Edit SCP Reception');
    expect(await focused()).toBe('input:name');
    expect(await dialog.locator('input[name="name"]').inputValue()).toBe('Reception');
    expect(await dialog.locator('input[name="ae-title"]').inputValue()).toBe('RECEPTION');
    expect(await dialog.locator('input[name="port"]').inputValue()).toBe(String(busyPort));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:port');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(scpPort));
    await screenshotBothThemes(page, 'network-ext-scp-edit');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);

    const state = scpRow('Reception').getByTestId('scp-state');
    await expect
      .poll(() => state.getAttribute('data-state'), { timeout: 15_000 })
      .toBe('listening');
    expect(await state.innerText()).toContain('Listening');
    expect(await scpRow('Reception').getByTestId('scp-port').innerText()).toBe(String(scpPort));
    expect(await api<Scp[]>('/scps')).toEqual([
      expect.objectContaining({ name: 'Reception', aeTitle: 'RECEPTION', port: scpPort }),
    ]);
    expect(await api<{ state: string }[]>('/x-desktop/scps/state')).toEqual([
      expect.objectContaining({ state: 'listening' }),
    ]);
  });

  it('Test of an SCU with a wrong AE title shows the node’s refusal in its words', async () => {
    await press('scu-add');
    const dialog = page.getByTestId('scu-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.type('Front desk');
    await page.keyboard.press('Tab');
    await page.keyboard.type('WRONGAE');
    await page.keyboard.press('Tab');
    await page.keyboard.type('127.0.0.1');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(String(scpPort));
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);
    const row = scuRow('Front desk');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('scu-echo').innerText()).toContain('Not tested');

    await press('scu-test', row);
    const echo = row.getByTestId('scu-echo');
    await expect.poll(() => echo.getAttribute('data-outcome'), { timeout: 45_000 }).toBe('failed');
    expect(await echo.innerText()).toContain('Failed');
    expect(await row.getByTestId('scu-echo-message').innerText()).toBe(
      `WRONGAE@127.0.0.1:${scpPort} rejected the association permanently: called AE title not recognized (result 1, source 1, reason 7)`,
    );
    // The focus stays on Test, ready for another try.
    expect(await focused()).toBe('button:scu-test');
    await page.getByTestId('scu-panel').scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'network-ext-scu-test-failed');
  });

  it('Edit fixes the AE title: Test answers, and a send through the SCU arrives', async () => {
    const upload = await call('/images', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await readFile(testFile('test.dcm'))),
    });
    expect(upload.status).toBe(201);
    const image = (await upload.json()) as { id: number };
    const [scu] = await api<Scu[]>('/scus');
    const before = await call(`/scus/${scu!.id}/send`, {
      method: 'POST',
      body: JSON.stringify([image.id]),
    });
    expect(before.status).toBe(502);

    const row = scuRow('Front desk');
    await press('scu-edit', row);
    const dialog = page.getByTestId('scu-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.locator('h2').innerText()).toBe('Edit SCU Front desk');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('input:ae-title');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('RECEPTION');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => row.getByTestId('scu-ae').innerText()).toBe('RECEPTION');
    // The old test said nothing about the new values.
    expect(await row.getByTestId('scu-echo').getAttribute('data-outcome')).toBe('none');
    expect(await api<Scu[]>('/scus')).toEqual([
      expect.objectContaining({ name: 'Front desk', aeTitle: 'RECEPTION', port: scpPort }),
    ]);

    await press('scu-test', row);
    const echo = row.getByTestId('scu-echo');
    await expect.poll(() => echo.getAttribute('data-outcome'), { timeout: 45_000 }).toBe('ok');
    expect(await echo.innerText()).toContain('Answered');
    expect(await row.getByTestId('scu-echo-message').innerText()).toBe(
      `RECEPTION@127.0.0.1:${scpPort} answered the C-ECHO`,
    );
    await screenshotBothThemes(page, 'network-ext-scu-test-ok');

    // The edited SCU is what a send uses: the image goes to the SCP (this box), which logs its arrival.
    const after = await call(`/scus/${scu!.id}/send`, {
      method: 'POST',
      body: JSON.stringify([image.id]),
    });
    expect(after.status).toBe(204);
    const log = await api<{ message: string }[]>('/log?subject=SCU&type=INFO&count=1');
    expect(log[0]?.message).toBe('Finished sending 1 images using SCU Front desk');
  });

  it('a box’s options read as titles after a reload; Edit renames it and changes them', async () => {
    const created = await call('/boxes/createconnection', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Hospital',
        defaultProfile: { options: [{ name: 'RETAIN_PATIENT_CHARACTERISTICS' }] },
      }),
    });
    expect(created.status).toBe(201);
    const box = (await created.json()) as Box;
    await page.reload();
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await openNetwork();
    const options = boxRow('Hospital').getByTestId('box-options');
    await expect
      .poll(() => options.innerText(), { timeout: 15_000 })
      .toBe('Retain Patient Characteristics');

    await press('box-edit', boxRow('Hospital'));
    const dialog = page.getByTestId('box-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.locator('h2').innerText()).toBe('Edit box Hospital');
    expect(await focused()).toBe('input:box-name');
    expect(await dialog.locator('input[name="box-url"]').count()).toBe(0);
    expect(await dialog.locator('input[value="RETAIN_PATIENT_CHARACTERISTICS"]').isChecked()).toBe(
      true,
    );
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('University hospital');
    await dialog.locator('input[value="RETAIN_UIDS"]').focus();
    await page.keyboard.press('Space');
    await screenshotBothThemes(page, 'network-ext-box-edit');
    await dialog.getByTestId('network-dialog-confirm').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), { timeout: 15_000 }).toBe(0);

    const row = boxRow('University hospital');
    await expect.poll(() => row.count()).toBe(1);
    expect((await row.locator('li.option').allInnerTexts()).sort()).toEqual([
      'Retain Patient Characteristics',
      'Retain UIDs',
    ]);
    const listed = (await api<Box[]>('/boxes')).find((b) => b.id === box.id)!;
    expect(listed.name).toBe('University hospital');
    expect(listed.defaultProfile.options.map((o) => o.name).sort()).toEqual([
      'RETAIN_PATIENT_CHARACTERISTICS',
      'RETAIN_UIDS',
    ]);
    await page.getByTestId('boxes-panel').scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'network-ext-boxes');
  });

  it('a server without the extensions: no Test, no Edit, no state, and a note says why', async () => {
    proxy = await withoutExtensions(new URL(app.localboxApi));
    const address = proxy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await page.getByTestId('connection-add').click();
    await page.getByTestId('connection-name').fill('Plain Slicebox');
    await page.getByTestId('connection-url').fill(`http://127.0.0.1:${port}`);
    await page.getByTestId('connection-user').fill(credentials.user);
    await page.getByTestId('connection-password').fill(credentials.password);
    await page.getByTestId('connection-save').click();
    await expect
      .poll(() => page.getByTestId('connection-editor').count(), { timeout: 15_000 })
      .toBe(0);
    const plain = page.locator('[data-testid="connection"]:not([data-connection-id="local"])');
    await expect.poll(() => plain.getAttribute('aria-current'), { timeout: 15_000 }).toBe('true');
    if ((await page.getByTestId('nav-network').getAttribute('aria-selected')) !== 'true')
      await page.getByTestId('nav-network').click();

    // Same server, same rows: without the extensions the app offers only what Slicebox has.
    await expect.poll(() => scuRow('Front desk').count(), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(() => page.getByTestId('scu-extensions-note').innerText(), { timeout: 15_000 })
      .toContain('cannot test SCUs with a C-ECHO, nor edit them');
    expect(await page.getByTestId('scp-extensions-note').innerText()).toContain(
      'does not say whether its SCPs listen',
    );
    expect(await page.getByTestId('box-extensions-note').innerText()).toContain(
      'cannot edit a box',
    );
    expect(await page.getByTestId('scu-test').count()).toBe(0);
    expect(await page.getByTestId('scu-edit').count()).toBe(0);
    expect(await page.getByTestId('scp-edit').count()).toBe(0);
    expect(await page.getByTestId('box-edit').count()).toBe(0);
    expect(await page.getByTestId('scp-state').count()).toBe(0);
    expect(await page.getByTestId('scu-echo').count()).toBe(0);
    expect(await scuRow('Front desk').getByTestId('scu-delete').count()).toBe(1);
    await page.getByTestId('scu-panel').scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'network-ext-plain-slicebox');
  });
});
