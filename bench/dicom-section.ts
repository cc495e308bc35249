/**
 * The `dicom` section (`--only dicom`): DICOM networking of the local box against Orthanc's, with dcmtk as the
 * peer on the other end. Per run, one new set of `--images` 512×512 slices (new UIDs, one series) is written to a
 * temp folder once, and all receivers get those same files:
 *
 * * **C-STORE in**: `storescu` sends the folder in ONE association to the local box's SCP (created through
 *   `POST /api/scps` on a free port), to Orthanc's DICOM port, and (ceiling) to dcmtk's `storescp` writing to
 *   disk. Timed from spawn to exit of storescu, plus a bounded wait until the receiver reports all N stored.
 * * **C-STORE out**: each server sends the N slices it has just received to a fresh `storescp`: the local box
 *   through an SCU (`POST /api/scus`, `POST /api/scus/{id}/send`), Orthanc through `PUT /modalities/{name}` and
 *   `POST /modalities/{name}/store` (synchronous). Timed until the request has returned and storescp has
 *   written N files (bounded). No ceiling column: storescu → storescp is no upper bound for a sender that
 *   already holds the files open in-process (Orthanc beats it), see docs/BENCHMARKS.md.
 *
 * See docs/BENCHMARKS.md. No assertions on timings; HTTP and count failures abort the run with a message.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startStorescp,
  storescu,
  waitForCount,
  waitForListener,
  type Dcmtk,
  type StoreScp,
} from './dcmtk.js';
import { generateSlices, writeSlices, type Slice, type SliceTemplate } from './generate-slices.js';
import { expectStatus, jsonClient, parseJson, request } from './http.js';
import type { LocalboxServer } from './localbox.js';
import type { OrthancServer } from './orthanc.js';
import { freePort } from './process.js';

const MB = 1e6;
const STORESCP_AE = 'STORESCP';
const LOCALBOX_SCP_AE = 'SLICEBOX';

type Who = 'localbox' | 'orthanc' | 'ceiling';

interface Spec {
  section: string;
  name: string;
  unit: string;
  higherIsBetter: boolean;
  ceilingLabel?: string;
}

/** What the section needs of run.ts's `Figures`. */
export interface FigureSink {
  add(spec: Spec, who: Who, run: number, value: number): void;
}

export interface DicomSectionContext {
  runs: number;
  images: number;
  tools: Dcmtk;
  localbox: LocalboxServer;
  orthanc?: OrthancServer;
  template: SliceTemplate;
  fig: FigureSink;
  tmp: string;
  patientCounter: { next: number };
  log(line: string): void;
}

const inSpec = (unit: string): Spec => ({
  section: 'dicom',
  name: 'C-STORE in: storescu → server, 1 association',
  unit,
  higherIsBetter: true,
  ceilingLabel: '(storescu → storescp)',
});
const outSpec: Spec = {
  section: 'dicom',
  name: 'C-STORE out: server → storescp, 1 association',
  unit: 'images/s',
  higherIsBetter: true,
};

/** The run's slice set, written to `dir` once; returns what the receivers need to find it again. */
async function writeRunSet(
  ctx: DicomSectionContext,
  dir: string,
): Promise<{ bytes: number; seriesUid: string; patientKey: string }> {
  const patient = ctx.patientCounter.next++;
  let seriesUid = '';
  const slices = generateSlices(ctx.template, {
    count: ctx.images,
    imagesPerSeries: ctx.images, // one series per run
    seriesPerStudy: 1,
    studiesPerPatient: 1,
    firstPatient: patient,
  });
  const tap = function* (all: Iterable<Slice>) {
    for (const s of all) {
      seriesUid ||= s.seriesUid;
      yield s;
    }
  };
  const { bytes } = await writeSlices(dir, tap(slices));
  // PatientName `BENCH^G<n%10>^P<8 digits>`, PatientID `BP<8 digits>`: this text matches this patient only.
  return { bytes, seriesUid, patientKey: `P${String(patient).padStart(8, '0')}` };
}

