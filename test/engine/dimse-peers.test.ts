/**
 * SCPs and SCUs against real DICOM peers from Debian's dcmtk (BEHAVIOR.md §16, §17): echoscu, storescu and dcmsend
 * send to our SCP; our SCU sends to storescp. Every peer runs on 127.0.0.1 with TCP_NODELAY=1, every wait is
 * bounded, and only processes started here are stopped. Skipped (with a message) when dcmtk is not installed.
 */
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Image, ScpData, ScuData, Source } from '../../src-main/slicebox/types.js';
import {
  datasetBytes,
  fileMetaOf,
  freePort,
  missingDcmtkTools,
  run,
  startPeer,
  waitFor,
} from './dimse-support.js';
import type { Peer } from './dimse-support.js';
import { PYDICOM, sha256, startTestBox, TESTDATA } from './support.js';
import type { TestBox } from './support.js';

const missing = missingDcmtkTools();
if (missing.length > 0) {
  console.warn(
    `dimse-peers.test.ts: skipped, dcmtk tools not installed: ${missing.join(', ')} (apt-get install dcmtk)`,
  );
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const US_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.6.1';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

async function dump(path: string, ...args: string[]): Promise<string> {
  const r = await run('dcmdump', [...args, path]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** `stored` is `sent` byte for byte, except that dcmtk drops a trailing padding element (FFFC,FFFC). */
function expectSameBytesButPadding(stored: Buffer, sent: Buffer, what: string): void {
  expect(sha256(stored), what).toBe(sha256(sent.subarray(0, stored.length)));
  const rest = sent.subarray(stored.length);
  if (rest.length > 0) expect(rest.subarray(0, 4).toString('hex'), what).toBe('fcfffcff');
}

async function uploadImage(t: TestBox, file: string): Promise<Image> {
  const res = await t.upload('/api/images', readFileSync(file));
  expect([200, 201]).toContain(res.status);
  return (await res.json()) as Image;
}

/** The image with this SOP instance UID and the source of its series, or undefined. */
async function findImage(
  t: TestBox,
  sopInstanceUid: string,
): Promise<{ image: Image; source: Source } | undefined> {
  const flat = await t.json<Array<{ id: number }>>('/api/metadata/flatseries?count=1000');
  for (const series of flat) {
    const images = await t.json<Image[]>(`/api/metadata/images?seriesid=${series.id}&count=1000`);
    const image = images.find((i) => i.sopInstanceUID.value === sopInstanceUid);
    if (image) {
      const source = await t.json<Source>(`/api/metadata/series/${series.id}/source`);
      return { image, source };
    }
  }
  return undefined;
}

describe.skipIf(missing.length > 0)('dcmtk peers → our SCP', () => {
  let t: TestBox;
  let scp: ScpData;
  let work: string;

  beforeAll(async () => {
    t = await startTestBox();
    work = mkdtempSync(join(tmpdir(), 'scp-peers-'));
    const port = await freePort();
    const res = await t.api('/api/scps', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ id: -1, name: 'dcmtk receiver', aeTitle: 'SBXSCP', port }),
    });
    expect(res.status).toBe(201);
    scp = (await res.json()) as ScpData;
  });
  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('echoscu: C-ECHO succeeds; a wrong called AE title is rejected', async () => {
    const ok = await run('echoscu', ['-aet', 'ECHO', '-aec', 'SBXSCP', '127.0.0.1', `${scp.port}`]);
    expect(ok.code, ok.stderr).toBe(0);
    const wrong = await run('echoscu', [
      '-aet',
      'ECHO',
      '-aec',
      'OTHER',
      '127.0.0.1',
      `${scp.port}`,
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr + wrong.stdout).toMatch(/Called AE Title Not Recognized|rejected/i);
  });

  test('storescu: images are stored with source {scp, name, id}, every element kept (private tags too)', async () => {
    const files = [join(TESTDATA, 'test.dcm'), join(PYDICOM, 'CT_small.dcm')];
    const r = await run('storescu', [
      '-aet',
      'MODALITY',
      '-aec',
      'SBXSCP',
      '127.0.0.1',
      `${scp.port}`,
      ...files,
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const file of files) {
      const original = readFileSync(file);
      const found = await findImage(t, fileMetaOf(original).sopInstanceUid);
      expect(found, file).toBeDefined();
      expect(found?.source).toEqual({
        sourceType: 'scp',
        sourceName: 'dcmtk receiver',
        sourceId: scp.id,
      });
      const stored = Buffer.from(
        await (await t.api(`/api/images/${found?.image.id}`)).arrayBuffer(),
      );
      // storescu re-serialises the dataset (same syntax, Explicit VR LE), so compare elements, not bytes.
      expect(fileMetaOf(stored).transferSyntaxUid).toBe(fileMetaOf(original).transferSyntaxUid);
      const storedPath = join(work, `stored-${found?.image.id}.dcm`);
      writeFileSync(storedPath, stored);
      const [a, b] = await Promise.all([dump(storedPath), dump(file)]);
      // dcmtk may re-encode sequences with explicit instead of undefined lengths and drops trailing padding
      // (FFFC,FFFC): compare the other elements.
      const elements = (s: string): string[] =>
        s
          .split('\n')
          .filter(
            (l) => /^\s*\([0-9a-f]{4},/.test(l) && !/^\s*\(fffe,e0[0d]d\)|^\(fffc,fffc\)/.test(l),
          )
          .map((l) =>
            l
              .replace(/#.*$/, '')
              .replace(/\((Sequence|Item) with .*$/, '')
              .trim(),
          );
      expect(elements(a).filter((l) => !l.startsWith('(0002,'))).toEqual(
        elements(b).filter((l) => !l.startsWith('(0002,')),
      );
    }
    const testDump = await dump(join(work, readdirSync(work)[0] ?? ''));
    expect(testDump).toMatch(/^\(0019,/m); // test.dcm's private group 0019
  });

  test("dcmsend: the stored dataset bytes are the sent file's bytes (files without sequences)", async () => {
    // dcmtk re-encodes sequences (test.dcm's become explicit-length) and drops trailing padding, so files
    // without sequences are compared, up to the padding. Our own SCU → SCP loop (scu-routes.test.ts) checks
    // test.dcm byte for byte.
    const files = [join(PYDICOM, 'CT_small.dcm'), join(PYDICOM, 'MR_small.dcm')];
    const r = await run('dcmsend', [
      '-aet',
      'MODALITY',
      '-aec',
      'SBXSCP',
      '127.0.0.1',
      `${scp.port}`,
      ...files,
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const file of files) {
      const original = readFileSync(file);
      const found = await findImage(t, fileMetaOf(original).sopInstanceUid);
      expect(found, file).toBeDefined();
      const stored = Buffer.from(
        await (await t.api(`/api/images/${found?.image.id}`)).arrayBuffer(),
      );
      expect(fileMetaOf(stored).transferSyntaxUid).toBe(fileMetaOf(original).transferSyntaxUid);
      expectSameBytesButPadding(datasetBytes(stored), datasetBytes(original), file);
    }
  });

  test('dcmsend: a JPEG baseline image-data file is stored byte-faithfully in its own syntax', async () => {
    // The JPEG baseline test files are Secondary Capture (not image-data, refused by SCPs): relabel a copy as
    // Ultrasound Image Storage; dcmodify keeps the encapsulated pixel data as it is.
    const file = join(work, 'us-jpeg.dcm');
    copyFileSync(join(PYDICOM, 'SC_rgb_jpeg_dcmtk.dcm'), file);
    // dcmodify updates (0002,0002) from (0008,0016) by itself.
    const mod = await run('dcmodify', ['-nb', '-m', `(0008,0016)=${US_IMAGE_STORAGE}`, file]);
    expect(mod.code, mod.stderr).toBe(0);
    const original = readFileSync(file);
    expect(fileMetaOf(original).transferSyntaxUid).toBe(JPEG_BASELINE);

    const r = await run('dcmsend', [
      '-aet',
      'MODALITY',
      '-aec',
      'SBXSCP',
      '127.0.0.1',
      `${scp.port}`,
      file,
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const found = await findImage(t, fileMetaOf(original).sopInstanceUid);
    expect(found).toBeDefined();
    const stored = Buffer.from(await (await t.api(`/api/images/${found?.image.id}`)).arrayBuffer());
    expect(fileMetaOf(stored).transferSyntaxUid).toBe(JPEG_BASELINE);
    expect(sha256(datasetBytes(stored))).toBe(sha256(datasetBytes(original)));
  });

  test('a SOP class outside image-data (Secondary Capture) is refused at association', async () => {
    const file = join(TESTDATA, 'sc.dcm');
    const r = await run('dcmsend', [
      '-aet',
      'MODALITY',
      '-aec',
      'SBXSCP',
      '127.0.0.1',
      `${scp.port}`,
      file,
    ]);
    expect(r.stdout + r.stderr).toMatch(/No Acceptable Presentation Contexts/i);
    expect(await findImage(t, fileMetaOf(readFileSync(file)).sopInstanceUid)).toBeUndefined();
  });

  test('throughput: storescu sends 200 C-STOREs (CT_small, 39 KB) in one association', async () => {
    const n = 200;
    const file = join(PYDICOM, 'CT_small.dcm');
    const start = performance.now();
    const r = await run(
      'storescu',
      [
        '-aet',
        'MODALITY',
        '-aec',
        'SBXSCP',
        '127.0.0.1',
        `${scp.port}`,
        ...Array.from({ length: n }, () => file),
      ],
      60_000,
    );
    const seconds = (performance.now() - start) / 1000;
    expect(r.code, r.stderr).toBe(0);
    console.info(
      `storescu → SCP: ${n} images stored in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)}/s)`,
    );
    const log = await t.json<Array<{ entryType: string }>>('/api/log?subject=SCP&type=ERROR');
    expect(log).toEqual([]);
  });

  test('deleting the SCP stops its listener', async () => {
    expect((await t.api(`/api/scps/${scp.id}`, { method: 'DELETE' })).status).toBe(204);
    const r = await run(
      'echoscu',
      ['-aet', 'ECHO', '-aec', 'SBXSCP', '127.0.0.1', `${scp.port}`],
      10_000,
    );
    expect(r.code).not.toBe(0);
  });
});

describe.skipIf(missing.length > 0)('our SCU → storescp', () => {
  let t: TestBox;
  let work: string;
  let outAll: string;
  let outImplicit: string;
  let peerAll: Peer;
  let peerImplicit: Peer;
  let scuAll: ScuData;
  let scuImplicit: ScuData;
  const ids: Record<string, number> = {};

  async function startStorescp(
    out: string,
    aet: string,
    extra: string[],
  ): Promise<{ peer: Peer; port: number }> {
    const port = await freePort();
    const peer = startPeer('storescp', [...extra, '--aetitle', aet, '-od', out, `${port}`]);
    await waitFor(
      async () => (await run('echoscu', ['-aec', aet, '127.0.0.1', `${port}`], 5000)).code === 0,
      15_000,
      `storescp on port ${port}`,
    );
    return { peer, port };
  }

  async function addScu(name: string, aeTitle: string, port: number): Promise<ScuData> {
    const res = await t.api('/api/scus', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ id: -1, name, aeTitle, host: '127.0.0.1', port }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as ScuData;
  }

  function send(scu: ScuData, imageIds: number[]): Promise<Response> {
    return t.api(`/api/scus/${scu.id}/send`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(imageIds),
    });
  }

  /** SOP instance UID → transfer syntax of every file storescp wrote into `dir`. */
  async function received(dir: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const name of readdirSync(dir)) {
      const text = await dump(
        join(dir, name),
        '-Un',
        '+P',
        'SOPInstanceUID',
        '+P',
        'TransferSyntaxUID',
      );
      const uid = /\(0008,0018\) UI \[([^\]]*)\]/.exec(text)?.[1];
      const ts = /\(0002,0010\) UI \[([^\]]*)\]/.exec(text)?.[1];
      if (uid) out.set(uid, ts ?? '');
    }
    return out;
  }

  beforeAll(async () => {
    t = await startTestBox();
    work = mkdtempSync(join(tmpdir(), 'scu-peers-'));
    outAll = join(work, 'all');
    outImplicit = join(work, 'implicit');
    mkdirSync(outAll);
    mkdirSync(outImplicit);
    const a = await startStorescp(outAll, 'STORESCP', ['+xa']);
    peerAll = a.peer;
    scuAll = await addScu('storescp all', 'STORESCP', a.port);
    const b = await startStorescp(outImplicit, 'IMPLICIT', ['+xi']);
    peerImplicit = b.peer;
    scuImplicit = await addScu('storescp implicit', 'IMPLICIT', b.port);
    ids.test = (await uploadImage(t, join(TESTDATA, 'test.dcm'))).id;
    ids.ct = (await uploadImage(t, join(PYDICOM, 'CT_small.dcm'))).id;
    ids.bigEndian = (await uploadImage(t, join(PYDICOM, 'MR_small_bigendian.dcm'))).id;
    ids.jpeg = (await uploadImage(t, join(PYDICOM, 'SC_rgb_jpeg_dcmtk.dcm'))).id;
    ids.deflated = (await uploadImage(t, join(PYDICOM, 'image_dfl.dcm'))).id;
  });
  afterAll(async () => {
    await Promise.all([peerAll?.stop(), peerImplicit?.stop()]);
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('send → 204; every image arrives in its own transfer syntax, private tags intact', async () => {
    const all = [ids.test, ids.ct, ids.bigEndian, ids.jpeg, ids.deflated] as number[];
    const res = await send(scuAll, all);
    expect(res.status, await res.text()).toBe(204);
    const got = await received(outAll);
    for (const [name, file] of [
      ['test', join(TESTDATA, 'test.dcm')],
      ['ct', join(PYDICOM, 'CT_small.dcm')],
      ['bigEndian', join(PYDICOM, 'MR_small_bigendian.dcm')],
      ['jpeg', join(PYDICOM, 'SC_rgb_jpeg_dcmtk.dcm')],
      ['deflated', join(PYDICOM, 'image_dfl.dcm')],
    ] as const) {
      const meta = fileMetaOf(readFileSync(file));
      expect(got.get(meta.sopInstanceUid), name).toBe(meta.transferSyntaxUid);
    }
    const testUid = fileMetaOf(readFileSync(join(TESTDATA, 'test.dcm'))).sopInstanceUid;
    const testFile = readdirSync(outAll).find((n) => n.includes(testUid));
    expect(testFile).toBeDefined();
    expect(await dump(join(outAll, testFile ?? ''))).toMatch(/^\(0019,/m);
  });

  test('a peer that accepts Implicit VR LE only: uncompressed data is converted, values kept', async () => {
    const res = await send(scuImplicit, [ids.test, ids.bigEndian, ids.deflated] as number[]);
    expect(res.status, await res.text()).toBe(204);
    const got = await received(outImplicit);
    for (const file of [
      join(TESTDATA, 'test.dcm'),
      join(PYDICOM, 'MR_small_bigendian.dcm'),
      join(PYDICOM, 'image_dfl.dcm'),
    ]) {
      expect(got.get(fileMetaOf(readFileSync(file)).sopInstanceUid), file).toBe(
        '1.2.840.10008.1.2',
      );
    }
    // The big-endian MR arrives with the same pixel values as its little-endian twin.
    const mrUid = fileMetaOf(readFileSync(join(PYDICOM, 'MR_small.dcm'))).sopInstanceUid;
    const mrFile = readdirSync(outImplicit).find((n) => n.includes(mrUid)) ?? '';
    const pixels = async (p: string): Promise<string> =>
      (await dump(p, '+P', 'PixelData', '+L'))
        .replace(/^.*?(\(7fe0,0010\)[^#]*).*$/s, '$1')
        .replace(/\s+/g, ' ');
    const [sent, twin] = await Promise.all([
      pixels(join(outImplicit, mrFile)),
      pixels(join(PYDICOM, 'MR_small.dcm')),
    ]);
    expect(sent.slice(0, 400)).toBe(twin.slice(0, 400));
    // test.dcm's private elements survive the conversion.
    const testUid = fileMetaOf(readFileSync(join(TESTDATA, 'test.dcm'))).sopInstanceUid;
    const testFile = readdirSync(outImplicit).find((n) => n.includes(testUid)) ?? '';
    expect(await dump(join(outImplicit, testFile))).toMatch(/^\(0019,/m);
  });

  test('JPEG data to a peer that refuses it → 502 with a clear message', async () => {
    const res = await send(scuImplicit, [ids.jpeg] as number[]);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(
      /^Unable to send images to IMPLICIT@127\.0\.0\.1:\d+: image \d+ is stored in transfer syntax 1\.2\.840\.10008\.1\.2\.4\.50, which the peer did not accept, and cannot be converted/,
    );
  });

  test('a port without a listener → 502 Connection refused; unknown SCU → 404', async () => {
    const port = await freePort();
    const scu = await addScu('nobody', 'NOBODY', port);
    const res = await send(scu, [ids.test] as number[]);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe(`Connection refused on host NOBODY@127.0.0.1:${port}`);
    const unknown = await send({ ...scu, id: 666 }, [ids.test] as number[]);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('SCU with id 666 not found');
  });

  test('throughput: 200 C-STOREs of CT_small (39 KB) in one association', async () => {
    const n = 200;
    const start = performance.now();
    const res = await send(
      scuAll,
      Array.from({ length: n }, () => ids.ct as number),
    );
    const seconds = (performance.now() - start) / 1000;
    expect(res.status, await res.text()).toBe(204);
    console.info(
      `SCU → storescp: ${n} images in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)}/s)`,
    );
    expect(seconds).toBeLessThan(30);
  });
});
