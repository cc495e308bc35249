/**
 * The desktop's Admin services for anonymization keys and users against a real local box over HTTP:
 * keys made by anonymized copies are paged with the `count + 1` look-ahead, sorted and filtered by prefix
 * on the server; a key's further values come with keyword tag paths; the CSV export answers the server's
 * text for an administrator and its refusal for a user; keys are deleted. Users are listed without
 * password hashes, added (a taken name refused), usable to sign in, and deleted; the server's refusal to
 * delete the superuser keeps its words.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnonymizationKeysService } from '../../src-main/services/admin/anonymization-keys-service.js';
import { UsersService } from '../../src-main/services/admin/users-service.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { toBridgeError } from '../../src-main/services/handlers.js';
import { schemas } from '../../src-main/services/schemas.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { TAG, derive } from './anonymization-support.js';
import { testFile } from '../fixtures/paths.js';

describe('desktop Admin services: anonymization keys and users', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let connections: ConnectionService;
  let client: SliceboxClient;
  let keys: AnonymizationKeysService;
  let users: UsersService;

  /** An anonymized copy (`POST /images/{id}/anonymized`): only the key is stored. */
  async function anonymizedCopy(imageId: number, anonName: string): Promise<void> {
    const res = await fetch(`${box.url}/api/images/${imageId}/anonymized`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from('admin:admin').toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        profile: { options: [{ name: 'BASIC_PROFILE' }] },
        tagValues: [{ tagPath: { tag: TAG.PatientName, name: 'PatientName' }, value: anonName }],
      }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-admin-'));
    box = await startLocalbox({ dataDir: join(dir, 'box'), port: 0 });
    connections = new ConnectionService(() => undefined);
    connections.add({
      id: 'local',
      name: 'Local box',
      url: box.url,
      kind: 'local',
      user: 'admin',
      password: 'admin',
    });
    client = connections.client('local');
    keys = new AnonymizationKeysService(connections);
    users = new UsersService(connections);

    const base = new Uint8Array(await readFile(testFile('test.dcm')));
    const patients: [string, string, Record<number, string>][] = [
      ['Bravo^Bob', 'AnonB', { [TAG.PatientBirthDate]: '19700101' }],
      ['Alpha^Ann', 'AnonA', {}],
      ['Charlie^Cy', 'AnonC', {}],
    ];
    let n = 0;
    for (const [name, anon, extra] of patients) {
      n++;
      const { image } = await client.uploadImage(
        derive(base, {
          [TAG.PatientName]: name,
          [TAG.PatientID]: `PID-${n}`,
          [TAG.StudyInstanceUID]: `1.2.826.0.1.3680043.2.1143.88.${n}.1`,
          [TAG.SeriesInstanceUID]: `1.2.826.0.1.3680043.2.1143.88.${n}.2`,
          [TAG.SOPInstanceUID]: `1.2.826.0.1.3680043.2.1143.88.${n}.3`,
          [TAG.FrameOfReferenceUID]: `1.2.826.0.1.3680043.2.1143.88.${n}.9`,
          ...extra,
        }),
      );
      await anonymizedCopy(image.id, anon);
    }
  });

  afterAll(async () => {
    await box?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pages keys with the look-ahead, sorted and filtered on the server', async () => {
    const all = await keys.page({ connectionId: 'local', startIndex: 0, count: 50 });
    expect(all.hasMore).toBe(false);
    expect(all.items.map((k) => k.patientName)).toEqual(['Bravo^Bob', 'Alpha^Ann', 'Charlie^Cy']);
    expect(all.items[0]).toMatchObject({
      anonPatientName: 'AnonB',
      patientID: 'PID-1',
      studyInstanceUID: '1.2.826.0.1.3680043.2.1143.88.1.1',
      sopInstanceUID: '1.2.826.0.1.3680043.2.1143.88.1.3',
    });
    expect(all.items[0]!.anonSOPInstanceUID).toMatch(/^2\.25\.\d+$/);
    expect(Math.abs(all.items[0]!.created - Date.now())).toBeLessThan(120_000);

    const first = await keys.page({
      connectionId: 'local',
      startIndex: 0,
      count: 2,
      orderBy: 'patientName',
      orderAscending: true,
    });
    expect(first.items.map((k) => k.patientName)).toEqual(['Alpha^Ann', 'Bravo^Bob']);
    expect(first.hasMore).toBe(true);
    const second = await keys.page({
      connectionId: 'local',
      startIndex: 2,
      count: 2,
      orderBy: 'patientName',
      orderAscending: true,
    });
    expect(second.items.map((k) => k.patientName)).toEqual(['Charlie^Cy']);
    expect(second.hasMore).toBe(false);
    const descending = await keys.page({
      connectionId: 'local',
      startIndex: 0,
      count: 50,
      orderBy: 'anonPatientName',
      orderAscending: false,
    });
    expect(descending.items.map((k) => k.anonPatientName)).toEqual(['AnonC', 'AnonB', 'AnonA']);

    // A case-insensitive prefix of any name, ID or UID; blanks are no filter.
    const anonB = await keys.page({
      connectionId: 'local',
      startIndex: 0,
      count: 50,
      filter: 'anonb',
    });
    expect(anonB.items.map((k) => k.patientName)).toEqual(['Bravo^Bob']);
    const pid = await keys.page({
      connectionId: 'local',
      startIndex: 0,
      count: 50,
      filter: 'PID-3',
    });
    expect(pid.items.map((k) => k.patientName)).toEqual(['Charlie^Cy']);
    const blank = await keys.page({
      connectionId: 'local',
      startIndex: 0,
      count: 50,
      filter: '  ',
    });
    expect(blank.items).toHaveLength(3);
    // Only the columns of a key can be sorted by.
    expect(
      schemas['admin.anonymizationKeys'].safeParse({
        connectionId: 'local',
        startIndex: 0,
        count: 50,
        orderBy: 'xyz',
      }).success,
    ).toBe(false);
  });

  it('gives a key’s further values with keyword tag paths', async () => {
    const [bravo] = (
      await keys.page({ connectionId: 'local', startIndex: 0, count: 50, filter: 'Bravo' })
    ).items;
    const values = await keys.keyValues('local', bravo!.id);
    const birth = values.find((v) => v.namePath === 'PatientBirthDate');
    expect(birth).toMatchObject({ tagPath: '(0010,0030)', value: '19700101' });
    expect(birth!.anonymizedValue).not.toBe('19700101');
    const frame = values.find((v) => v.namePath === 'FrameOfReferenceUID');
    expect(frame).toMatchObject({
      tagPath: '(0020,0052)',
      value: '1.2.826.0.1.3680043.2.1143.88.1.9',
    });
    expect(frame!.anonymizedValue).toMatch(/^2\.25\.\d+$/);
    expect(await keys.keyValues('local', 999_999)).toEqual([]);
  });

  it('exports the CSV for an administrator; a user gets the server’s refusal', async () => {
    const { fileName, csv } = await keys.exportCsv('local');
    expect(fileName).toBe('slicebox-anonymization-info.csv');
    const lines = csv.split(/\r?\n/).filter(Boolean);
    expect(lines[0]).toBe(
      'ID;Image ID;Created;Patient Name;Anonymous Patient Name;Patient ID;Anonymous Patient ID;Study Instance UID;Anonymous Study Instance UID;Series Instance UID;Anonymous Series Instance UID;SOP Instance UID;Anonymous SOP Instance UID;Tag Path;Value;Anonymized Value',
    );
    expect(lines.some((l) => l.includes(';Bravo^Bob;AnonB;PID-1;') && l.includes('19700101'))).toBe(
      true,
    );

    await users.add('local', { user: 'reader', password: 'reader-pw', role: 'USER' });
    connections.add({
      id: 'reader',
      name: 'As reader',
      url: box.url,
      kind: 'remote',
      user: 'reader',
      password: 'reader-pw',
    });
    const refusal = await keys.exportCsv('reader').then(
      () => null,
      (e: unknown) => toBridgeError(e),
    );
    expect(refusal?.message).toBe(
      'Only administrators can export the keys: The supplied authentication is not authorized to access this resource',
    );
    // A user still reads the keys.
    expect((await keys.page({ connectionId: 'reader', startIndex: 0, count: 1 })).hasMore).toBe(
      true,
    );
  });

  it('deletes keys', async () => {
    const before = await keys.page({ connectionId: 'local', startIndex: 0, count: 50 });
    const [a, b] = before.items;
    await keys.remove('local', [a!.id, b!.id, a!.id]);
    const after = await keys.page({ connectionId: 'local', startIndex: 0, count: 50 });
    expect(after.items.map((k) => k.id)).toEqual(before.items.slice(2).map((k) => k.id));
    expect(await keys.keyValues('local', a!.id)).toEqual([]);
  });

  it('lists, adds and deletes users; the superuser stays', async () => {
    const page = await users.page({ connectionId: 'local', startIndex: 0, count: 50 });
    expect(page.items.map((u) => [u.name, u.role])).toEqual([
      ['admin', 'SUPERUSER'],
      ['reader', 'USER'],
    ]);
    expect(page.hasMore).toBe(false);
    // No password hashes cross over to the renderer.
    expect(Object.keys(page.items[0]!).sort()).toEqual(['id', 'name', 'role']);

    const ada = await users.add('local', {
      user: '  ada ',
      password: 'secret ada',
      role: 'ADMINISTRATOR',
    });
    expect(ada).toMatchObject({ name: 'ada', role: 'ADMINISTRATOR' });
    expect(Object.keys(ada).sort()).toEqual(['id', 'name', 'role']);
    const rest = (await client.users()) as unknown as { user: string; role: string }[];
    expect(rest.find((u) => u.user === 'ada')?.role).toBe('ADMINISTRATOR');
    // The password works: ada signs in as an administrator and may export.
    connections.add({
      id: 'ada',
      name: 'As ada',
      url: box.url,
      kind: 'remote',
      user: 'ada',
      password: 'secret ada',
    });
    await connections.client('ada').verifyCredentials();
    expect((await keys.exportCsv('ada')).csv).toContain('Anonymous Patient Name');

    // A taken name is refused in words (the server would answer the old user unchanged).
    await expect(
      users.add('local', { user: 'ada', password: 'other', role: 'USER' }),
    ).rejects.toThrow('A user named "ada" already exists.');

    const two = await users.page({ connectionId: 'local', startIndex: 0, count: 2 });
    expect(two.items).toHaveLength(2);
    expect(two.hasMore).toBe(true);

    const superuser = page.items[0]!;
    const refused = await users.remove('local', superuser.id).then(
      () => null,
      (e: unknown) => toBridgeError(e),
    );
    expect(refused?.message).toBe('Superuser may not be deleted');

    await users.remove('local', ada.id);
    const left = await users.page({ connectionId: 'local', startIndex: 0, count: 50 });
    expect(left.items.map((u) => u.name)).toEqual(['admin', 'reader']);

    // Empty passwords and unknown roles never reach the server.
    expect(
      schemas['admin.addUser'].safeParse({
        connectionId: 'local',
        user: 'x',
        password: '',
        role: 'USER',
      }).success,
    ).toBe(false);
    expect(
      schemas['admin.addUser'].safeParse({
        connectionId: 'local',
        user: 'x',
        password: 'p',
        role: 'SUPERUSER',
      }).success,
    ).toBe(false);
  });
});
