/**
 * "What the receiver will get" (issue 10, finding 1) below the UI, against real local boxes over HTTP:
 * - the local box's extension routes (`/api/x-desktop/anonymization/{preview,identity-removed}`) show exactly
 *   what the anonymizer then writes (read back with an independent parser, dicom-parser), write no key, and
 *   harmonize with existing keys (same image → everything identical; same patient anonymized earlier → the
 *   same pseudonyms);
 * - the app-side fallback for servers without the extension (a proxy that answers 404 for
 *   `/api/x-desktop/*`, as any Slicebox does) gives the same rows, using the server's keys;
 * - Send's default for images flagged PatientIdentityRemoved = YES anonymizes them first, and the receiver
 *   gets what the preview showed; "as is" sends them unchanged, as its preview said.
 */
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrivacyRow, SamplePreview } from '../../src-preload/contract.js';
import { SendService } from '../../src-main/services/actions/send-service.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { NetworkService } from '../../src-main/services/network/network-service.js';
import { PrivacyService } from '../../src-main/services/privacy/privacy-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import type {
  AnonymizationKey,
  ImageAttribute,
  XAnonymizationPreview,
} from '../../src-main/slicebox/types.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile } from '../fixtures/paths.js';

const dicomParser = createRequire(import.meta.url)('dicom-parser') as {
  parseDicom(bytes: Uint8Array): {
    elements: Record<string, { length: number; items?: unknown[] } | undefined>;
    string(tag: string): string | undefined;
  };
};

const CT = pydicomFile('CT_small.dcm');
/** Doe^Peter, flagged PatientIdentityRemoved = YES: one study, series A (2 images) and B (here 1). */
const PETER_A = ['6293', '6924'].map((n) => pydicomFile(`dicomdir_98892001_CT2N_${n}.dcm`));
const PETER_B = pydicomFile('dicomdir_98892001_CT5N_2062.dcm');
const PATIENT_NAME = { tag: 0x00100010, name: 'PatientName' };
const NEW_UID = /^2\.25\.\d+$/;

/** A value as an independent parser reads it: null = absent, '' = empty, sequences as item counts. */
function parsedValue(bytes: Uint8Array, tag: number): string | null {
  const ds = dicomParser.parseDicom(bytes);
  const key = `x${tag.toString(16).padStart(8, '0')}`;
  const el = ds.elements[key];
  if (!el) return null;
  if (el.items) return `${el.items.length} item${el.items.length === 1 ? '' : 's'}`;
  if (el.length === 0) return '';
  return (ds.string(key) ?? '').trim();
}

/** A root-level value as `GET /images/{id}/attributes` lists it (what a receiving server stored). */
function storedValue(attributes: ImageAttribute[], tag: number): string | null {
  const el = attributes.find((a) => a.tagPath.tag === tag && !a.tagPath.previous);
  if (!el) return null;
  return el.values.join('\\');
}

/** Every row arrived as shown: exact values, or for generated ones a new UID in place of the old. */
function expectArrivedAsShown(rows: PrivacyRow[], arrived: (tag: number) => string | null): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const value = arrived(row.tag);
    if (row.generated) {
      expect(value, row.keyword).toMatch(NEW_UID);
      expect(value, row.keyword).not.toBe(row.before);
      expect(row.change, row.keyword).toBe('replaced');
    } else {
      expect(value, row.keyword).toBe(row.after);
    }
  }
}

const row = (rows: PrivacyRow[], keyword: string) => rows.find((r) => r.keyword === keyword);

