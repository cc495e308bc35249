/**
 * "What the receiver will get" end to end (issue 10, finding 1), browser mode with the app's real local box
 * connected to a second local box process, and dcmtk's storescp as a DICOM node:
 * - Send of identified data: the preview lists the identifying attributes before → after; what the other
 *   server stored (its REST API) is exactly what the preview showed, row by row. Keep Names changes the
 *   preview before anything is sent.
 * - Send of data flagged PatientIdentityRemoved = YES (Doe^Peter, the case): called out by name and
 *   count, "Anonymize anyway" preselected; it arrives anonymized as previewed, with a key on the sender.
 * - Send as is (Doe^Archibald, flagged): the preview says unchanged; it arrives unchanged.
 * - Send to SCP and Export: the preview says unchanged and names the patients.
 * - Anonymize (in place) of flagged data: stored afterwards exactly as previewed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../fixtures/paths.js';
import { freePort } from '../fixtures/free-port.js';
import { startRemoteBox, type RemoteBox } from './connections-remote-box.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
const ADMIN = 'Basic ' + Buffer.from('admin:admin').toString('base64');
const NEW_UID = /^2\.25\.\d+$/;

interface ShownRow {
  keyword: string;
  change: string;
  generated: boolean;
  before: string | null;
  after: string | null;
}
interface Attribute {
  namePath: string[];
  values: string[];
}

/** The rows of one previewed series, as the dialog shows them. */
function shownRows(series: Locator): Promise<ShownRow[]> {
  return series.locator('[data-testid="privacy-row"]').evaluateAll((rows) =>
    rows.map((row) => ({
      keyword: row.getAttribute('data-keyword') ?? '',
      change: row.getAttribute('data-change') ?? '',
      generated: row.getAttribute('data-generated') === 'true',
      before: row.getAttribute('data-before'),
      after: row.getAttribute('data-after'),
    })),
  );
}

/** Every shown row arrived exactly as shown (a generated value: a new UID in place of the old one). */
function expectArrivedAsShown(rows: ShownRow[], attributes: Attribute[]): void {
  expect(rows.length).toBeGreaterThan(5);
  const arrived = (keyword: string): string | null => {
    const el = attributes.find((a) => a.namePath.length === 1 && a.namePath[0] === keyword);
    return el ? el.values.join('\\') : null;
  };
  for (const row of rows) {
    const value = arrived(row.keyword);
    if (row.generated) {
      expect(value, row.keyword).toMatch(NEW_UID);
      expect(value, row.keyword).not.toBe(row.before);
    } else {
      expect(value, row.keyword).toBe(row.after);
    }
  }
}

function dcmdumpValue(file: string, keyword: string): string {
  const out = spawnSync('dcmdump', ['+P', keyword, file], { encoding: 'utf8' }).stdout;
  return /\[([^\]]*)\]/.exec(out)?.[1] ?? '';
}

