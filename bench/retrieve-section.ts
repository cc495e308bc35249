/**
 * The `retrieve` section (`--only retrieve`): C-MOVE of one study of `--images` generated 512×512 slices from
 * Orthanc, in the same run:
 *
 * * **into the local box**: a retrieve job (`POST /api/x-desktop/pacs/retrieves`, Orthanc as a PACS node) with the
 *   box's SCP as move destination. Timed from the POST until the job reports `completed` (polled every 20 ms), when
 *   every image has been stored and indexed (the SCP answers each C-STORE after its commit).
 * * **into storescp** (the ceiling column): dcmtk's `movescu` asks Orthanc to move the same study to a fresh
 *   `storescp` (writes each file, no fsync, no index). Timed from spawn until movescu has exited and storescp has
 *   written N files.
 *
 * The study is uploaded to Orthanc through its REST API first (not timed). Orthanc knows both destinations and
 * both calling AE titles through DicomModalities entries added with `PUT /modalities/{name}`. The order of the two
 * alternates per run. No assertions: a failed job or a missing image aborts the run with a message.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startStorescp, waitForCount, waitForListener, type Dcmtk } from './dcmtk.js';
import { generateSlices, type SliceTemplate } from './generate-slices.js';
import { expectStatus, jsonClient, parseJson, pool, request } from './http.js';
import type { LocalboxServer } from './localbox.js';
import type { OrthancServer } from './orthanc.js';
import { exited, freePort, stopChild, within } from './process.js';

const MB = 1e6;

export const MOVESCU_HELP =
  "dcmtk's movescu is not installed, so the retrieve section is skipped. On Debian/Ubuntu: `sudo apt-get install -y dcmtk`; " +
  'elsewhere https://dicom.offis.de/dcmtk, with its tools on the PATH or DCMTK_DIR=/folder/with/the/tools.';

/** dcmtk's movescu (`DCMTK_DIR`, when set, is the only place looked), or undefined. */
export function findMovescu(): string | undefined {
  const bin = process.env.DCMTK_DIR ? join(process.env.DCMTK_DIR, 'movescu') : 'movescu';
  return spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).status === 0
    ? bin
    : undefined;
}
const BOX_SCP_AE = 'SLICEBOX';
const STORESCP_AE = 'STORESCP';
const MOVESCU_AE = 'MOVESCU';

type Who = 'localbox' | 'orthanc' | 'ceiling';

interface Spec {
  section: string;
  name: string;
  unit: string;
  higherIsBetter: boolean;
  ceilingLabel?: string;
}

export interface RetrieveSectionContext {
  runs: number;
  images: number;
  tools: Dcmtk;
  /** dcmtk's movescu. */
  movescu: string;
  localbox: LocalboxServer;
  orthanc: OrthancServer;
  template: SliceTemplate;
  fig: { add(spec: Spec, who: Who, run: number, value: number): void };
  tmp: string;
  patientCounter: { next: number };
  log(line: string): void;
}

const spec = (unit: string): Spec => ({
  section: 'retrieve',
  name: 'C-MOVE of a study from Orthanc',
  unit,
  higherIsBetter: true,
  ceilingLabel: '(Orthanc → storescp)',
});

