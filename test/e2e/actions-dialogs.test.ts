/**
 * The bulk-action dialogs end to end (browser mode, Chromium, the real local box), driven by keyboard
 * from the Browse screen's selection bar: Summary, Modify, Anonymize (confirm, then Anonymization
 * Details) and Delete (confirm). Each dialog is screenshotted in light and dark.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pydicomFile, testFile } from '../fixtures/paths.js';
import { startApp, type RunningApp } from './support/app-process.js';
import { dropFiles, launchBrowser, screenshotBothThemes } from './support/browser.js';

const ARTIFACTS = join('test-artifacts', 'e2e');
const PETER = ['2062', '2392', '2693'].map((n) => pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`));

describe('bulk-action dialogs (browser mode)', () => {
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
    for (let i = 0; i < items.indexOf(action); i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().getAttribute('data-kind')).toBe(action);
  }

  const phase = () => dialog().getAttribute('data-phase');

  it('imports a CT patient and another one', async () => {
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

  it('Summary: counts and modalities; Enter closes', async () => {
    await runOn('Peter', 'summary');
    await expect.poll(phase, { timeout: 15_000 }).toBe('done');
    const text = await page.getByTestId('action-summary').innerText();
    expect(text.replace(/\s+/g, ' ')).toContain(
      'Patients 1 Studies 1 Series 1 Images 3 Modalities (# series) CT: 1',
    );
    await screenshotBothThemes(page, 'action-summary-dialog');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog().count()).toBe(0);
  });

  it('Modify: a tag path and a value, Enter applies; the browser reloads', async () => {
    await runOn('Peter', 'modify');
    await expect.poll(phase).toBe('confirm');
    await page.keyboard.type('PatientNam');
    const suggestion = dialog().locator('datalist option[value="PatientName"]');
    await expect.poll(() => suggestion.count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.type('e');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Changed^Name');
    await screenshotBothThemes(page, 'action-modify-dialog');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Modified 3 images');
    await page.keyboard.press('Enter');
    await expect.poll(() => patient('Changed').count(), { timeout: 15_000 }).toBe(1);
    expect(await patient('Peter').count()).toBe(0);
  });

  it('Modify: an unknown keyword is said on its row and nothing is sent', async () => {
    await runOn('Changed', 'modify');
    await page.keyboard.type('NoSuchKeyword');
    await page.keyboard.press('Enter');
    const problem = dialog().getByTestId('modify-row-problem');
    await expect.poll(() => problem.count(), { timeout: 15_000 }).toBe(1);
    expect(await problem.innerText()).toContain('NoSuchKeyword');
    expect(await phase()).toBe('confirm');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
  });

  it('Modify: the tag-path form reaches an element inside sequence items', async () => {
    await runOn('anon270', 'modify');
    await expect.poll(phase).toBe('confirm');
    // Two sequence rows (sequence keywords suggested), then the element, then the value.
    await dialog().getByRole('button', { name: '+ Sequence' }).click();
    await page.keyboard.type('EnergyWindowInf');
    const sequenceOption = dialog().locator(
      'datalist option[value="EnergyWindowInformationSequence"]',
    );
    await expect.poll(() => sequenceOption.count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.type('ormationSequence');
    await dialog().getByRole('button', { name: '+ Sequence' }).click();
    await page.keyboard.type('EnergyWindowRangeSequence');
    await dialog().locator('input[name="item"]').nth(1).fill('2');
    await dialog().locator('input[name="tag-path"]').fill('EnergyWindowUpperLimit');
    await dialog().locator('input[name="value"]').fill('999');
    await screenshotBothThemes(page, 'action-modify-sequence');
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Modified 1 image');
    await page.keyboard.press('Enter');

    // The stored image has the new value at exactly that path.
    const patients =
      await api<{ id: number; patientName: { value: string } }[]>('/metadata/patients');
    const anon = patients.find((p) => p.patientName.value === 'anon270')!;
    const [image] = await api<{ id: number }[]>(`/metadata/patients/${anon.id}/images`);
    type Path = { tag: number; item?: string; previous?: Path };
    const attributes = await api<{ namePath: string[]; values: string[]; tagPath: Path }[]>(
      `/images/${image!.id}/attributes`,
    );
    const upper = attributes.filter((a) => a.namePath.at(-1) === 'EnergyWindowUpperLimit');
    expect(upper).toHaveLength(2);
    const changed = upper.filter((a) => a.values[0] === '999');
    expect(changed).toHaveLength(1);
    // Item 2 of the range sequence, in item 1 of the information sequence.
    expect(changed[0]!.tagPath.previous?.item).toBe('2');
    expect(changed[0]!.tagPath.previous?.previous?.item).toBe('1');
  });

  it('Anonymize: confirm, then Anonymization Details with BASIC_PROFILE always on', async () => {
    await runOn('Changed', 'anonymize');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    expect(await dialog().innerText()).toContain(
      'Force anonymization of patient Changed, Name (CT SmartScore - Gated 0.5 sec, 3 images)? Patient information will be lost.',
    );
    await screenshotBothThemes(page, 'action-anonymize-confirm');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 15_000 }).toBe('details');
    const basic = dialog().locator('input[value="BASIC_PROFILE"]');
    expect(await basic.isChecked()).toBe(true);
    expect(await basic.isDisabled()).toBe(true);
    await screenshotBothThemes(page, 'action-anonymize-details');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Anonymized 3 images');
    await page.keyboard.press('Enter');
    await expect.poll(() => patient('Changed').count(), { timeout: 15_000 }).toBe(0);
    expect(await page.getByTestId('patient-row').count()).toBe(2);
  });

  it('Delete: "Permanently delete <what it is>?", Escape cancels, Enter deletes', async () => {
    await runOn('anon270', 'delete');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    expect(await dialog().innerText()).toContain(
      'Permanently delete patient anon270 (NM DET 1, 1 image)?',
    );
    await screenshotBothThemes(page, 'action-delete-dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog().count()).toBe(0);
    expect(await patient('anon270').count()).toBe(1);

    await runOn('anon270', 'delete');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 15_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Deleted 1 image');
    await page.keyboard.press('Enter');
    await expect.poll(() => patient('anon270').count(), { timeout: 15_000 }).toBe(0);
  });

  it('Anonymize: Keep Names sends no names, so the profile decides the patient name', async () => {
    type Patient = { id: number; patientName: { value: string } };
    const before = await api<Patient[]>('/metadata/patients?count=100');
    await dropFiles(page, '#drop', [testFile('test.dcm')]);
    await expect.poll(() => patient('anon270').count(), { timeout: 60_000 }).toBe(1);

    await runOn('anon270', 'anonymize');
    await expect.poll(phase, { timeout: 15_000 }).toBe('confirm');
    await page.keyboard.press('Enter');
    await expect.poll(phase, { timeout: 15_000 }).toBe('details');
    // The chosen name the primary button would have set; Keep Names must not use it.
    const chosen = await dialog().locator('input[name="anonymized-name"]').first().inputValue();
    expect(chosen).toMatch(/^anon \d+$/);
    await dialog().getByTestId('anon-keep-names').focus();
    await page.keyboard.press('Enter');
    expect(await dialog().getByTestId('anon-keep-names').getAttribute('aria-pressed')).toBe('true');
    // The preview follows: no name is set, the profile gives a new one.
    await expect
      .poll(() =>
        dialog()
          .locator('[data-testid="privacy-row"][data-keyword="PatientName"]')
          .getAttribute('data-generated'),
      )
      .toBe('true');
    await dialog().getByTestId('action-confirm').click();
    await expect.poll(phase, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('action-result').innerText()).toContain('Anonymized 1 image');
    await page.keyboard.press('Enter');
    await expect.poll(() => patient('anon270').count(), { timeout: 15_000 }).toBe(0);

    const after = await api<Patient[]>('/metadata/patients?count=100');
    const known = new Set(before.map((p) => p.id));
    const added = after.filter((p) => !known.has(p.id));
    expect(added).toHaveLength(1);
    const name = added[0]!.patientName.value;
    expect(name).not.toBe(chosen);
    expect(name).not.toMatch(/^anon \d+$/);
    const [image] = await api<{ id: number }[]>(`/metadata/patients/${added[0]!.id}/images`);
    const attributes = await api<{ namePath: string[]; values: string[] }[]>(
      `/images/${image!.id}/attributes`,
    );
    const value = (keyword: string) =>
      attributes.find((a) => a.namePath.length === 1 && a.namePath[0] === keyword)?.values;
    expect(value('PatientIdentityRemoved')).toEqual(['YES']);
    expect(value('PatientName')).toEqual([name]);
  });
});
