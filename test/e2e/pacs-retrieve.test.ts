/**
 * The PACS screen end to end (issue 12), browser mode with the app's real local box, a second local box process
 * as the receiving Slicebox, and a real Orthanc (Debian's) as the hospital PACS: its called AE checked, only
 * the AE titles in its DicomModalities allowed (the local box's SCP `SLICEBOX`), loaded with shared test files.
 *
 * - query by patient name → the study with its 7 images → its two series → retrieve it (C-MOVE into the box's
 *   SCP) → the job completes → Open: Browse shows the study with 7 images → Send… from the job, through the
 *   box, anonymized on the way → the receiver (its REST API) holds 7 anonymized images.
 * - a refused association (the calling AE title set wrong in the node's settings): the query and the job say
 *   so in the PACS's words, the connection stays online; fixed, the job is retried from the UI and completes.
 * - a move destination Orthanc does not know (the second SCP): the job fails saying so; fixed, Retry completes.
 * - the jobs outlive the app: after a restart they are listed as they ended; a finished one is deleted.
 *
 * Orthanc runs once for the file (beforeAll/afterAll, bounded waits); missing Orthanc or dcmtk fails the file.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrthanc, type OrthancServer } from '../../bench/orthanc.js';
import { canConnect, waitFor } from '../engine/dimse-support.js';
import { orthancUploadAll, requirePeerTools } from '../engine/pacs-support.js';
import { freePort } from '../fixtures/free-port.js';
import { pydicomFile } from '../fixtures/paths.js';
import { startRemoteBox, type RemoteBox } from './connections-remote-box.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { expectNoSeriousA11yViolationsInBothThemes } from './support/axe.js';
import { launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
const ADMIN = 'Basic ' + Buffer.from('admin:admin').toString('base64');
const DOE_STUDY = '1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.1';
const DOE_FILES = [
  'CT2N_6293',
  'CT2N_6924',
  'CT5N_2062',
  'CT5N_2392',
  'CT5N_2693',
  'CT5N_3023',
  'CT5N_3353',
].map((n) => pydicomFile(`dicomdir_98892001_${n}.dcm`));

interface Attribute {
  namePath: string[];
  values: string[];
}

describe('PACS: query, retrieve, open and send (browser mode, Orthanc)', () => {
  let app: RunningApp;
  let remote: RemoteBox;
  let orthanc: OrthancServer;
  let orthancDir: string;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;

  async function call<T>(base: string, authorization: string, path: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
    return (await res.json()) as T;
  }
  const local = <T>(path: string, body?: unknown) => call<T>(app.localboxApi, auth, path, body);
  const other = <T>(path: string, body?: unknown) =>
    call<T>(`${remote.url}/api`, ADMIN, path, body);

  beforeAll(async () => {
    const { orthanc: bin } = requirePeerTools();
    await mkdir(ARTIFACTS, { recursive: true });
    const scpPort = await freePort();
    const scp2Port = await freePort();
    orthancDir = await mkdtemp(join(tmpdir(), 'sbx-e2e-orthanc-'));
    [orthanc, app, remote] = await Promise.all([
      startOrthanc(bin, orthancDir, {
        dicom: true,
        config: {
          // A hospital PACS: the called AE checked, and only the AE titles it knows may associate.
          DicomCheckCalledAet: true,
          DicomAlwaysAllowEcho: false,
          DicomAlwaysAllowStore: false,
          DicomModalities: { slicebox: ['SLICEBOX', '127.0.0.1', scpPort] },
        },
      }),
      startApp(),
      startRemoteBox(),
    ]);
    await orthancUploadAll(
      orthanc,
      await Promise.all(
        [...DOE_FILES, pydicomFile('CT_small.dcm'), pydicomFile('MR_small.dcm')].map((f) =>
          readFile(f),
        ),
      ),
    );

    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
    // The receiving Slicebox hands out a box URL; the desktop's local box connects to it.
    const poll = await other<{ baseUrl: string }>('/boxes/createconnection', {
      name: 'Desktop',
      defaultProfile: { options: [] },
    });
    await local('/boxes/connect', {
      name: 'Research',
      baseUrl: poll.baseUrl,
      defaultProfile: { options: [] },
    });
    // The box's receivers (the first is the C-MOVE destination Orthanc knows) and the PACS as a node.
    await local('/scps', { id: -1, name: 'Receiver', aeTitle: 'SLICEBOX', port: scpPort });
    await local('/scps', { id: -1, name: 'Second receiver', aeTitle: 'SLICEBOX2', port: scp2Port });
    await waitFor(() => canConnect(scpPort), 15_000, 'the SCP to listen');
    await waitFor(() => canConnect(scp2Port), 15_000, 'the second SCP to listen');
    await local('/scus', {
      id: -1,
      name: 'Hospital PACS',
      aeTitle: 'ORTHANC',
      host: '127.0.0.1',
      port: orthanc.dicomPort,
    });

    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
  });

  afterAll(async () => {
    await browser?.close();
    await remote?.kill();
    if (app) expect(await app.stop()).toBe(0);
    await orthanc?.stop();
    if (orthancDir) await rm(orthancDir, { recursive: true, force: true });
  });

  const rows = () => page.getByTestId('pacs-row');
  const studyRow = () => page.locator('[data-testid="pacs-row"][data-kind="study"]');
  const job = (id: string) => page.locator(`[data-testid="retrieve-row"][data-id="${id}"]`);
  const dialog = () => page.getByTestId('action-dialog');
  const phase = () => dialog().getAttribute('data-phase');

  async function openPacs(): Promise<void> {
    if ((await page.getByTestId('nav-pacs').getAttribute('aria-selected')) === 'true') return;
    await page.getByTestId('nav-pacs').click();
    await expect.poll(() => page.getByTestId('pacs-screen').count()).toBe(1);
  }

  /**
   * Types a patient name and presses Enter; waits until the results are the new answer: one study row whose
   * text has `shows`, or (without it) the PACS's error.
   */
  async function search(name: string, shows?: string): Promise<void> {
    const field = page.getByTestId('pacs-q-name');
    await field.fill(name);
    await field.press('Enter');
    if (shows === undefined) {
      await expect
        .poll(() => page.getByTestId('pacs-query-error').count(), { timeout: 30_000 })
        .toBe(1);
      return;
    }
    await expect
      .poll(() => studyRow().allInnerTexts(), { timeout: 30_000 })
      .toEqual([expect.stringContaining(shows)]);
  }

  /** Retrieve of the selection; resolves to the id of the new job. */
  async function retrieve(): Promise<string> {
    const before = await page.getByTestId('retrieve-row').count();
    await page.getByTestId('pacs-retrieve').click();
    await expect.poll(() => page.getByTestId('retrieve-row').count()).toBe(before + 1);
    return (await page.getByTestId('retrieve-row').first().getAttribute('data-id'))!;
  }

  async function settingsDialog(change: (d: ReturnType<Page['getByTestId']>) => Promise<void>) {
    await page.getByTestId('pacs-settings-button').click();
    const d = page.getByTestId('pacs-settings-dialog');
    await expect.poll(() => d.count()).toBe(1);
    await expect.poll(() => d.locator('select[name="destination"] option').count()).toBe(3);
    await change(d);
    await d.getByTestId('network-dialog-confirm').click();
    await expect.poll(() => d.count(), { timeout: 15_000 }).toBe(0);
  }

  it('the PACS tab is reached by keyboard; the node is the SCU; a patient name finds the study', async () => {
    const box = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => box.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await page.getByTestId('nav-browse').focus();
    await page.keyboard.press('ArrowRight'); // Import sessions
    await page.keyboard.press('ArrowRight'); // PACS
    await expect
      .poll(() => page.getByTestId('nav-pacs').getAttribute('aria-selected'))
      .toBe('true');
    await expect
      .poll(() => page.getByTestId('pacs-node-address').count(), { timeout: 15_000 })
      .toBe(1);
    expect(await page.getByTestId('pacs-node').locator('option:checked').innerText()).toBe(
      'Hospital PACS',
    );
    expect(await page.getByTestId('pacs-node-address').innerText()).toBe(
      `ORTHANC @ 127.0.0.1:${orthanc.dicomPort}`,
    );
    expect(await page.getByTestId('pacs-node-route').innerText()).toContain(
      'C-MOVE to SLICEBOX (this box, port',
    );
    expect(await page.getByTestId('pacs-results-empty').innerText()).toContain('press Search');

    await search('doe', 'Doe, Peter');
    const row = studyRow().first();
    expect(await row.getAttribute('data-uid')).toBe(DOE_STUDY);
    expect(await row.innerText()).toContain('Doe, Peter');
    expect(await row.getByTestId('pacs-study-images').innerText()).toBe('7');
    expect(await page.getByTestId('pacs-results-what').innerText()).toBe(
      '1 study on Hospital PACS',
    );
    await screenshotBothThemes(page, 'pacs-results');
  });

  it('a study expands into its series by keyboard (→) and folds back (←)', async () => {
    const row = studyRow().first();
    await row.focus();
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.locator('[data-testid="pacs-row"][data-kind="series"]').count(), {
        timeout: 30_000,
      })
      .toBe(2);
    expect(await row.getByTestId('pacs-expand').getAttribute('aria-expanded')).toBe('true');
    expect(
      (await page.getByTestId('pacs-series-images').allInnerTexts()).map(Number).sort(),
    ).toEqual([2, 5]);
    await screenshotBothThemes(page, 'pacs-series');
    await expectNoSeriousA11yViolationsInBothThemes(page, 'pacs-series');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => rows().count()).toBe(1);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => rows().count()).toBe(3);
  });

  it('retrieves the study: the job completes with 7 images; Open shows the study in Browse with 7 images', async () => {
    // A click selects the study row alone (its series rows are not selected); Retrieve names what it fetches.
    await studyRow().first().getByTestId('pacs-study-date').click();
    expect(await studyRow().first().getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('pacs-retrieve').innerText()).toContain('Retrieve 1 study');
    const id = await retrieve();
    await expect
      .poll(() => job(id).getAttribute('data-status'), { timeout: 90_000 })
      .toBe('completed');
    expect(await job(id).getByTestId('retrieve-received').innerText()).toBe('7 images');
    expect(await job(id).getByTestId('retrieve-summary').innerText()).toBe('7 images retrieved');
    const items = page.getByTestId('retrieve-items');
    expect(await items.getAttribute('data-id')).toBe(id);
    const item = items.getByTestId('retrieve-item').first();
    expect(await item.getByTestId('retrieve-item-received').innerText()).toBe('7');
    expect(await item.getByTestId('retrieve-item-here').innerText()).toBe('7');
    expect(await item.getByTestId('retrieve-item-counts').innerText()).toContain('7 · 0 · 0 · 0');
    await screenshotBothThemes(page, 'pacs-retrieved');
    await expectNoSeriousA11yViolationsInBothThemes(page, 'pacs-retrieved');

    // The box holds them, from its SCP.
    const patients =
      await local<{ id: number; patientName: { value: string } }[]>('/metadata/patients');
    const doe = patients.find((p) => p.patientName.value === 'Doe^Peter')!;
    expect(await local<unknown[]>(`/metadata/patients/${doe.id}/images`)).toHaveLength(7);

    await job(id).getByTestId('retrieve-open').click();
    await expect
      .poll(() => page.getByTestId('nav-browse').getAttribute('aria-selected'))
      .toBe('true');
    const selectedPatient = page.locator('[data-testid="patient-row"][aria-selected="true"]');
    await expect
      .poll(() => selectedPatient.innerText(), { timeout: 30_000 })
      .toContain('Doe, Peter');
    const selectedStudy = page.locator('[data-testid="study-row"][aria-selected="true"]');
    await expect
      .poll(
        async () =>
          (await selectedStudy.getByTestId('study-contents').textContent())
            ?.replace(/\s+/g, ' ')
            .trim(),
        { timeout: 30_000 },
      )
      .toBe('CT · 7 images');
    await expect.poll(() => page.getByTestId('series-count').innerText()).toBe('2');
    await screenshotBothThemes(page, 'pacs-open-in-browse');
  });

  it('Send… from the job goes through the box, anonymized: the receiver holds 7 images without the identity', async () => {
    await openPacs();
    const id = (await page.getByTestId('retrieve-row').first().getAttribute('data-id'))!;
    await job(id).getByTestId('retrieve-send').click();
    await expect.poll(() => dialog().getAttribute('data-kind')).toBe('send');
    await expect.poll(phase, { timeout: 15_000 }).toBe('receiver');
    const receiver = dialog().locator('[data-testid="receiver"][data-name="Research"]');
    await expect.poll(() => receiver.innerText(), { timeout: 40_000 }).toMatch(/online/);
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 30_000 }).toBe('details');
    await expect
      .poll(() => dialog().getByTestId('privacy-preview').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('ready');
    await dialog().getByTestId('anon-prefix').fill('trial');
    await expect
      .poll(() => dialog().getByTestId('privacy-preview').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('ready');
    await screenshotBothThemes(page, 'pacs-send-details');
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 60_000 }).toBe('done');
    // Doe^Peter's files say PatientIdentityRemoved = YES: "Anonymize anyway" (the default) anonymizes them.
    expect(await page.getByTestId('action-result').innerText()).toMatch(
      /Anonymized 7 flagged images here first\. Queued 7 images for Research/,
    );
    await expect
      .poll(() => dialog().getByTestId('send-progress').getAttribute('data-status'), {
        timeout: 90_000,
      })
      .toBe('FINISHED');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);

    const patients =
      await other<{ id: number; patientName: { value: string }; patientID: { value: string } }[]>(
        '/metadata/patients',
      );
    expect(patients.map((p) => p.patientName.value)).toEqual(['trial 001']);
    expect(patients[0]!.patientID.value).not.toBe('98890234');
    const images = await other<{ id: number }[]>(`/metadata/patients/${patients[0]!.id}/images`);
    expect(images).toHaveLength(7);
    for (const image of images) {
      const attributes = await other<Attribute[]>(`/images/${image.id}/attributes`);
      const value = (keyword: string) =>
        attributes.find((a) => a.namePath.length === 1 && a.namePath[0] === keyword)?.values[0];
      expect(value('PatientName')).toBe('trial 001');
      expect(value('PatientID')).not.toBe('98890234');
      expect(value('PatientIdentityRemoved')).toBe('YES');
      expect(value('StudyInstanceUID')).not.toBe(DOE_STUDY);
    }
  });

  it('a refused association (wrong calling AE): the PACS’s words for the query and the job; fixed, Retry completes', async () => {
    await search('CompressedSamples^CT1', 'CompressedSamples, CT1');
    await studyRow().first().getByTestId('pacs-study-date').click();

    await settingsDialog(async (d) => {
      await d.locator('input[name="calling-ae"]').fill('INTRUDER');
    });
    await expect
      .poll(() => page.getByTestId('pacs-node-route').innerText())
      .toContain('calling as INTRUDER');

    const id = await retrieve();
    await expect
      .poll(() => job(id).getAttribute('data-status'), { timeout: 60_000 })
      .toBe('failed');
    expect(await job(id).getByTestId('retrieve-summary').innerText()).toBe(
      'The PACS refused the association',
    );
    const error = page.getByTestId('retrieve-item-error');
    expect(await error.getAttribute('data-code')).toBe('association-rejected');
    expect(await error.innerText()).toContain('calling AE title not recognized');
    await page.getByTestId('retrieve-items').scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'pacs-job-rejected');
    await expectNoSeriousA11yViolationsInBothThemes(page, 'pacs-job-rejected');

    // The query says it too, in the PACS's words, and the connection is still online.
    await search('CompressedSamples^CT1');
    const queryError = page.getByTestId('pacs-query-error');
    expect(await queryError.getAttribute('data-code')).toBe('association-rejected');
    expect(await queryError.innerText()).toContain('The PACS refused the association');
    expect(await queryError.innerText()).toContain('calling AE title not recognized');
    expect(await queryError.innerText()).toContain(`ORTHANC@127.0.0.1:${orthanc.dicomPort}`);
    expect(
      await page.locator('[data-testid="connection"][data-connection-id="local"]').innerText(),
    ).toMatch(/online/i);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await screenshotBothThemes(page, 'pacs-association-rejected');

    await settingsDialog(async (d) => {
      await d.locator('input[name="calling-ae"]').fill('');
    });
    await job(id).getByTestId('retrieve-retry').click();
    await expect
      .poll(() => job(id).getAttribute('data-status'), { timeout: 60_000 })
      .toBe('completed');
    expect(await job(id).getByTestId('retrieve-received').innerText()).toBe('1 image');
  });

  it('a move destination the PACS does not know: the job says so; fixed, Retry completes', async () => {
    await search('CompressedSamples^MR1', 'CompressedSamples, MR1');
    await studyRow().first().getByTestId('pacs-study-date').click();
    await settingsDialog(async (d) => {
      const second = await d
        .locator('select[name="destination"] option', { hasText: 'SLICEBOX2' })
        .getAttribute('value');
      await d.locator('select[name="destination"]').selectOption(second!);
      await d.locator('input[name="calling-ae"]').fill('SLICEBOX');
      expect(await d.getByTestId('pacs-settings-destination-hint').innerText()).toContain(
        'SLICEBOX2',
      );
    });
    await expect
      .poll(() => page.getByTestId('pacs-node-route').innerText())
      .toContain('C-MOVE to SLICEBOX2');
    const id = await retrieve();
    await expect
      .poll(() => job(id).getAttribute('data-status'), { timeout: 60_000 })
      .toBe('failed');
    await job(id).click();
    const error = page.getByTestId('retrieve-item-error');
    await expect.poll(() => error.count()).toBe(1);
    // Orthanc 1.10 answers C000 (not A801) for a destination it does not know; the words name it.
    expect(await error.innerText()).toContain('SLICEBOX2');
    expect(await error.innerText()).toContain('C000');
    expect(await job(id).getByTestId('retrieve-summary').innerText()).toBe(
      'The PACS answered C000 (Failed: Unable to process)',
    );
    await page.getByTestId('retrieve-items').scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'pacs-unknown-destination');

    await settingsDialog(async (d) => {
      await d.locator('select[name="destination"]').selectOption('');
      await d.locator('input[name="calling-ae"]').fill('');
    });
    await job(id).getByTestId('retrieve-retry').click();
    await expect
      .poll(() => job(id).getAttribute('data-status'), { timeout: 60_000 })
      .toBe('completed');
    expect(await job(id).getByTestId('retrieve-received').innerText()).toBe('1 image');
    await screenshotBothThemes(page, 'pacs-retried');
  });

  it('the jobs outlive the app: listed after a restart as they ended; a finished one is deleted', async () => {
    const before = await page
      .getByTestId('retrieve-row')
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-id'), e.getAttribute('data-status')]),
      );
    expect(before).toHaveLength(3);
    await browser.close();
    expect(await app.stop()).toBe(0);
    app = await startApp({ dataDir: app.dataDir });
    browser = await launchBrowser({ colorScheme: 'dark' });
    page = await browser.newPage();
    await page.goto(app.url);
    const box = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => box.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await openPacs();
    await expect.poll(() => page.getByTestId('retrieve-row').count(), { timeout: 15_000 }).toBe(3);
    const after = await page
      .getByTestId('retrieve-row')
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-id'), e.getAttribute('data-status')]),
      );
    expect(after).toEqual(before);

    const last = before[0]![0]!;
    await job(last).getByTestId('retrieve-delete').click();
    const confirm = page.getByTestId('retrieve-delete-dialog');
    await expect.poll(() => confirm.count()).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('retrieve-row').count()).toBe(2);
    expect(await job(last).count()).toBe(0);
  });
});