export async function dicomSection(ctx: DicomSectionContext): Promise<Record<string, unknown>> {
  const { localbox: box, orthanc: o, tools, fig, log } = ctx;
  const lb = jsonClient(box);
  const oh = o ? jsonClient(o) : undefined;

  // The local box's SCP, created through its API like a user would; the listener starts in the background.
  const scpPort = await freePort();
  const scp = parseJson<{ id: number }>(
    expectStatus(
      await lb('POST', '/api/scps', {
        id: -1,
        name: 'bench-scp',
        aeTitle: LOCALBOX_SCP_AE,
        port: scpPort,
      }),
      'local box POST /api/scps',
      [201],
    ),
  );
  await waitForListener(scpPort);
  if (o) await waitForListener(o.dicomPort);
  log(
    `  local box SCP ${LOCALBOX_SCP_AE}@127.0.0.1:${scpPort} (id ${scp.id})` +
      (o ? `; Orthanc ${o.aeTitle}@127.0.0.1:${o.dicomPort}` : ''),
  );

  /** Image ids of the run's series in the local box (empty until stored). */
  const lbImageIds = async (patientKey: string): Promise<number[]> => {
    const series = parseJson<{ id: number }[]>(
      expectStatus(
        await lb('GET', `/api/metadata/flatseries?count=10&filter=${patientKey}`),
        'local box flatseries',
        [200],
      ),
    );
    const ids: number[] = [];
    for (const s of series) {
      const images = parseJson<{ id: number }[]>(
        expectStatus(
          await lb('GET', `/api/metadata/images?seriesid=${s.id}&count=${ctx.images + 10}`),
          'local box images',
          [200],
        ),
      );
      ids.push(...images.map((i) => i.id));
    }
    return ids;
  };
  const oInstances = async (): Promise<number> =>
    parseJson<{ CountInstances: number }>(
      expectStatus(
        await (oh as ReturnType<typeof jsonClient>)('GET', '/statistics'),
        'Orthanc /statistics',
        [200],
      ),
    ).CountInstances;

  /** storescu → a receiver, then a bounded wait until it reports all N; seconds in all. */
  const cstoreIn = async (
    port: number,
    calledAe: string,
    dir: string,
    stored: () => Promise<number>,
    what: string,
  ): Promise<number> => {
    const sent = await storescu(tools, { port, calledAe, dir });
    const waited = await waitForCount(what, ctx.images, stored);
    return sent + waited;
  };

  /** A fresh storescp; `send` makes the server send to it; seconds until sent and N files written. */
  const cstoreOut = async (
    label: string,
    setup: (peer: StoreScp) => Promise<{ send(): Promise<void>; cleanup?(): Promise<void> }>,
  ): Promise<number> => {
    const peer = await startStorescp(tools, join(ctx.tmp, `dicom-out-${label}`), STORESCP_AE);
    try {
      const sender = await setup(peer); // not timed
      const t0 = performance.now();
      await sender.send();
      await waitForCount(`storescp (${label})`, ctx.images, () => peer.count());
      const seconds = (performance.now() - t0) / 1000;
      await sender.cleanup?.();
      return seconds;
    } finally {
      await peer.stop();
      await rm(peer.outDir, { recursive: true, force: true });
    }
  };

  for (let run = 0; run < ctx.runs; run++) {
    const dir = join(ctx.tmp, `dicom-in-${run}`);
    const set = await writeRunSet(ctx, dir);
    const mb = set.bytes / MB;
    const parts = { in: [] as string[], out: [] as string[] };
    const record = (who: Who, spec: Spec, value: number) => fig.add(spec, who, run, value);
    const order: ('localbox' | 'orthanc')[] =
      run % 2 === 0 ? ['localbox', 'orthanc'] : ['orthanc', 'localbox'];
    try {
      // C-STORE in
      for (const who of order) {
        if (who === 'localbox') {
          const s = await cstoreIn(
            scpPort,
            LOCALBOX_SCP_AE,
            dir,
            async () => (await lbImageIds(set.patientKey)).length,
            'local box SCP',
          );
          record('localbox', inSpec('images/s'), ctx.images / s);
          record('localbox', inSpec('MB/s'), mb / s);
          parts.in.push(`box ${(ctx.images / s).toFixed(1)}`);
        } else if (o) {
          const before = await oInstances();
          const s = await cstoreIn(
            o.dicomPort,
            o.aeTitle,
            dir,
            async () => (await oInstances()) - before,
            'Orthanc DICOM',
          );
          record('orthanc', inSpec('images/s'), ctx.images / s);
          record('orthanc', inSpec('MB/s'), mb / s);
          parts.in.push(`Orthanc ${(ctx.images / s).toFixed(1)}`);
        }
      }
      const sink = await startStorescp(tools, join(ctx.tmp, `dicom-ceiling-${run}`), STORESCP_AE);
      try {
        const s = await cstoreIn(sink.port, STORESCP_AE, dir, () => sink.count(), 'storescp');
        record('ceiling', inSpec('images/s'), ctx.images / s);
        record('ceiling', inSpec('MB/s'), mb / s);
        parts.in.push(`storescp ${(ctx.images / s).toFixed(1)}`);
      } finally {
        await sink.stop();
        await rm(sink.outDir, { recursive: true, force: true });
      }

      // C-STORE out: the N slices each server has just received
      for (const who of order) {
        if (who === 'localbox') {
          const ids = await lbImageIds(set.patientKey);
          if (ids.length !== ctx.images)
            throw new Error(`local box holds ${ids.length} of ${ctx.images}`);
          const s = await cstoreOut(`box-${run}`, async (peer) => {
            const scu = parseJson<{ id: number }>(
              expectStatus(
                await lb('POST', '/api/scus', {
                  id: -1,
                  name: `bench-storescp-${run}`,
                  aeTitle: peer.aeTitle,
                  host: '127.0.0.1',
                  port: peer.port,
                }),
                'local box POST /api/scus',
                [201],
              ),
            );
            return {
              send: async () => {
                expectStatus(
                  await lb('POST', `/api/scus/${scu.id}/send`, ids, 600_000),
                  'local box POST /api/scus/{id}/send',
                  [204],
                );
              },
              cleanup: async () => {
                expectStatus(
                  await lb('DELETE', `/api/scus/${scu.id}`),
                  'local box DELETE scu',
                  [204],
                );
              },
            };
          });
          record('localbox', outSpec, ctx.images / s);
          parts.out.push(`box ${(ctx.images / s).toFixed(1)}`);
        } else if (o && oh) {
          const found = parseJson<{ ID: string; Type: string }[]>(
            expectStatus(
              await request('POST', `${o.url}/tools/lookup`, {
                headers: { authorization: o.auth },
                body: set.seriesUid,
              }),
              'Orthanc /tools/lookup',
              [200],
            ),
          );
          const series = found.find((f) => f.Type === 'Series');
          if (!series) throw new Error(`Orthanc has no series ${set.seriesUid}`);
          const instances = parseJson<{ Instances: string[] }>(
            expectStatus(await oh('GET', `/series/${series.ID}`), 'Orthanc /series', [200]),
          ).Instances;
          if (instances.length !== ctx.images)
            throw new Error(`Orthanc holds ${instances.length} of ${ctx.images}`);
          const s = await cstoreOut(`orthanc-${run}`, async (peer) => {
            const name = `bench-storescp-${run}`;
            expectStatus(
              await oh('PUT', `/modalities/${name}`, {
                AET: peer.aeTitle,
                Host: '127.0.0.1',
                Port: peer.port,
              }),
              'Orthanc PUT /modalities',
              [200],
            );
            return {
              send: async () => {
                expectStatus(
                  await oh(
                    'POST',
                    `/modalities/${name}/store`,
                    { Resources: instances, Synchronous: true },
                    600_000,
                  ),
                  'Orthanc POST /modalities/{name}/store',
                  [200],
                );
              },
              cleanup: async () => {
                expectStatus(
                  await oh('DELETE', `/modalities/${name}`),
                  'Orthanc DELETE modality',
                  [200],
                );
              },
            };
          });
          record('orthanc', outSpec, ctx.images / s);
          parts.out.push(`Orthanc ${(ctx.images / s).toFixed(1)}`);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    log(
      `  run ${run + 1} (${ctx.images} slices, ${mb.toFixed(0)} MB): in ${parts.in.join(', ')}; out ${parts.out.join(', ')} (images/s)`,
    );
  }
  expectStatus(await lb('DELETE', `/api/scps/${scp.id}`), 'local box DELETE /api/scps', [204]);
  return {
    images: ctx.images,
    dcmtk: tools.version,
    localboxScp: { aeTitle: LOCALBOX_SCP_AE, port: scpPort },
    orthancDicomPort: o?.dicomPort,
    storescpAeTitle: STORESCP_AE,
  };
}