/** movescu: one C-MOVE of `studyUid` from Orthanc to `destination`; resolves when it exits with 0 (bounded). */
async function movescu(
  bin: string,
  orthanc: OrthancServer,
  destination: string,
  studyUid: string,
  timeoutMs = 600_000,
): Promise<void> {
  const child = spawn(
    bin,
    [
      '-S',
      '-aet',
      MOVESCU_AE,
      '-aec',
      orthanc.aeTitle,
      '-aem',
      destination,
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      `StudyInstanceUID=${studyUid}`,
      '127.0.0.1',
      String(orthanc.dicomPort),
    ],
    { env: { ...process.env, TCP_NODELAY: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  if (!(await within(exited(child), timeoutMs))) {
    await stopChild(child, 2_000);
    throw new Error(`movescu did not finish within ${timeoutMs} ms: ${output}`);
  }
  if (spawnError) throw spawnError;
  if (child.exitCode !== 0) throw new Error(`movescu exited with ${child.exitCode}: ${output}`);
}

export async function retrieveSection(
  ctx: RetrieveSectionContext,
): Promise<Record<string, unknown>> {
  const { localbox: box, orthanc: o, fig, log } = ctx;
  const lb = jsonClient(box);
  const oh = jsonClient(o);

  // The local box: its SCP (move destination) and Orthanc as an SCU / PACS node, created as a user would.
  const scpPort = await freePort();
  const scp = parseJson<{ id: number }>(
    expectStatus(
      await lb('POST', '/api/scps', {
        id: -1,
        name: 'bench-scp',
        aeTitle: BOX_SCP_AE,
        port: scpPort,
      }),
      'local box POST /api/scps',
      [201],
    ),
  );
  const scu = parseJson<{ id: number }>(
    expectStatus(
      await lb('POST', '/api/scus', {
        id: -1,
        name: 'bench-orthanc',
        aeTitle: o.aeTitle,
        host: '127.0.0.1',
        port: o.dicomPort,
      }),
      'local box POST /api/scus',
      [201],
    ),
  );
  expectStatus(
    await lb('PUT', `/api/x-desktop/pacs/nodes/${scu.id}`, { timeoutSeconds: 120 }),
    'local box PUT pacs node',
    [200],
  );
  await waitForListener(scpPort);
  await waitForListener(o.dicomPort);
  const modality = async (name: string, aet: string, port: number) =>
    expectStatus(
      await oh('PUT', `/modalities/${name}`, { AET: aet, Host: '127.0.0.1', Port: port }),
      'Orthanc PUT /modalities',
      [200],
    );
  await modality('slicebox', BOX_SCP_AE, scpPort);
  // movescu's calling AE must be known to Orthanc (its port is never used: movescu does not listen).
  await modality('movescu', MOVESCU_AE, await freePort());
  log(
    `  local box SCP ${BOX_SCP_AE}@127.0.0.1:${scpPort}, Orthanc ${o.aeTitle}@127.0.0.1:${o.dicomPort} as PACS node ${scu.id}`,
  );

  for (let run = 0; run < ctx.runs; run++) {
    const slices = [
      ...generateSlices(ctx.template, {
        count: ctx.images,
        imagesPerSeries: ctx.images,
        seriesPerStudy: 1,
        studiesPerPatient: 1,
        firstPatient: ctx.patientCounter.next++,
      }),
    ];
    const studyUid = slices[0]!.studyUid;
    const mb = slices.reduce((n, s) => n + s.bytes.length, 0) / MB;
    await pool(slices.length, 4, async (i) => {
      expectStatus(
        await request('POST', `${o.url}/instances`, {
          headers: { authorization: o.auth, 'content-type': 'application/dicom' },
          body: slices[i]!.bytes,
        }),
        'Orthanc POST /instances',
        [200],
      );
    });
    const parts: string[] = [];
    const order: ('localbox' | 'ceiling')[] =
      run % 2 === 0 ? ['localbox', 'ceiling'] : ['ceiling', 'localbox'];
    for (const who of order) {
      if (who === 'localbox') {
        const t0 = performance.now();
        const job = parseJson<{ id: number }>(
          expectStatus(
            await lb('POST', '/api/x-desktop/pacs/retrieves', {
              scuId: scu.id,
              items: [{ level: 'STUDY', studyInstanceUid: studyUid }],
            }),
            'local box POST /api/x-desktop/pacs/retrieves',
            [201],
          ),
        );
        const deadline = t0 + 600_000;
        const poll = async (): Promise<{ status: string; images: number }> => {
          const j = parseJson<{ status: string; items: Array<{ local: { images: number } }> }>(
            expectStatus(
              await lb('GET', `/api/x-desktop/pacs/retrieves/${job.id}`),
              'retrieve',
              [200],
            ),
          );
          return { status: j.status, images: j.items[0]?.local.images ?? 0 };
        };
        let { status, images } = await poll();
        while (['queued', 'running', 'cancelling'].includes(status)) {
          if (performance.now() > deadline) throw new Error(`retrieve ${job.id} still ${status}`);
          await new Promise((r) => setTimeout(r, 20));
          ({ status, images } = await poll());
        }
        const seconds = (performance.now() - t0) / 1000;
        if (status !== 'completed' || images !== ctx.images)
          throw new Error(
            `retrieve ${job.id} ended ${status} with ${images} of ${ctx.images} images`,
          );
        fig.add(spec('images/s'), 'localbox', run, ctx.images / seconds);
        fig.add(spec('MB/s'), 'localbox', run, mb / seconds);
        parts.push(`box ${(ctx.images / seconds).toFixed(1)}`);
      } else {
        const peer = await startStorescp(ctx.tools, join(ctx.tmp, `retrieve-${run}`), STORESCP_AE);
        try {
          await modality('storescp', STORESCP_AE, peer.port);
          const t0 = performance.now();
          await movescu(ctx.movescu, o, STORESCP_AE, studyUid);
          await waitForCount('storescp (movescu)', ctx.images, () => peer.count());
          const seconds = (performance.now() - t0) / 1000;
          fig.add(spec('images/s'), 'ceiling', run, ctx.images / seconds);
          fig.add(spec('MB/s'), 'ceiling', run, mb / seconds);
          parts.push(`storescp ${(ctx.images / seconds).toFixed(1)}`);
        } finally {
          await peer.stop();
          await rm(peer.outDir, { recursive: true, force: true });
        }
      }
    }
    log(
      `  run ${run + 1} (${ctx.images} slices, ${mb.toFixed(0)} MB): C-MOVE from Orthanc ${parts.join(', ')} (images/s)`,
    );
  }
  expectStatus(await lb('DELETE', `/api/scps/${scp.id}`), 'local box DELETE /api/scps', [204]);
  return {
    images: ctx.images,
    localboxScp: { aeTitle: BOX_SCP_AE, port: scpPort },
    orthancDicomPort: o.dicomPort,
    storescpAeTitle: STORESCP_AE,
  };
}
