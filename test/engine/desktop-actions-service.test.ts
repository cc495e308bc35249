/**
 * The desktop's bulk-action and import-session services against a real local box over HTTP: Summary,
 * Delete (one bulk call), Anonymize, Modify (keyword paths → TagPath JSON), Tag Series, and sessions.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionService } from '../../src-main/services/actions/action-service.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { ImportSessionService } from '../../src-main/services/import-sessions/import-session-service.js';
import { ImageDetailsService } from '../../src-main/services/media/image-details.js';
import { ServiceError } from '../../src-main/services/service-error.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';

const PETER = ['2062', '2392', '2693'].map((n) => pydicomFile(`dicomdir_98892001_CT5N_${n}.dcm`));
const OTHERS = [testFile('test.dcm'), pydicomFile('MR_small.dcm'), pydicomFile('CT_small.dcm')];

describe('desktop bulk actions against the local box', () => {
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let dataDir: string;
  let client: SliceboxClient;
  let actions: ActionService;
  let sessions: ImportSessionService;
  let details: ImageDetailsService;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sbx-actions-'));
    box = await startLocalbox({
      dataDir: join(dataDir, 'box'),
      port: 0,
      superuser: { user: 'desk', password: 'top-secret' },
    });
    const connections = new ConnectionService(() => undefined);
    connections.add({
      id: 'local',
      name: 'Local box',
      url: box.url,
      kind: 'local',
      user: 'desk',
      password: 'top-secret',
    });
    client = connections.client('local');
    actions = new ActionService(connections);
    sessions = new ImportSessionService(connections, actions);
    details = new ImageDetailsService(connections);
    for (const file of [...PETER, ...OTHERS]) await client.uploadImage(await readFile(file));
  });

  afterEach(async () => {
    await box?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function peter() {
    const patients = await client.patients();
    return patients.find((p) => p.patientName.value.includes('Peter'))!;
  }

  async function peterSeries() {
    const [study] = await client.studies((await peter()).id);
    const series = await client.series(study!.id);
    return { study: study!, series };
  }

  it('summarises a selection: counts and series per modality, exactly', async () => {
    const patients = await client.patients();
    const all = await actions.summary('local', {
      kind: 'patients',
      ids: patients.map((p) => p.id),
    });
    const studies = (await Promise.all(patients.map((p) => client.studies(p.id)))).flat();
    const series = (await Promise.all(studies.map((s) => client.series(s.id)))).flat();
    expect(all).toMatchObject({
      patients: patients.length,
      studies: studies.length,
      series: series.length,
      images: PETER.length + OTHERS.length,
    });
    const byModality = new Map<string, number>();
    for (const s of series)
      byModality.set(s.modality.value, (byModality.get(s.modality.value) ?? 0) + 1);
    expect(Object.fromEntries(all.modalities.map((m) => [m.modality, m.series]))).toEqual(
      Object.fromEntries(byModality),
    );
    const { series: peters } = await peterSeries();
    expect(await actions.summary('local', { kind: 'series', ids: [peters[0]!.id] })).toEqual({
      patients: 1,
      studies: 1,
      series: 1,
      images: 3,
      modalities: [{ modality: 'CT', series: 1 }],
    });
  });

  it('deletes a study’s images with one bulk call; they are gone', async () => {
    const { study } = await peterSeries();
    const images = await client.studyImages(study.id);
    expect(images).toHaveLength(3);
    expect(await actions.delete('local', { kind: 'studies', ids: [study.id] })).toEqual({
      deleted: 3,
    });
    for (const image of images) await expect(client.image(image.id)).rejects.toThrow(/404/);
    expect((await client.patients()).some((p) => p.patientName.value.includes('Peter'))).toBe(
      false,
    );
  });

  it('anonymizes a patient: PatientIdentityRemoved YES and names replaced', async () => {
    const options = await actions.anonymizationOptions('local');
    expect(options.length).toBeGreaterThan(0);
    expect(options.map((o) => o.rank)).toEqual(options.map((o) => o.rank).sort((a, b) => a - b));
    const before = await peter();
    expect(await actions.anonymize('local', { kind: 'patients', ids: [before.id] }, [])).toEqual({
      anonymized: 3,
    });
    const patients = await client.patients();
    expect(patients.some((p) => p.id === before.id)).toBe(false);
    const anonymized = patients.filter(
      (p) => !['Peter'].some((n) => p.patientName.value.includes(n)) && p.patientName.value !== '',
    );
    const images = (
      await Promise.all(patients.map((p) => client.patientImages(p.id).then((i) => ({ p, i }))))
    ).filter(({ i }) => i.length === 3);
    expect(images).toHaveLength(1);
    const { p, i } = images[0]!;
    expect(p.patientName.value).not.toBe(before.patientName.value);
    expect(p.patientID.value).not.toBe(before.patientID.value);
    expect(anonymized.length).toBeGreaterThan(0);
    const attributes = await client.imageAttributes(i[0]!.id);
    const identity = attributes.find((a) => a.namePath.join('.') === 'PatientIdentityRemoved');
    expect(identity?.values).toEqual(['YES']);
  });

  it('anonymizes with chosen names: every image of the patient gets that PatientName', async () => {
    const before = await peter();
    const { series } = await peterSeries();
    // A series selection still resolves to its patient for the name grid.
    expect(await actions.patients('local', { kind: 'series', ids: [series[0]!.id] })).toEqual([
      { patientId: before.id, patientName: before.patientName.value },
    ]);
    expect(
      await actions.anonymize(
        'local',
        { kind: 'patients', ids: [before.id] },
        [],
        [{ patientId: before.id, name: 'anon 007' }],
      ),
    ).toEqual({ anonymized: 3 });
    const patients = await client.patients();
    const renamed = patients.filter((p) => p.patientName.value === 'anon 007');
    expect(renamed).toHaveLength(1);
    const [study] = await client.studies(renamed[0]!.id);
    const [first] = await client.series(study!.id);
    const images = await client.images(first!.id);
    const attributes = await client.imageAttributes(images[0]!.id);
    const name = attributes.find((a) => a.tagPath.tag === 0x00100010 && !a.tagPath.previous);
    expect(name?.values).toEqual(['anon 007']);
    expect(patients.some((p) => p.patientName.value.includes('Peter'))).toBe(false);
  });

  it('adds and removes series types and tags of one series', async () => {
    const { series } = await peterSeries();
    const seriesId = series[0]!.id;
    const type = await client.createSeriesType('Head CT');
    let now = await details.addSeriesType('local', seriesId, type.id);
    expect(now.seriesTypes).toEqual([{ id: type.id, name: 'Head CT' }]);
    now = await details.addSeriesTag('local', seriesId, '  fresh tag ');
    expect(now.seriesTags.map((t) => t.name)).toEqual(['fresh tag']);
    const tagId = now.seriesTags[0]!.id;
    expect((await client.seriesTagsOf(seriesId)).map((t) => t.id)).toEqual([tagId]);
    now = await details.removeSeriesTag('local', seriesId, tagId);
    expect(now.seriesTags).toEqual([]);
    now = await details.removeSeriesType('local', seriesId, type.id);
    expect(now.seriesTypes).toEqual([]);
    expect(await client.seriesTypesOf(seriesId)).toEqual([]);
  });

  it('modifies PatientName on a series: new value, old image ids gone', async () => {
    const { series } = await peterSeries();
    const old = await client.images(series[0]!.id);
    expect(
      await actions.modify('local', { kind: 'series', ids: [series[0]!.id] }, [
        { tagPath: 'PatientName', value: 'Modified^Name' },
      ]),
    ).toEqual({ modified: 3 });
    for (const image of old) await expect(client.image(image.id)).rejects.toThrow(/404/);
    const patients = await client.patients();
    const modified = patients.find((p) => p.patientName.value === 'Modified^Name');
    expect(modified).toBeDefined();
    expect(await client.patientImages(modified!.id)).toHaveLength(3);
  });

  it('converts keyword paths to TagPath JSON and rejects unknown keywords', async () => {
    const [path] = await actions.tagPaths(client, [
      'EnergyWindowInformationSequence[1].EnergyWindowRangeSequence[2].EnergyWindowUpperLimit',
    ]);
    expect(path).toEqual({
      tag: 0x00540015,
      name: 'EnergyWindowUpperLimit',
      previous: {
        tag: 0x00540013,
        name: 'EnergyWindowRangeSequence',
        item: '2',
        previous: { tag: 0x00540012, name: 'EnergyWindowInformationSequence', item: '1' },
      },
    });
    const keywords = await actions.keywords('local', 'patientna');
    expect(keywords[0]).toBe('PatientName');
    expect(keywords.length).toBeLessThanOrEqual(50);
    // The tag-path form asks for sequence keywords on sequence rows, the others for the element.
    const sequences = await actions.keywords('local', 'energywindow', 'sequence');
    expect(sequences).toContain('EnergyWindowRangeSequence');
    expect(sequences.every((k) => k.endsWith('Sequence'))).toBe(true);
    const elements = await actions.keywords('local', 'energywindow', 'nonsequence');
    expect(elements).toContain('EnergyWindowUpperLimit');
    expect(elements).not.toContain('EnergyWindowRangeSequence');
    const [literal] = await actions.tagPaths(client, ['(0010,0010)']);
    expect(literal).toEqual({ tag: 0x00100010, name: '' });
    await expect(actions.tagPaths(client, ['NoSuchKeyword'])).rejects.toThrow(ServiceError);
    await expect(actions.tagPaths(client, ['PatientName[1]'])).rejects.toThrow(/last step/);
  });

  it('tags and untags series, with counts per tag', async () => {
    const { study, series } = await peterSeries();
    const selection = { kind: 'studies' as const, ids: [study.id] };
    expect(await actions.tagSeries('local', selection, ['Reviewed', 'Batch 1'], [])).toEqual({
      series: series.length,
    });
    let tags = await actions.seriesTags('local', selection);
    expect(tags.series).toBe(series.length);
    expect(tags.allTags.map((t) => t.name)).toEqual(['Batch 1', 'Reviewed']);
    expect(tags.tagCounts.map((t) => [t.name, t.count])).toEqual([
      ['Batch 1', series.length],
      ['Reviewed', series.length],
    ]);
    const reviewed = tags.allTags.find((t) => t.name === 'Reviewed')!;
    await actions.tagSeries('local', selection, [], [reviewed.id]);
    tags = await actions.seriesTags('local', selection);
    expect(tags.tagCounts.map((t) => t.name)).toEqual(['Batch 1']);
    expect(tags.allTags).toHaveLength(2); // unlinking keeps the tag
  });

  it('lists, creates, tags the series of and deletes import sessions', async () => {
    const created = await sessions.create('local', 'Session A');
    expect(created).toMatchObject({ name: 'Session A', filesImported: 0 });
    await client.uploadToImportSession(created.id, await readFile(PETER[0]!));
    await client.uploadToImportSession(created.id, await readFile(PETER[1]!));
    const page = await sessions.list({ connectionId: 'local', startIndex: 0, count: 20 });
    expect(page.hasMore).toBe(false);
    expect(page.items).toEqual([
      expect.objectContaining({ id: created.id, filesImported: 2, filesAdded: 0 }),
    ]);
    const images = await sessions.images('local', created.id);
    expect(images).toHaveLength(2);
    expect(await sessions.tagSeries('local', [created.id], ['From session'], [])).toEqual({
      series: 1,
    });
    expect((await client.seriesTagsOf(images[0]!.seriesId)).map((t) => t.name)).toEqual([
      'From session',
    ]);
    expect(await sessions.remove('local', [created.id])).toEqual({ removed: 1 });
    expect(
      (await sessions.list({ connectionId: 'local', startIndex: 0, count: 20 })).items,
    ).toEqual([]);
  });
});