describe('privacy preview: what the receiver will get (browser mode)', () => {
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

  type Patient = { id: number; patientName: { value: string }; patientID: { value: string } };
  /** The images the other server holds for the patient of that name (waits for `count`). */
  async function arrived(name: string, count: number): Promise<Attribute[][]> {
    await expect
      .poll(
        async () => {
          const p = (await other<Patient[]>('/metadata/patients?count=100')).find(
            (x) => x.patientName.value === name,
          );
          return p ? (await other<unknown[]>(`/metadata/patients/${p.id}/images`)).length : 0;
        },
        { timeout: 90_000 },
      )
      .toBe(count);
    const p = (await other<Patient[]>('/metadata/patients?count=100')).find(
      (x) => x.patientName.value === name,
    )!;
    const images = await other<{ id: number }[]>(`/metadata/patients/${p.id}/images`);
    return Promise.all(images.map((i) => other<Attribute[]>(`/images/${i.id}/attributes`)));
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    [app, remote] = await Promise.all([startApp(), startRemoteBox()]);
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    const poll = await other<{ baseUrl: string }>('/boxes/createconnection', {
      name: 'Desktop',
      defaultProfile: { options: [] },
    });
    await local('/boxes/connect', {
      name: 'Research',
      baseUrl: poll.baseUrl,
      defaultProfile: { options: [{ name: 'RETAIN_PATIENT_CHARACTERISTICS' }] },
    });
    scpDir = await mkdtemp(join(tmpdir(), 'sbx-e2e-privacy-scp-'));
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
  const preview = () => dialog().getByTestId('privacy-preview');
  const ready = () => expect.poll(() => preview().getAttribute('data-state'), { timeout: 30_000 });
  const patient = (text: string) => page.getByTestId('patient-row').filter({ hasText: text });

  async function runOn(text: string, action: string): Promise<void> {
    await patient(text).first().click();
    await expect.poll(() => page.getByTestId('selection-count').count()).toBe(1);
    await page.getByTestId('selection-actions').focus();
    await page.keyboard.press('Enter');
    const menu = page.getByTestId('selection-menu');
    await expect.poll(() => menu.count()).toBe(1);
    await menu.locator(`[role="menuitem"][data-action="${action}"]`).click();
    await expect.poll(() => dialog().getAttribute('data-kind')).toBe(action);
  }

  /** Send through the box up to Anonymization Details with its preview ready. */
  async function sendDetails(text: string): Promise<void> {
    await runOn(text, 'send');
    await expect.poll(phase, { timeout: 15_000 }).toBe('receiver');
    const receiver = dialog().locator('[data-testid="receiver"][data-name="Research"]');
    await expect.poll(() => receiver.innerText(), { timeout: 40_000 }).toMatch(/online/);
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 30_000 }).toBe('details');
    await ready().toBe('ready');
  }

  async function finishSend(resultText: RegExp): Promise<void> {
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 60_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toMatch(resultText);
    await expect
      .poll(() => dialog().getByTestId('send-progress').getAttribute('data-status'), {
        timeout: 90_000,
      })
      .toBe('FINISHED');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);
  }

  it('imports identified data and two patients flagged already anonymous', async () => {
    const box = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => box.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await dropFiles(page, '#drop', [
      pydicomFile('CT_small.dcm'),
      pydicomFile('dicomdir_98892001_CT2N_6293.dcm'),
      pydicomFile('dicomdir_98892001_CT2N_6924.dcm'),
      pydicomFile('dicomdir_77654033_CR1_6154.dcm'),
    ]);
    await expect
      .poll(() => page.getByTestId('import-job').first().getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toBe('done');
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(3);
  });

  it('Send of identified data: the other server stores exactly what the preview showed', async () => {
    await sendDetails('CT1');
    expect(await dialog().getByTestId('privacy-flagged').count()).toBe(0);
    const series = preview().getByTestId('privacy-series');
    expect(await series.count()).toBe(1);
    expect(await series.getAttribute('data-outcome')).toBe('anonymized');
    let rows = await shownRows(series);
    const byKeyword = (keyword: string) => rows.find((r) => r.keyword === keyword);
    expect(byKeyword('PatientName')).toMatchObject({
      before: 'CompressedSamples^CT1',
      after: 'anon 001',
      change: 'replaced',
    });
    expect(byKeyword('PatientID')).toMatchObject({ before: '1CT1', generated: true });
    // RETAIN_PATIENT_CHARACTERISTICS (the box's default) keeps the sex.
    expect(byKeyword('PatientSex')).toMatchObject({ change: 'kept' });
    expect(byKeyword('StudyInstanceUID')).toMatchObject({ generated: true });
    expect(byKeyword('InstitutionName')).toMatchObject({ change: 'removed' });
    await screenshotBothThemes(page, 'privacy-send-identified');

    // Keep Names: the preview follows before anything is sent (the profile gives a new UID as name).
    await dialog().getByTestId('anon-keep-names').click();
    await expect
      .poll(async () => (await shownRows(series)).find((r) => r.keyword === 'PatientName'))
      .toMatchObject({ generated: true });
    await dialog().getByTestId('anon-keep-names').click();
    await expect
      .poll(async () => (await shownRows(series)).find((r) => r.keyword === 'PatientName'))
      .toMatchObject({ after: 'anon 001', generated: false });
    await ready().toBe('ready');
    rows = await shownRows(series);

    await finishSend(/^Queued 1 image for Research/);
    const [attributes] = await arrived('anon 001', 1);
    expectArrivedAsShown(rows, attributes!);
  });

  it('Send of data flagged already anonymous: called out; "Anonymize anyway" (the default) arrives as previewed', async () => {
    await sendDetails('Doe, Peter');
    const flagged = dialog().getByTestId('privacy-flagged');
    expect(await flagged.getAttribute('data-count')).toBe('2');
    expect(await flagged.getByTestId('flagged-patient').allInnerTexts()).toEqual([
      expect.stringMatching(/Doe, Peter\s+98890234\s+2 images/),
    ]);
    expect(await dialog().getByTestId('flagged-anonymize').isChecked()).toBe(true);
    expect(await dialog().getByTestId('flagged-as-is').isChecked()).toBe(false);
    await dialog().getByTestId('anon-prefix').fill('peter');
    const series = preview().getByTestId('privacy-series');
    await expect
      .poll(async () => (await shownRows(series)).find((r) => r.keyword === 'PatientName'))
      .toMatchObject({ before: 'Doe^Peter', after: 'peter 001', change: 'replaced' });
    await ready().toBe('ready');
    expect(await series.getAttribute('data-flagged')).toBe('true');
    expect(await series.getAttribute('data-outcome')).toBe('anonymized');
    const rows = await shownRows(series);
    expect(rows.find((r) => r.keyword === 'PatientID')).toMatchObject({
      before: '98890234',
      generated: true,
    });
    await screenshotBothThemes(page, 'privacy-send-flagged');

    await finishSend(/^Anonymized 2 flagged images here first\. Queued 2 images for Research/);
    const images = await arrived('peter 001', 2);
    for (const attributes of images) expectArrivedAsShown(rows, attributes);
    // The key of that anonymization, on the sender: the pseudonym the receiver got.
    const keys = await local<
      { patientName: string; anonPatientName: string; anonPatientID: string }[]
    >('/anonymization/keys?count=100');
    const peterKeys = keys.filter((k) => k.patientName === 'Doe^Peter');
    expect(peterKeys.length).toBeGreaterThan(0);
    const arrivedId = images[0]!.find((a) => a.namePath[0] === 'PatientID')!.values[0];
    expect(peterKeys.every((k) => k.anonPatientName === 'peter 001')).toBe(true);
    expect(peterKeys.map((k) => k.anonPatientID)).toContain(arrivedId);
    // Here, the flagged originals were replaced by the anonymized copies.
    await expect.poll(() => patient('Doe, Peter').count(), { timeout: 15_000 }).toBe(0);
    expect(await patient('peter 001').count()).toBe(1);
  });

  it('Send as is: the preview says unchanged, and that is what arrives', async () => {
    await sendDetails('Archibald');
    expect(await dialog().getByTestId('privacy-flagged').getAttribute('data-count')).toBe('1');
    await dialog().getByTestId('flagged-as-is').check();
    const series = preview().getByTestId('privacy-series');
    await expect.poll(() => series.getAttribute('data-outcome')).toBe('unchanged');
    await ready().toBe('ready');
    const rows = await shownRows(series);
    expect(rows.every((r) => r.change === 'kept' && !r.generated)).toBe(true);
    expect(rows.find((r) => r.keyword === 'PatientName')?.after).toBe('Doe^Archibald');
    // The chosen name is not applied to a patient whose images all go as they are.
    expect(await dialog().getByTestId('anon-name-as-is').count()).toBe(1);
    await screenshotBothThemes(page, 'privacy-send-as-is');

    await finishSend(/^Queued 1 image for Research/);
    const [attributes] = await arrived('Doe^Archibald', 1);
    expectArrivedAsShown(rows, attributes!);
  });

  it('Send to SCP: the preview says unchanged and names the patient', async () => {
    await runOn('CT1', 'sendToScu');
    await expect.poll(phase, { timeout: 30_000 }).toBe('receiver');
    await ready().toBe('ready');
    const unchanged = dialog().getByTestId('privacy-unchanged');
    expect(await unchanged.innerText()).toMatch(/Sent unchanged: no anonymization/);
    expect(await unchanged.getByTestId('privacy-patient').allInnerTexts()).toEqual([
      expect.stringMatching(/CompressedSamples, CT1\s+1CT1\s+1 image/),
    ]);
    const rows = await shownRows(preview().getByTestId('privacy-series'));
    expect(rows.every((r) => r.change === 'kept')).toBe(true);
    expect(rows.find((r) => r.keyword === 'PatientName')?.after).toBe('CompressedSamples^CT1');
    await screenshotBothThemes(page, 'privacy-send-scp');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 60_000 }).toBe('done');
    const files = await readdir(scpDir);
    expect(files).toHaveLength(1);
    expect(dcmdumpValue(join(scpDir, files[0]!), 'PatientName')).toBe('CompressedSamples^CT1');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);
  });

  it('Export: the dialog says the zip holds the stored data unchanged; Escape exports nothing', async () => {
    await patient('Archibald').first().click();
    await page.getByTestId('export-button').click();
    await expect.poll(() => dialog().getAttribute('data-kind')).toBe('export');
    await expect.poll(phase, { timeout: 30_000 }).toBe('confirm');
    await ready().toBe('ready');
    expect(await dialog().getByTestId('privacy-unchanged').innerText()).toMatch(
      /Exported unchanged: no anonymization[\s\S]*Doe, Archibald/,
    );
    await screenshotBothThemes(page, 'privacy-export');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
    expect(await page.getByTestId('export-job').count()).toBe(0);
  });

  it('Anonymize in place: flagged data is anonymized again, and stored exactly as previewed', async () => {
    await runOn('Archibald', 'anonymize');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 30_000 }).toBe('details');
    await ready().toBe('ready');
    expect(await dialog().getByTestId('privacy-flagged').innerText()).toMatch(
      /The image is flagged as already anonymous[\s\S]*anonymized again/,
    );
    const rows = await shownRows(preview().getByTestId('privacy-series'));
    expect(rows.find((r) => r.keyword === 'PatientName')).toMatchObject({
      before: 'Doe^Archibald',
      after: 'anon 001',
    });
    await screenshotBothThemes(page, 'privacy-anonymize');
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    await page.keyboard.press('Enter');
    const patients = await local<Patient[]>('/metadata/patients?count=100');
    const stored = patients.filter((p) => p.patientName.value === 'anon 001');
    expect(stored).toHaveLength(1);
    const [image] = await local<{ id: number }[]>(`/metadata/patients/${stored[0]!.id}/images`);
    expectArrivedAsShown(rows, await local<Attribute[]>(`/images/${image!.id}/attributes`));
  });
});
