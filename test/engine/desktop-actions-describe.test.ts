/**
 * The services behind the confirmations that name things and Modify's row checks, against a real local
 * box over HTTP: `actions.describe` (patients, series and exact counts of a selection, as the server
 * holds them) and `dicom.lookup` (a step in the server's dictionary, with suggestions for unknown
 * keywords).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { ActionService } from '../../src-main/services/actions/action-service.js';
import { closestKeywords } from '../../src-main/services/actions/dictionary-lookup.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { pydicomFile, testFile } from '../fixtures/paths.js';

/** Doe^Peter: series CT2N (2 images) and CT5N (5 images) of one study. */
const PETER = [
  'CT2N_6293',
  'CT2N_6924',
  'CT5N_2062',
  'CT5N_2392',
  'CT5N_2693',
  'CT5N_3023',
  'CT5N_3353',
].map((n) => pydicomFile(`dicomdir_98892001_${n}.dcm`));

describe('describe a selection and look up tag-path steps (local box)', () => {
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let dataDir: string;
  let client: SliceboxClient;
  let actions: ActionService;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sbx-describe-'));
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
    for (const file of [...PETER, testFile('test.dcm')]) {
      await client.uploadImage(await readFile(file));
    }
  });

  afterAll(async () => {
    await box?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function peter() {
    const patient = (await client.patients()).find((p) => p.patientName.value === 'Doe^Peter')!;
    const [study] = await client.studies(patient.id);
    const series = await client.series(study!.id);
    return { patient, study: study!, series };
  }

  it('names the series of one patient with their image counts', async () => {
    const { patient, series } = await peter();
    expect(series).toHaveLength(2);
    const d = await actions.describe('local', { kind: 'series', ids: series.map((s) => s.id) });
    expect(d).toMatchObject({ kind: 'series', patients: 1, studies: 1, series: 2, images: 7 });
    expect(d.list).toHaveLength(1);
    expect(d.list[0]).toMatchObject({
      patientId: patient.id,
      patientName: 'Doe^Peter',
      patientID: patient.patientID.value,
      studies: 1,
      seriesCount: 2,
      images: 7,
    });
    const counts = d.list[0]!.series.map((s) => [s.modality, s.images]).sort();
    expect(counts).toEqual([
      ['CT', 2],
      ['CT', 5],
    ]);
  });

  it('counts only the selected images of a series, and every patient of a mixed selection', async () => {
    const { series } = await peter();
    const five = series[1]!;
    const images = await client.images(five.id, { startindex: 0, count: 100 });
    const two = await actions.describe('local', {
      kind: 'images',
      ids: images.slice(0, 2).map((i) => i.id),
    });
    expect(two).toMatchObject({ patients: 1, series: 1, images: 2 });
    expect(two.list[0]!.series[0]!.images).toBe(2);

    const all = await actions.describe('local', {
      kind: 'patients',
      ids: (await client.patients()).map((p) => p.id),
    });
    expect(all).toMatchObject({ patients: 2, studies: 2, series: 3, images: 8 });
    // By name: anon270 before Doe^Peter (case-insensitive order).
    expect(all.list.map((p) => p.patientName)).toEqual(['anon270', 'Doe^Peter']);
    expect(all.list[0]!.series[0]).toMatchObject({
      modality: 'NM',
      description: 'DET 1',
      images: 1,
    });
  });

  it('looks keywords and literal tags up in the server’s dictionary', async () => {
    expect(await actions.lookup('local', 'PatientName')).toEqual({
      step: 'PatientName',
      tag: 0x00100010,
      keyword: 'PatientName',
      vr: 'PN',
      vm: { min: 1, max: 1 },
      suggestions: [],
    });
    expect(await actions.lookup('local', 'EnergyWindowInformationSequence')).toMatchObject({
      vr: 'SQ',
    });
    expect(await actions.lookup('local', 'ImageType')).toMatchObject({ vr: 'CS', vm: { min: 2 } });
    expect(await actions.lookup('local', '(0008,0020)')).toMatchObject({
      tag: 0x00080020,
      keyword: 'StudyDate',
      vr: 'DA',
    });
    // A private tag: no keyword, VR UN.
    expect(await actions.lookup('local', '(0019,1010)')).toMatchObject({
      tag: 0x00191010,
      keyword: '',
      vr: 'UN',
    });
  });

  it('answers an unknown keyword with the closest dictionary keywords', async () => {
    const typo = await actions.lookup('local', 'PatientNam');
    expect(typo).toMatchObject({ step: 'PatientNam', tag: null, vr: '' });
    expect(typo.suggestions[0]).toBe('PatientName');
    const wrongCase = await actions.lookup('local', 'patientname');
    expect(wrongCase.tag).toBeNull();
    expect(wrongCase.suggestions[0]).toBe('PatientName');
    const nothing = await actions.lookup('local', 'Qqqqqqqqqqqqqq');
    expect(nothing.suggestions).toEqual([]);
    await expect(actions.lookup('local', 'Patient Name')).rejects.toThrow(/not a keyword/);
  });

  it('ranks suggestions: same word in another case, then by edits', () => {
    expect(closestKeywords('studydate', ['StudyTime', 'StudyDate', 'SeriesDate'])[0]).toBe(
      'StudyDate',
    );
    expect(closestKeywords('StudyDat', ['StudyTime', 'StudyDate', 'SeriesDate'])).toEqual([
      'StudyDate',
    ]);
    expect(closestKeywords('PatientsName', ['PatientAge', 'PatientName', 'PatientSex'])[0]).toBe(
      'PatientName',
    );
  });
});
