/**
 * Home's Send and Send to SCP end to end (browser mode, Chromium, the app's real local box):
 * - Send: a second Slicebox (another local box process) creates a box connection; the desktop's local box
 *   connects to it. A CT image of one patient is sent from the Browse screen's action menu, by
 *   keyboard: Select Receiver, then Anonymization Details with a chosen name. The dialog follows the
 *   transfer to "finished", and the other server holds exactly those images under the anonymous name.
 * - Send to SCP: dcmtk's storescp is the DICOM node; the other patient's image arrives there (same SOP
 *   Instance UID, checked with dcmdump).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../fixtures/paths.js';
import { startRemoteBox, type RemoteBox } from './connections-remote-box.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';
import { freePort } from '../fixtures/free-port.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
const ADMIN = 'Basic ' + Buffer.from('admin:admin').toString('base64');

function dcmdumpValue(file: string, keyword: string): string {
  const out = spawnSync('dcmdump', ['+P', keyword, file], { encoding: 'utf8' }).stdout;
  return /\[([^\]]*)\]/.exec(out)?.[1] ?? '';
}

describe('Send and Send to SCP (browser mode)', () => {
  let app: RunningApp;
  let remote: RemoteBox;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  let storescp: ChildProcess | undefined;
  let scpDir: string;

  async function call<T>(base: string, authorization: string, path: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
    return (await res.json()) as T;
  }
  const local = <T>(path: string, body?: unknown) => call<T>(app.localboxApi, auth, path, body);
  const other = <T>(path: string, body?: unknown) =>
    call<T>(`${remote.url}/api`, ADMIN, path, body);

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [app, remote] = await Promise.all([startApp(), startRemoteBox()]);
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');

    // The other server hands out a box URL; the desktop's local box connects to it (a PUSH box).
    const poll = await other<{ baseUrl: string }>('/boxes/createconnection', {
      name: 'Desktop',
      defaultProfile: { options: [] },
    });
    await local('/boxes/connect', {
      name: 'Research',
      baseUrl: poll.baseUrl,
      defaultProfile: {
        options: [{ name: 'RETAIN_PATIENT_CHARACTERISTICS' }],
      },
    });

    // dcmtk's storescp as the DICOM node the local box sends to.
    scpDir = await mkdtemp(join(tmpdir(), 'sbx-e2e-storescp-'));
    const port = await freePort();
    storescp = spawn('storescp', ['+xa', '-aet', 'ARCHIVE', '-od', scpDir, String(port)], {
      env: { ...process.env, TCP_NODELAY: '1' },
      stdio: 'ignore',
    });
    await local('/scus', { id: -1, name: 'Archive', aeTitle: 'ARCHIVE', host: '127.0.0.1', port });

    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    storescp?.kill();
    await remote?.kill();
    if (app) expect(await app.stop()).toBe(0);
  });

  const dialog = () => page.getByTestId('action-dialog');
  const phase = () => dialog().getAttribute('data-phase');
  const patient = (text: string) => page.getByTestId('patient-row').filter({ hasText: text });

  /** Selects a patient row and runs an action from the selection bar's menu, by keyboard. */
  async function runOn(text: string, action: string): Promise<void> {
    await patient(text).first().click();
    await expect.poll(() => page.getByTestId('selection-count').count()).toBe(1);
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

  it('imports two patients', async () => {
    const box = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => box.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await dropFiles(page, '#drop', [pydicomFile('CT_small.dcm'), pydicomFile('MR_small.dcm')]);
    await expect
      .poll(() => page.getByTestId('import-job').first().getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toBe('done');
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(2);
  });

  it('Send: Select Receiver, Anonymization Details, progress to finished; the other server has the images', async () => {
    await runOn('CT1', 'send');
    await expect.poll(phase, { timeout: 15_000 }).toBe('receiver');
    const receiver = dialog().locator('[data-testid="receiver"][data-name="Research"]');
    expect(await receiver.count()).toBe(1);
    // The only box is preselected and focused: Enter selects it.
    expect(await receiver.locator('input').isChecked()).toBe(true);
    await expect.poll(() => receiver.innerText(), { timeout: 40_000 }).toMatch(/online/);
    await screenshotBothThemes(page, 'send-receiver');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 15_000 }).toBe('details');

    // The box's default option is preselected; the name grid has the patient.
    const option = dialog().locator('input[name="option"][value="RETAIN_PATIENT_CHARACTERISTICS"]');
    expect(await option.isChecked()).toBe(true);
    await dialog().getByTestId('anon-prefix').fill('trial');
    expect(await dialog().locator('input[name="anonymized-name"]').inputValue()).toBe('trial 001');
    await screenshotBothThemes(page, 'send-details');
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain(
      'Queued 1 image for Research',
    );
    const progress = dialog().getByTestId('send-progress');
    await expect
      .poll(() => progress.getAttribute('data-status'), { timeout: 90_000 })
      .toBe('FINISHED');
    expect(await dialog().getByTestId('send-sent').innerText()).toBe('1');
    await screenshotBothThemes(page, 'send-finished');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);

    // The other server holds the image under the chosen name, and nothing of the patient's identity.
    const patients =
      await other<{ id: number; patientName: { value: string } }[]>('/metadata/patients');
    expect(patients.map((p) => p.patientName.value)).toEqual(['trial 001']);
    const images = await other<{ id: number }[]>(`/metadata/patients/${patients[0]!.id}/images`);
    expect(images).toHaveLength(1);
    const incoming =
      await other<{ receivedImageCount: number; status: string }[]>('/boxes/incoming');
    expect(incoming.map((t) => [t.receivedImageCount, t.status])).toEqual([[1, 'FINISHED']]);
  });

  it('Send to SCP: the image arrives at storescp with its SOP Instance UID', async () => {
    const expected = dcmdumpValue(pydicomFile('MR_small.dcm'), 'SOPInstanceUID');
    expect(expected).not.toBe('');
    await runOn('MR1', 'sendToScu');
    await expect.poll(phase, { timeout: 15_000 }).toBe('receiver');
    expect(await dialog().locator('[data-testid="receiver"]').allInnerTexts()).toEqual([
      expect.stringContaining('ARCHIVE @ 127.0.0.1:'),
    ]);
    await screenshotBothThemes(page, 'send-scp-receiver');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 60_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain(
      'Sent 1 image to Archive',
    );
    const files = await readdir(scpDir);
    expect(files).toHaveLength(1);
    expect(dcmdumpValue(join(scpDir, files[0]!), 'SOPInstanceUID')).toBe(expected);
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);
  });

  it('Send to SCP: a node that is down gives the server’s error, and nothing is lost', async () => {
    storescp?.kill();
    await new Promise((resolve) => storescp?.once('exit', resolve));
    await runOn('MR1', 'sendToScu');
    await expect.poll(phase, { timeout: 15_000 }).toBe('receiver');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 60_000 }).toBe('error');
    expect(await page.getByTestId('action-error').innerText()).toMatch(/502|refused|Unable/i);
    await screenshotBothThemes(page, 'send-scp-error');
    await page.keyboard.press('Enter');
    expect(await patient('MR1').count()).toBe(1);
  });
});
