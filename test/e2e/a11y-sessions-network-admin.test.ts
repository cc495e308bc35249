/**
 * Accessibility as a test (issue 10, finding 11), part 2: axe-core runs on the Import sessions, Network and
 * Admin screens and their dialogs, in light and in dark, and finds no serious or critical violation. With
 * the same screens, the deletes that did not say what they delete now do (issue 10, item 4): import
 * sessions by name (with what each imported), anonymization keys by patient, Clear log with the count of
 * its entries, a series tag and a series type with the series (and patients) they are on, a box with what
 * is still queued for it. Every count is checked against the local box's REST API. Browser mode, Chromium,
 * the app's real local box.
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../fixtures/free-port.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { expectNoSeriousA11yViolationsInBothThemes as expectAccessible } from './support/axe.js';
import { ARTIFACTS, launchBrowser, screenshotBothThemes } from './support/browser.js';
import { uniqueCopies } from './support/import-fixtures.js';

const PETER = ['2062', '2392', '2693'].map((n) => pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`));

interface Image {
  id: number;
  seriesId: number;
}

describe('accessibility of Import sessions, Network and Admin, and deletes that name things (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;
  const images: Record<string, Image> = {};

  async function call(path: string, method: string, body?: unknown): Promise<Response> {
    return fetch(`${app.localboxApi}${path}`, {
      method,
      headers: {
        authorization: auth,
        ...(body instanceof Uint8Array
          ? { 'content-type': 'application/octet-stream' }
          : body === undefined
            ? {}
            : { 'content-type': 'application/json' }),
      },
      body:
        body instanceof Uint8Array ? body : body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function api<T>(
    path: string,
    body?: unknown,
    method = body === undefined ? 'GET' : 'POST',
  ) {
    const res = await call(path, method, body);
    expect(res.status, `${method} ${path}: ${res.status}`).toBeLessThan(300);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const upload = async (path: string) =>
    api<Image>('/images', new Uint8Array(await readFile(path)));

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    app = await startApp();
    const credentials = JSON.parse(
      await readFile(join(app.dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    auth = 'Basic ' + Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');

    // Images: Doe^Peter (one CT series of three), the MR patient, test.dcm's patient.
    for (const [i, path] of PETER.entries()) images[`peter${i}`] = await upload(path);
    images.mr = await upload(pydicomFile('MR_small.dcm'));
    // A second image of the MR series (another SOP Instance UID).
    const [mrCopy] = await uniqueCopies(pydicomFile('MR_small.dcm'), 1, 3);
    images.mr2 = await api<Image>('/images', new Uint8Array(mrCopy!));
    images.nm = await upload(testFile('test.dcm'));

    // Import sessions, one with an image.
    const sessions: { id: number; name: string }[] = [];
    for (const name of ['Morning intake', 'Evening intake', 'Research batch'])
      sessions.push(
        await api('/import/sessions', {
          id: -1,
          name,
          userId: -1,
          user: '',
          filesImported: 0,
          filesAdded: 0,
          filesRejected: 0,
          created: 0,
          lastUpdated: 0,
        }),
      );
    await api(
      `/import/sessions/${sessions[0]!.id}/images`,
      new Uint8Array(await readFile(pydicomFile('CT_small.dcm'))),
    );
    // A file the import refuses: an ERROR entry in the log.
    const refused = await call(
      `/import/sessions/${sessions[2]!.id}/images`,
      'POST',
      new Uint8Array(Buffer.from('not dicom')),
    );
    expect(refused.status).toBe(400);
    await refused.arrayBuffer();
    await api('/users', { user: 'reader', role: 'USER', password: 'reader-password' });

    // Network: a loopback pair (Hospital ⇄ University), a box nobody polls with a queued transfer, an
    // SCP, an SCU, a watched folder and a forwarding rule.
    const hospital = await api<{ id: number; baseUrl: string }>('/boxes/createconnection', {
      name: 'Hospital',
      defaultProfile: { options: [] },
    });
    await api('/boxes/connect', {
      name: 'University',
      baseUrl: hospital.baseUrl,
      defaultProfile: { options: [] },
    });
    const clinic = await api<{ id: number; name: string }>('/boxes/createconnection', {
      name: 'Clinic',
      defaultProfile: { options: [] },
    });
    await api(`/boxes/${clinic.id}/send`, {
      profile: { options: [] },
      imageTagValuesSet: [images.mr.id, images.nm.id].map((imageId) => ({
        imageId,
        tagValues: [],
      })),
    });
    await api('/scps', { id: -1, name: 'Desktop SCP', aeTitle: 'DESKTOP', port: await freePort() });
    const scu = await api<{ id: number; name: string }>('/scus', {
      id: -1,
      name: 'Archive',
      aeTitle: 'ARCHIVE',
      host: '127.0.0.1',
      port: await freePort(),
    });
    await api('/directorywatches', {
      id: -1,
      name: 'Scanner drop',
      path: await mkdtemp(join(tmpdir(), 'sbx-e2e-watch-')),
    });
    await api('/forwarding/rules', {
      id: -1,
      source: { sourceType: 'box', sourceName: clinic.name, sourceId: clinic.id },
      destination: { destinationType: 'scu', destinationName: scu.name, destinationId: scu.id },
      keepImages: true,
    });

    // Admin: a series type with a rule (on two series), a filter with a tag path and a source, a
    // series tag on the CT and MR series and one on none, anonymization keys of two patients (two of one).
    const type = await api<{ id: number }>('/seriestypes', { id: -1, name: 'Head CT' });
    const rule = await api<{ id: number }>('/seriestypes/rules', { id: -1, seriesTypeId: type.id });
    await api(`/seriestypes/rules/${rule.id}/attributes`, {
      id: -1,
      seriesTypeRuleId: rule.id,
      tag: 0x00080060,
      name: 'Modality',
      values: 'CT',
    });
    // Wait (bounded) for the re-evaluation the new rule started.
    for (let tries = 0; ; tries++) {
      const { running } = await api<{ running: boolean }>('/seriestypes/rules/updatestatus');
      if (!running) break;
      if (tries > 100) throw new Error('The series types were still being updated after 20 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await api(`/metadata/series/${images.nm.seriesId}/seriestypes/${type.id}`, undefined, 'PUT');
    const filter = await api<{ id: number; name: string }>('/filtering/filters', {
      id: -1,
      name: 'No birth dates',
      tagFilterType: 'BLACKLIST',
    });
    await api(`/filtering/filters/${filter.id}/tagpaths`, {
      id: -1,
      tagFilterId: filter.id,
      tagPath: { tag: 0x00100030, name: 'PatientBirthDate' },
    });
    await api('/filtering/associations', {
      id: -1,
      sourceType: 'box',
      sourceName: clinic.name,
      sourceId: clinic.id,
      tagFilterId: filter.id,
      tagFilterName: filter.name,
    });
    await api(`/metadata/series/${images.peter0!.seriesId}/seriestags`, {
      id: -1,
      name: 'Teaching',
    });
    await api(`/metadata/series/${images.mr.seriesId}/seriestags`, { id: -1, name: 'Teaching' });
    await api('/metadata/seriestags', { id: -1, name: 'Unused' });
    // Anonymization keys of two patients, two of one (Doe^Peter's files are flagged as already anonymous:
    // no key is made for them).
    for (const [image, name] of [
      [images.mr, 'anon mr'],
      [images.mr2, 'anon mr'],
      [images.nm, 'anon nm'],
    ] as const) {
      const res = await call(`/images/${image.id}/anonymized`, 'POST', {
        profile: { options: [{ name: 'BASIC_PROFILE' }] },
        tagValues: [{ tagPath: { name: 'PatientName' }, value: name }],
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }

    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(app.url);
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await local.filter({ hasText: /online/i }).waitFor({ timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  // A failed check leaves its dialog open: close it, so the next check starts on its screen.
  afterEach(async () => {
    for (let i = 0; i < 3 && (await page.locator('dialog[open]').count()) > 0; i++) {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);
    }
  });

  const row = (kind: string, name: string) =>
    page.locator(`[data-testid="${kind}-row"][data-name="${name}"]`);

  /** Opens a dialog with a click on `opener`, checks it in both themes, and closes it with Escape. */
  async function checkDialog(opener: Locator, testId: string, name: string): Promise<Locator> {
    await opener.click();
    const dialog = page.getByTestId(testId);
    await expect.poll(() => dialog.isVisible(), { timeout: 15_000 }).toBe(true);
    await expectAccessible(page, name);
    return dialog;
  }

  async function close(dialog: Locator): Promise<void> {
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count(), { timeout: 10_000 }).toBe(0);
  }

  /** The confirm's counts, once read (Delete waits for them). */
  async function detail(dialog: Locator): Promise<string> {
    await expect
      .poll(() => dialog.getByTestId('confirm-detail').count(), { timeout: 15_000 })
      .toBe(1);
    expect(await dialog.locator('button[type="submit"]').isEnabled()).toBe(true);
    return (await dialog.getByTestId('confirm-detail').innerText()).trim();
  }

  async function section(id: string): Promise<void> {
    await page.getByTestId(`admin-tab-${id}`).click();
    await expect
      .poll(() => page.getByTestId('admin-section').getAttribute('data-section'))
      .toBe(id);
  }

  it('Import sessions: the screen, Add, and a Delete that names the sessions', async () => {
    await page.getByTestId('nav-import-sessions').click();
    await expect.poll(() => page.getByTestId('session-row').count(), { timeout: 15_000 }).toBe(3);
    await row('session', 'Morning intake').click();
    await expect.poll(() => page.getByTestId('session-files').count()).toBe(1);
    await expectAccessible(page, 'import-sessions');
    await screenshotBothThemes(page, 'a11y-import-sessions');

    await close(
      await checkDialog(page.getByTestId('session-add'), 'session-add-dialog', 'session-add'),
    );

    await row('session', 'Evening intake').locator('input[type="checkbox"]').check();
    const dialog = await checkDialog(
      page.getByTestId('session-delete'),
      'session-delete-dialog',
      'session-delete',
    );
    expect(await dialog.getByTestId('confirm-message').innerText()).toBe(
      'Delete 2 import sessions? The imported images are kept.',
    );
    expect(await dialog.getByTestId('confirm-list').locator('li').allInnerTexts()).toEqual([
      'Morning intake (1 file imported)',
      'Evening intake (0 files imported)',
    ]);
    await screenshotBothThemes(page, 'a11y-session-delete');
    await close(dialog);
  });

  it('Network: every panel, and the create, connect and edit dialogs', async () => {
    await page.getByTestId('nav-network').click();
    await expect.poll(() => page.getByTestId('box-row').count(), { timeout: 15_000 }).toBe(3);
    await expect.poll(() => page.getByTestId('outgoing-row').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('rule-row').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('watch-row').count()).toBe(1);
    await expectAccessible(page, 'network');
    await screenshotBothThemes(page, 'a11y-network');

    for (const [opener, dialog, name] of [
      [page.getByTestId('box-create'), 'box-dialog', 'network-box-create'],
      [page.getByTestId('box-connect'), 'box-dialog', 'network-box-connect'],
      [row('box', 'Hospital').getByTestId('box-edit'), 'box-dialog', 'network-box-edit'],
      [page.getByTestId('scp-add'), 'scp-dialog', 'network-scp-add'],
      [row('scp', 'Desktop SCP').getByTestId('scp-edit'), 'scp-dialog', 'network-scp-edit'],
      [page.getByTestId('scu-add'), 'scu-dialog', 'network-scu-add'],
      [row('scu', 'Archive').getByTestId('scu-edit'), 'scu-dialog', 'network-scu-edit'],
      [page.getByTestId('watch-add'), 'watch-dialog', 'network-watch-add'],
      [page.getByTestId('rule-add'), 'rule-dialog', 'network-rule-add'],
    ] as const) {
      await close(await checkDialog(opener, dialog, name));
    }
  });

  it('Network: the deletes; a box says what is still queued for it', async () => {
    for (const [opener, dialog, name] of [
      [
        row('scp', 'Desktop SCP').getByTestId('scp-delete'),
        'scp-delete-dialog',
        'network-scp-delete',
      ],
      [
        row('watch', 'Scanner drop').getByTestId('watch-delete'),
        'watch-delete-dialog',
        'network-watch-delete',
      ],
      [
        page.getByTestId('rule-row').getByTestId('rule-delete'),
        'rule-delete-dialog',
        'network-rule-delete',
      ],
      [
        page.getByTestId('outgoing-row').getByTestId('outgoing-delete'),
        'transfer-delete-dialog',
        'network-transfer-delete',
      ],
    ] as const) {
      await close(await checkDialog(opener, dialog, name));
    }

    // Clinic: nobody polls it; its transfer of two images waits (the REST API agrees).
    const clinicOutgoing = (
      await api<
        { boxName: string; status: string; totalImageCount: number; sentImageCount: number }[]
      >('/boxes/outgoing')
    ).filter((t) => t.boxName === 'Clinic');
    expect(clinicOutgoing).toMatchObject([
      { status: 'WAITING', totalImageCount: 2, sentImageCount: 0 },
    ]);
    const dialog = await checkDialog(
      row('box', 'Clinic').getByTestId('box-delete'),
      'box-delete-dialog',
      'network-box-delete',
    );
    expect(await dialog.getByTestId('confirm-message').innerText()).toBe(
      'Delete the box Clinic? Images are no longer exchanged with it.',
    );
    expect(await detail(dialog)).toBe(
      '1 outgoing transaction to it is not finished: 2 images will never be sent. Its transactions stay listed: 1 outgoing and 0 incoming.',
    );
    await screenshotBothThemes(page, 'a11y-box-delete');
    await close(dialog);
  });

  it('Admin → Series types: the section, its dialogs, and a Delete that counts the series of the type', async () => {
    await page.getByTestId('nav-admin').click();
    await section('series-types');
    await row('seriestype', 'Head CT').click();
    await expect
      .poll(() => page.getByTestId('seriestype-attribute').count(), { timeout: 15_000 })
      .toBe(1);
    await expectAccessible(page, 'admin-series-types');
    await close(
      await checkDialog(
        page.getByTestId('seriestypes-add'),
        'seriestype-name-dialog',
        'admin-seriestype-add',
      ),
    );
    await close(
      await checkDialog(
        page.getByTestId('seriestype-rule-add-attribute'),
        'seriestype-attribute-dialog',
        'admin-seriestype-attribute',
      ),
    );
    await close(
      await checkDialog(
        page.getByTestId('seriestype-rule-delete'),
        'seriestype-rule-delete-dialog',
        'admin-seriestype-rule-delete',
      ),
    );

    // The rule gives the CT series the type (Doe^Peter's, CT_small's); test.dcm's series has it by
    // hand: 3 series of 3 patients, as the REST API says.
    const [type] = await api<{ id: number }[]>('/seriestypes');
    const typed = await api<{ patient: { patientName: { value: string } } }[]>(
      `/metadata/flatseries?count=100&seriestypes=${type!.id}`,
    );
    expect(typed).toHaveLength(3);
    const dialog = await checkDialog(
      row('seriestype', 'Head CT').getByTestId('seriestype-delete'),
      'seriestype-delete-dialog',
      'admin-seriestype-delete',
    );
    const text = await detail(dialog);
    expect(text).toMatch(/^3 series of 3 patients have it now \(.+; .+ and .+\)\.$/);
    for (const s of typed) expect(text).toContain(s.patient.patientName.value.replace('^', ', '));
    await screenshotBothThemes(page, 'a11y-seriestype-delete');
    await close(dialog);
  });

  it('Admin → Filtering: the section and its dialogs', async () => {
    await section('filtering');
    await row('filter', 'No birth dates').click();
    await expect
      .poll(() => page.getByTestId('filter-path-row').count(), { timeout: 15_000 })
      .toBe(1);
    await expect.poll(() => page.getByTestId('filter-source-row').count()).toBe(1);
    await expectAccessible(page, 'admin-filtering');
    for (const [opener, dialog, name] of [
      [page.getByTestId('filters-add'), 'filter-dialog', 'admin-filter-add'],
      [page.getByTestId('filter-path-add'), 'filter-path-dialog', 'admin-filter-path-add'],
      [page.getByTestId('filter-source-add'), 'filter-source-dialog', 'admin-filter-source-add'],
      [
        row('filter', 'No birth dates').getByTestId('filter-delete'),
        'filter-delete-dialog',
        'admin-filter-delete',
      ],
    ] as const) {
      await close(await checkDialog(opener, dialog, name));
    }
  });

  it('Admin → Series tags: a Delete that counts the series (and names the patients) of the tag', async () => {
    await section('series-tags');
    await expect.poll(() => page.getByTestId('tag-row').count(), { timeout: 15_000 }).toBe(2);
    await expectAccessible(page, 'admin-series-tags');
    await close(
      await checkDialog(page.getByTestId('tag-add'), 'seriestag-name-dialog', 'admin-tag-add'),
    );

    let dialog = await checkDialog(
      row('tag', 'Teaching').getByTestId('tag-delete'),
      'tag-delete-dialog',
      'admin-tag-delete',
    );
    expect(await detail(dialog)).toBe(
      'It is on 2 series of 2 patients (Doe, Peter and CompressedSamples, MR1).',
    );
    await screenshotBothThemes(page, 'a11y-tag-delete');
    await close(dialog);
    dialog = await checkDialog(
      row('tag', 'Unused').getByTestId('tag-delete'),
      'tag-delete-dialog',
      'admin-tag-delete-unused',
    );
    expect(await detail(dialog)).toBe('No series carries it.');
    await close(dialog);
  });

  it('Admin → Log and System: Clear log counts the entries it deletes', async () => {
    await section('log');
    await expect
      .poll(() => page.getByTestId('log-row').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await expectAccessible(page, 'admin-log');
    await close(
      await checkDialog(
        page.getByTestId('log-delete').first(),
        'log-delete-dialog',
        'admin-log-delete',
      ),
    );

    await section('system');
    const log = await api<{ entryType: string }[]>('/log?count=10000');
    const errors = log.filter((e) => e.entryType === 'ERROR').length;
    expect(log.length).toBeGreaterThan(0);
    await expectAccessible(page, 'admin-system');
    const dialog = await checkDialog(
      page.getByTestId('system-clear-log'),
      'system-clear-log-dialog',
      'admin-clear-log',
    );
    const text = await detail(dialog);
    expect(text).toMatch(new RegExp(`^The log holds ${log.length} entr(y|ies): `));
    if (errors > 0) expect(text).toContain(`${errors} ERROR`);
    await screenshotBothThemes(page, 'a11y-clear-log');
    await close(dialog);
  });

  it('Admin → Anonymization keys: deleting several names their patients', async () => {
    await section('anonymization');
    await expect.poll(() => page.getByTestId('key-row').count(), { timeout: 15_000 }).toBe(3);
    await expectAccessible(page, 'admin-keys');
    await page.getByTestId('key-row').first().focus();
    await page.keyboard.press('Control+a');
    const dialog = await checkDialog(
      page.getByTestId('keys-delete'),
      'keys-delete-dialog',
      'admin-keys-delete',
    );
    expect(await dialog.getByTestId('confirm-message').innerText()).toContain(
      'Delete 3 anonymization keys of 2 patients?',
    );
    const keys =
      await api<{ patientName: string; anonPatientName: string }[]>('/anonymization/keys');
    expect(keys.map((k) => `${k.patientName} → ${k.anonPatientName}`).sort()).toEqual([
      'CompressedSamples^MR1 → anon mr',
      'CompressedSamples^MR1 → anon mr',
      `${keys.find((k) => k.anonPatientName === 'anon nm')!.patientName} → anon nm`,
    ]);
    const nm = keys.find((k) => k.anonPatientName === 'anon nm')!.patientName;
    const lines = await dialog.getByTestId('confirm-list').locator('li').allInnerTexts();
    expect([...lines].sort()).toEqual(
      ['CompressedSamples, MR1 → anon mr: 2 keys', `${nm} → anon nm: 1 key`].sort(),
    );
    await screenshotBothThemes(page, 'a11y-keys-delete');
    await close(dialog);
  });

  it('Admin → Users: the section and its dialogs', async () => {
    await section('users');
    await expect.poll(() => page.getByTestId('user-row').count(), { timeout: 15_000 }).toBe(2);
    await expectAccessible(page, 'admin-users');
    await close(await checkDialog(page.getByTestId('user-add'), 'user-dialog', 'admin-user-add'));
    await close(
      await checkDialog(
        row('user', 'reader').getByTestId('user-delete'),
        'user-delete-dialog',
        'admin-user-delete',
      ),
    );
  });
});
