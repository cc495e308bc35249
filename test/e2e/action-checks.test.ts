/**
 * Issue 10, findings 6 and 9, end to end (browser mode, Chromium, the real local box): the Delete
 * confirmation names the patient and the series it deletes with their real image counts, and exactly
 * those go; Modify checks its rows as they are typed (an unknown keyword or a value its VR refuses is
 * marked on its row, Modify waits), and a server refusal is shown above the form, which keeps every row.
 * The named confirmation and the invalid rows are screenshotted in light and dark.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
/** Doe^Peter: series "Scout" (2 images) and "SmartScore - Gated 0.5 sec" (5 images), one study. */
const PETER = [
  'CT2N_6293',
  'CT2N_6924',
  'CT5N_2062',
  'CT5N_2392',
  'CT5N_2693',
  'CT5N_3023',
  'CT5N_3353',
].map((n) => pydicomFile(`dicomdir_98892001_${n}.dcm`));

type Value = { value: string };
type Patient = { id: number; patientName: Value };
type Series = { id: number; seriesDescription: Value; modality: Value };
type Path = { tag: number; item?: string; previous?: Path };
type Attribute = { namePath: string[]; values: string[]; tagPath: Path };

describe('named confirmations and checked Modify rows (browser mode)', () => {
  let app: RunningApp;
  let browser: BrowserContext;
  let page: Page;
  let auth: string;

  /** The local box's API, as the app's superuser. */
  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${app.localboxApi}${path}`, { headers: { authorization: auth } });
    expect(res.ok).toBe(true);
    return (await res.json()) as T;
  }

  async function patientNamed(name: string): Promise<Patient | undefined> {
    const patients = await api<Patient[]>('/metadata/patients?count=100');
    return patients.find((p) => p.patientName.value === name);
  }

  /** The root-level values of every attribute of a patient's first image. */
  async function attributesOf(name: string): Promise<Attribute[]> {
    const patient = await patientNamed(name);
    expect(patient).toBeDefined();
    const [image] = await api<{ id: number }[]>(`/metadata/patients/${patient!.id}/images`);
    return api<Attribute[]>(`/images/${image!.id}/attributes`);
  }

  const rootValue = (attributes: Attribute[], keyword: string) =>
    attributes.find((a) => a.namePath.length === 1 && a.namePath[0] === keyword)?.values;

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

  const dialog = () => page.getByTestId('action-dialog');
  const phase = () => dialog().getAttribute('data-phase');
  const confirm = () => dialog().getByTestId('action-confirm');
  const patient = (text: string) => page.getByTestId('patient-row').filter({ hasText: text });
  const modifyRow = (index: number) => dialog().getByTestId('modify-row').nth(index);

  /** Runs an action on the current selection from the selection bar's menu, by keyboard. */
  async function runOnSelection(action: string): Promise<void> {
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

  async function runOnPatient(text: string, action: string): Promise<void> {
    await patient(text).first().click();
    await expect.poll(() => page.getByTestId('selection-count').count()).toBe(1);
    await runOnSelection(action);
  }

  /** Types into an input of the dialog and leaves it with Tab, as a user does. */
  async function typeInto(input: ReturnType<Page['locator']>, text: string): Promise<void> {
    await input.focus();
    await input.fill('');
    await page.keyboard.type(text);
    await page.keyboard.press('Tab');
  }

  it('imports Doe^Peter (two series) and anon270', async () => {
    const local = page.locator('[data-testid="connection"][data-connection-id="local"]');
    await expect.poll(() => local.innerText(), { timeout: 30_000 }).toMatch(/online/i);
    await dropFiles(page, '#drop', [...PETER, testFile('test.dcm')]);
    await expect
      .poll(() => page.getByTestId('import-job').first().getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toBe('done');
    await expect.poll(() => page.getByTestId('patient-row').count(), { timeout: 30_000 }).toBe(2);
  });

  it('Delete names the patient and each series with its images; exactly the confirmed series go', async () => {
    const peter = (await patientNamed('Doe^Peter'))!;
    const [study] = await api<{ id: number }[]>(`/metadata/studies?patientid=${peter.id}`);
    const series = (await api<Series[]>(`/metadata/series?studyid=${study!.id}`)).sort(
      (a, b) => a.id - b.id,
    );
    expect(series).toHaveLength(2);
    const imagesOf = async (s: Series) =>
      (await api<unknown[]>(`/metadata/images?seriesid=${s.id}&count=100`)).length;
    const label = async (s: Series) =>
      `${s.modality.value} ${s.seriesDescription.value}, ${await imagesOf(s)} images`;
    const labels = [await label(series[0]!), await label(series[1]!)];
    expect(labels.sort()).toEqual([
      'CT Scout, 2 images',
      'CT SmartScore - Gated 0.5 sec, 5 images',
    ]);

    // Both series of Peter's study, selected in the series column.
    await patient('Peter').first().click();
    await expect.poll(() => page.getByTestId('study-row').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('study-row').first().click();
    const rows = page.getByTestId('series-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    await rows.nth(0).click();
    await rows.nth(1).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.getByTestId('selection-count').innerText()).toMatch(/2/);
    await runOnSelection('delete');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    const question = dialog().getByTestId('action-named-question');
    expect(await question.innerText()).toBe(
      `Permanently delete 2 series of Doe, Peter (${(await Promise.all(series.map(label))).join('; ')})?`,
    );
    expect(await dialog().getByTestId('action-named-totals').innerText()).toBe(
      'In all: 1 patient, 1 study, 2 series, 7 images. This cannot be undone.',
    );
    await screenshotBothThemes(page, 'action-delete-named');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
    expect(await imagesOf(series[0]!)).toBeGreaterThan(0);

    // Only the Scout series: the confirmation says so, and only its two images go.
    const scout = series.find((s) => s.seriesDescription.value === 'Scout')!;
    const smart = series.find((s) => s !== scout)!;
    await rows.filter({ hasText: 'Scout' }).click();
    await expect.poll(() => page.getByTestId('selection-count').count()).toBe(1);
    await runOnSelection('delete');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    expect(await question.innerText()).toBe(
      'Permanently delete 1 series of Doe, Peter (CT Scout, 2 images)?',
    );
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 15_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Deleted 2 images');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);

    const left = await api<Series[]>(`/metadata/series?studyid=${study!.id}`);
    expect(left.map((s) => s.id)).toEqual([smart.id]);
    expect(await imagesOf(smart)).toBe(5);
    const anon = (await patientNamed('anon270'))!;
    expect(await api<unknown[]>(`/metadata/patients/${anon.id}/images`)).toHaveLength(1);
  });

  it('Modify marks an unknown keyword and a bad date on their rows, keeps the others, and waits', async () => {
    await runOnPatient('Peter', 'modify');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    expect(await dialog().getByTestId('action-named-question').innerText()).toBe(
      'Modify patient Doe, Peter (CT SmartScore - Gated 0.5 sec, 5 images)?',
    );
    // Row 1 is right; row 2 has a keyword the dictionary does not know; row 3 a date in the wrong form.
    await typeInto(modifyRow(0).locator('input[name="tag-path"]'), 'PatientName');
    await typeInto(modifyRow(0).locator('input[name="value"]'), 'Renamed^Peter');
    await dialog().getByRole('button', { name: '+ Modification' }).click();
    await typeInto(modifyRow(1).locator('input[name="tag-path"]'), 'StudyDescriptio');
    await typeInto(modifyRow(1).locator('input[name="value"]'), 'Trial 7');
    await dialog().getByRole('button', { name: '+ Modification' }).click();
    await typeInto(modifyRow(2).locator('input[name="tag-path"]'), 'StudyDate');
    await typeInto(modifyRow(2).locator('input[name="value"]'), '31.01.2024');

    const problem = (index: number) => modifyRow(index).getByTestId('modify-row-problem');
    await expect.poll(() => problem(1).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => problem(2).count(), { timeout: 10_000 }).toBe(1);
    expect(await problem(1).innerText()).toContain(
      '“StudyDescriptio” is not in the server’s DICOM dictionary. Did you mean StudyDescription',
    );
    expect(await problem(2).innerText()).toContain('StudyDate: A date is written YYYYMMDD');
    // Each message is tied to the input it is about.
    const tag1 = modifyRow(1).locator('input[name="tag-path"]');
    expect(await tag1.getAttribute('aria-invalid')).toBe('true');
    expect(await tag1.getAttribute('aria-describedby')).toBe(await problem(1).getAttribute('id'));
    const value2 = modifyRow(2).locator('input[name="value"]');
    expect(await value2.getAttribute('aria-invalid')).toBe('true');
    expect(await value2.getAttribute('aria-describedby')).toBe(await problem(2).getAttribute('id'));
    expect(await modifyRow(2).locator('input[name="tag-path"]').getAttribute('aria-invalid')).toBe(
      null,
    );
    // Row 1 is untouched and unmarked; Modify waits.
    expect(await modifyRow(0).getAttribute('data-invalid')).toBe('false');
    expect(await modifyRow(0).locator('input[name="tag-path"]').inputValue()).toBe('PatientName');
    expect(await modifyRow(0).locator('input[name="value"]').inputValue()).toBe('Renamed^Peter');
    expect(await confirm().isDisabled()).toBe(true);
    await screenshotBothThemes(page, 'action-modify-invalid');

    // Fixed, the marks go and Modify runs; the server has exactly the new values.
    await typeInto(tag1, 'StudyDescription');
    await expect.poll(() => problem(1).count(), { timeout: 10_000 }).toBe(0);
    expect(await tag1.getAttribute('aria-invalid')).toBe(null);
    await typeInto(value2, '20240131');
    await expect.poll(() => problem(2).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => confirm().isEnabled()).toBe(true);
    await confirm().click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Modified 5 images');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);

    const attributes = await attributesOf('Renamed^Peter');
    expect(rootValue(attributes, 'PatientName')).toEqual(['Renamed^Peter']);
    expect(rootValue(attributes, 'StudyDescription')).toEqual(['Trial 7']);
    expect(rootValue(attributes, 'StudyDate')).toEqual(['20240131']);
    expect(await patientNamed('Doe^Peter')).toBeUndefined();
  });

  it('Modify: Enter before the dictionary answered still checks; nothing is sent while a row is wrong', async () => {
    await runOnPatient('anon270', 'modify');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    // Enter at once, while the keyword's lookup still waits for typing to pause.
    await page.keyboard.type('NoSuchKeyword');
    await page.keyboard.press('Enter');
    const problem = modifyRow(0).getByTestId('modify-row-problem');
    await expect.poll(() => problem.count(), { timeout: 10_000 }).toBe(1);
    expect(await problem.innerText()).toContain('“NoSuchKeyword” is not in the server’s DICOM');
    expect(await phase()).toBe('confirm');
    expect(await confirm().isDisabled()).toBe(true);
    // Focus is on the input the problem is about.
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe(
      'tag-path',
    );
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
    expect(rootValue(await attributesOf('anon270'), 'PatientName')).toEqual(['anon270']);
  });

  it('Modify: a server refusal is shown above the form, every row kept; fixed, it applies', async () => {
    await runOnPatient('anon270', 'modify');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    // Item 5 of a sequence the image has one item of: only the server can know.
    await dialog().getByRole('button', { name: '+ Sequence' }).click();
    await page.keyboard.type('EnergyWindowInformationSequence');
    await modifyRow(0).locator('input[name="item"]').fill('5');
    await typeInto(modifyRow(0).locator('input[name="tag-path"]'), 'EnergyWindowUpperLimit');
    await typeInto(modifyRow(0).locator('input[name="value"]'), '500');
    await dialog().getByRole('button', { name: '+ Modification' }).click();
    await typeInto(modifyRow(1).locator('input[name="tag-path"]'), 'PatientAge');
    await typeInto(modifyRow(1).locator('input[name="value"]'), '012Y');
    await expect.poll(() => confirm().isEnabled(), { timeout: 10_000 }).toBe(true);
    await confirm().click();

    const error = dialog().getByTestId('action-error');
    await expect.poll(() => error.count(), { timeout: 30_000 }).toBe(1);
    expect(await error.innerText()).toContain('No such sequence item');
    expect(await phase()).toBe('confirm');
    expect(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null),
    ).toBe('action-error');
    // Above the form, and the form as it was.
    const errorBox = (await error.boundingBox())!;
    const rowBox = (await modifyRow(0).boundingBox())!;
    expect(errorBox.y).toBeLessThan(rowBox.y);
    expect(await modifyRow(0).locator('input[name="sequence"]').inputValue()).toBe(
      'EnergyWindowInformationSequence',
    );
    expect(await modifyRow(0).locator('input[name="item"]').inputValue()).toBe('5');
    expect(await modifyRow(0).locator('input[name="tag-path"]').inputValue()).toBe(
      'EnergyWindowUpperLimit',
    );
    expect(await modifyRow(0).locator('input[name="value"]').inputValue()).toBe('500');
    expect(await modifyRow(1).locator('input[name="tag-path"]').inputValue()).toBe('PatientAge');
    expect(await modifyRow(1).locator('input[name="value"]').inputValue()).toBe('012Y');
    await screenshotBothThemes(page, 'action-modify-server-error');
    // Nothing was changed on the server.
    expect(rootValue(await attributesOf('anon270'), 'PatientAge')).toEqual(['011Y']);

    // Item 1, then item 2 of the range sequence inside it: the kept form is sent again and applies.
    await modifyRow(0).locator('input[name="item"]').fill('1');
    await modifyRow(0).getByRole('button', { name: '+ Sequence' }).click();
    await page.keyboard.type('EnergyWindowRangeSequence');
    await modifyRow(0).locator('input[name="item"]').nth(1).fill('2');
    await expect.poll(() => confirm().isEnabled(), { timeout: 10_000 }).toBe(true);
    await confirm().click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Modified 1 image');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);

    const attributes = await attributesOf('anon270');
    expect(rootValue(attributes, 'PatientAge')).toEqual(['012Y']);
    const upper = attributes.filter((a) => a.namePath.at(-1) === 'EnergyWindowUpperLimit');
    const changed = upper.filter((a) => a.values[0] === '500');
    expect(changed).toHaveLength(1);
    expect(changed[0]!.tagPath.previous?.item).toBe('2');
    expect(changed[0]!.tagPath.previous?.previous?.item).toBe('1');
  });
});