/** Forwards to `target`, but has no `/api/x-desktop/*` routes (as a real Slicebox server). */
async function startPlainSliceboxProxy(target: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if ((req.url ?? '').startsWith('/api/x-desktop/')) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' });
        res.end('The requested resource could not be found.');
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url}`, { method: req.method, headers, body }).then(
        async (answer) => {
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/octet-stream',
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('privacy preview: what the receiver will get', () => {
  let dataDir: string;
  let boxes: Awaited<ReturnType<typeof startLocalbox>>[];
  let proxy: { url: string; server: Server };
  let desk: SliceboxClient;
  let plain: SliceboxClient;
  let receiver: SliceboxClient;
  let privacy: PrivacyService;
  let connections: ConnectionService;
  const ids: Record<string, number> = {};

  const post = async <T>(path: string, body: unknown): Promise<{ status: number; json: T }> => {
    const res = await fetch(`${boxes[0]!.url}/api${path}`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from('admin:admin').toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
  };
  const profile = (...names: string[]) => ({ options: names.map((name) => ({ name })) });
  const keys = () => desk.anonymizationKeys({ count: 1000 });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sbx-privacy-'));
    boxes = await Promise.all(
      ['desk', 'remote'].map((name) =>
        startLocalbox({ dataDir: join(dataDir, name), port: 0, boxes: { tickMs: 200 } }),
      ),
    );
    proxy = await startPlainSliceboxProxy(boxes[0]!.url);
    connections = new ConnectionService(() => undefined);
    for (const [id, url] of [
      ['desk', boxes[0]!.url],
      ['plain', proxy.url],
      ['remote', boxes[1]!.url],
    ] as const) {
      connections.add({ id, name: id, url, kind: 'remote', user: 'admin', password: 'admin' });
    }
    desk = connections.client('desk');
    plain = connections.client('plain');
    receiver = connections.client('remote');
    privacy = new PrivacyService(connections);
    for (const [name, file] of [
      ['ct', CT],
      ['peterA1', PETER_A[0]!],
      ['peterA2', PETER_A[1]!],
      ['peterB', PETER_B],
    ] as const) {
      ids[name] = (await desk.uploadImage(await readFile(file))).image.id;
    }
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    await Promise.all((boxes ?? []).map((b) => b.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('identity-removed: the flag per image, unknown ids left out; servers without it answer 404', async () => {
    const { status, json } = await post<{ imageId: number; patientIdentityRemoved: boolean }[]>(
      '/x-desktop/anonymization/identity-removed',
      { imageIds: [ids.ct, ids.peterA1, 999_999] },
    );
    expect(status).toBe(200);
    expect(json).toEqual([
      { imageId: ids.ct, patientIdentityRemoved: false },
      { imageId: ids.peterA1, patientIdentityRemoved: true },
    ]);
    const missing = await plain.identityRemoved([ids.ct!]).catch((e: { status?: number }) => e);
    expect((missing as { status?: number }).status).toBe(404);
  });

  it('preview = what POST /images/{id}/anonymized writes for the same profile and names; no key is written', async () => {
    const body = {
      profile: profile('BASIC_PROFILE', 'RETAIN_PATIENT_CHARACTERISTICS'),
      force: false,
      imageTagValuesSet: [
        { imageId: ids.ct, tagValues: [{ tagPath: PATIENT_NAME, value: 'anon 001' }] },
      ],
    };
    const { status, json } = await post<XAnonymizationPreview[]>(
      '/x-desktop/anonymization/preview',
      body,
    );
    expect(status).toBe(200);
    const [preview] = json;
    expect(preview).toMatchObject({
      imageId: ids.ct,
      anonymized: true,
      patientIdentityRemoved: false,
    });
    expect(preview!.matchLevel).toBeUndefined();
    expect(await keys()).toEqual([]);

    const [sample] = await privacy.preview('desk', {
      action: 'send',
      samples: [{ imageId: ids.ct!, patientId: 1, flagged: false }],
      options: ['RETAIN_PATIENT_CHARACTERISTICS'],
      patientNames: [{ patientId: 1, name: 'anon 001' }],
      flagged: 'anonymize',
    });
    const rows = sample!.rows;
    expect(rows.map((r) => r.keyword)).toEqual(preview!.attributes!.map((a) => a.keyword));
    expect(row(rows, 'PatientName')).toMatchObject({
      before: 'CompressedSamples^CT1',
      after: 'anon 001',
      change: 'replaced',
      generated: false,
    });
    expect(row(rows, 'PatientSex')).toMatchObject({ change: 'kept', generated: false });
    expect(row(rows, 'PatientID')).toMatchObject({ change: 'replaced', generated: true });
    expect(row(rows, 'StudyInstanceUID')).toMatchObject({ generated: true });
    expect(row(rows, 'InstitutionName')).toMatchObject({ change: 'removed', after: null });
    expect(row(rows, 'StudyDate')).toMatchObject({ change: 'removed', after: '' });
    expect(await keys()).toEqual([]);

    const res = await fetch(`${boxes[0]!.url}/api/images/${ids.ct}/anonymized`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from('admin:admin').toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        profile: body.profile,
        tagValues: body.imageTagValuesSet[0]!.tagValues,
      }),
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    expectArrivedAsShown(rows, (tag) => parsedValue(bytes, tag));
  });

  it('harmonization: once a key exists, the preview shows its pseudonyms exactly, and they are what arrives', async () => {
    const [key] = await keys();
    expect(key).toMatchObject({
      patientName: 'CompressedSamples^CT1',
      anonPatientName: 'anon 001',
    });
    const request = {
      action: 'send' as const,
      samples: [{ imageId: ids.ct!, patientId: 1, flagged: false }],
      options: ['RETAIN_PATIENT_CHARACTERISTICS'],
      patientNames: [{ patientId: 1, name: 'anon 001' }],
      flagged: 'anonymize' as const,
    };
    const [sample] = await privacy.preview('desk', request);
    expect(sample!.matchLevel).toBe('IMAGE');
    expect(sample!.rows.filter((r) => r.generated)).toEqual([]);
    expect(row(sample!.rows, 'PatientID')!.after).toBe(key!.anonPatientID);
    expect(row(sample!.rows, 'StudyInstanceUID')!.after).toBe(key!.anonStudyInstanceUID);
    expect(row(sample!.rows, 'SOPInstanceUID')!.after).toBe(key!.anonSOPInstanceUID);

    // A second anonymized copy, with the key: every value exactly as previewed.
    const res = await fetch(`${boxes[0]!.url}/api/images/${ids.ct}/anonymized`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from('admin:admin').toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        profile: profile('BASIC_PROFILE', 'RETAIN_PATIENT_CHARACTERISTICS'),
        tagValues: [{ tagPath: PATIENT_NAME, value: 'anon 001' }],
      }),
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    expectArrivedAsShown(sample!.rows, (tag) => parsedValue(bytes, tag));

    // The app-side fallback (no extension: downloaded bytes + the server's keys) shows the same rows.
    const [fallback] = await privacy.preview('plain', request);
    expect(fallback).toEqual(sample);
  });

  it('same patient anonymized earlier: another image of that patient gets the same pseudonyms', async () => {
    // Series A of Doe^Peter is anonymized in place (forced: the data is flagged) with a chosen name.
    const [fresh] = await desk.anonymizeImages({
      profile: profile('BASIC_PROFILE'),
      imageTagValuesSet: [
        { imageId: ids.peterA1!, tagValues: [{ tagPath: PATIENT_NAME, value: 'Case 7' }] },
      ],
    });
    const key = (await keys()).find((k: AnonymizationKey) => k.anonPatientName === 'Case 7')!;
    expect(key.patientName).toBe('Doe^Peter');

    // Series B (same study), anonymized in place too: no names given, the key decides.
    const request = {
      action: 'anonymize' as const,
      samples: [{ imageId: ids.peterB!, patientId: 2, flagged: true }],
      options: [],
      flagged: 'anonymize' as const,
    };
    const [sample] = await privacy.preview('desk', request);
    expect(sample!.matchLevel).toBe('STUDY');
    expect(row(sample!.rows, 'PatientName')).toMatchObject({
      before: 'Doe^Peter',
      after: 'Case 7',
      generated: false,
    });
    expect(row(sample!.rows, 'PatientID')).toMatchObject({
      after: key.anonPatientID,
      generated: false,
    });
    expect(row(sample!.rows, 'StudyInstanceUID')!.after).toBe(key.anonStudyInstanceUID);
    expect(row(sample!.rows, 'SeriesInstanceUID')!.generated).toBe(true);
    const [fallback] = await privacy.preview('plain', request);
    expect(fallback!.rows.filter((r) => !r.generated)).toEqual(
      sample!.rows.filter((r) => !r.generated),
    );

    const [anonymized] = await desk.anonymizeImages({
      profile: profile('BASIC_PROFILE'),
      imageTagValuesSet: [{ imageId: ids.peterB!, tagValues: [] }],
    });
    const attributes = await desk.imageAttributes(anonymized!.id);
    expectArrivedAsShown(sample!.rows, (tag) => storedValue(attributes, tag));
    expect(fresh).toBeDefined();
  });

  it('flagged data: not forced, it goes as it is (all kept); scan names the flagged patient on both paths', async () => {
    const [sample] = await privacy.preview('desk', {
      action: 'send',
      samples: [{ imageId: ids.peterA2!, patientId: 0, flagged: true }],
      options: [],
      patientNames: [{ patientId: 0, name: 'anon 005' }],
      flagged: 'asIs',
    });
    expect(sample!.outcome).toBe('unchanged');
    expect(sample!.rows.every((r) => r.change === 'kept' && !r.generated)).toBe(true);
    expect(row(sample!.rows, 'PatientName')!.after).toBe('Doe^Peter');
    expect(row(sample!.rows, 'PatientID')!.after).toBe('98890234');

    const patients = await desk.patients();
    const peter = patients.find((p) => p.patientName.value === 'Doe^Peter')!;
    const scans = await Promise.all(
      (['desk', 'plain'] as const).map((c) =>
        privacy.scan(c, { kind: 'patients', ids: patients.map((p) => p.id) }, 'send'),
      ),
    );
    expect(scans.map((s) => s.method)).toEqual(['server', 'app']);
    for (const scan of scans) {
      // Doe^Peter's last image, and the two anonymized in place above (that output is flagged too).
      expect(scan.flagged.images).toBe(3);
      expect(scan.flagged.patients).toEqual([
        expect.objectContaining({ patientName: 'Case 7', images: 2 }),
        { patientId: peter.id, patientName: 'Doe^Peter', patientID: '98890234', images: 1 },
      ]);
      expect(scan.samples.filter((s) => s.patientId === peter.id)).toEqual([
        expect.objectContaining({ imageId: ids.peterA2, flagged: true, images: 1 }),
      ]);
      expect(scan.samples.find((s) => s.imageId === ids.ct)).toMatchObject({ flagged: false });
    }
    expect(scans[1]!.samples).toEqual(scans[0]!.samples);

    const unchanged = await privacy.scan(
      'desk',
      { kind: 'patients', ids: [peter.id] },
      'sendToScu',
    );
    expect(unchanged).toMatchObject({ method: 'none', flagged: { images: 0, patients: [] } });
    const [rowsOut] = await privacy.preview('desk', {
      action: 'sendToScu',
      samples: unchanged.samples,
      options: [],
      flagged: 'asIs',
    });
    expect(rowsOut!.outcome).toBe('unchanged');
    expect(row(rowsOut!.rows, 'PatientName')).toMatchObject({
      before: 'Doe^Peter',
      change: 'kept',
    });
  });

  it('Send: flagged images are anonymized here first by default, and arrive as previewed', async () => {
    const network = new NetworkService(connections);
    const sending = new SendService(connections);
    const poll = await network.createBoxConnection('remote', 'Desk', []);
    const box = await network.connectBox('desk', 'Research', poll.baseUrl, []);
    const peter = (await desk.patients()).find((p) => p.patientName.value === 'Doe^Peter')!;
    const selection = { kind: 'patients' as const, ids: [peter.id] };

    const scan = await privacy.scan('desk', selection, 'send');
    expect(scan.flagged.images).toBe(1);
    const names = [{ patientId: peter.id, name: 'trial 042' }];
    const [shown] = (await privacy.preview('desk', {
      action: 'send',
      samples: scan.samples,
      options: [],
      patientNames: names,
      flagged: 'anonymize',
    })) as SamplePreview[];
    expect(shown!.outcome).toBe('anonymized');
    expect(row(shown!.rows, 'PatientName')!.after).toBe('trial 042');

    const result = await sending.sendToBox('desk', selection, box.id, [], names);
    expect(result).toMatchObject({ queued: 1, anonymizedFirst: 1 });
    const arrived = await until('the image to arrive', async () => {
      const patients = await receiver.patients();
      return patients.length === 1 ? patients[0] : undefined;
    });
    expect(arrived.patientName.value).toBe('trial 042');
    const [image] = await receiver.patientImages(arrived.id);
    const attributes = await receiver.imageAttributes(image!.id);
    expectArrivedAsShown(shown!.rows, (tag) => storedValue(attributes, tag));
    // The key of that anonymization stays on the sending side.
    expect((await keys()).some((k) => k.anonPatientName === 'trial 042')).toBe(true);
  });
});
