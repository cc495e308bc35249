/**
 * The `health` section (`--only health`, needs `ingest` for images to render): how fast a server still answers a
 * trivial request while it is busy. Per run and server, three things happen at the same time:
 *
 * * 4 clients post a new set of `--images` 512×512 slices (as in `ingest`);
 * * one client renders PNGs of images ingested before, one after the other, each image once in the whole
 *   section (local box `GET /api/images/{id}/png`, Orthanc `GET /instances/{id}/preview`), so no rendered-PNG
 *   cache can answer them;
 * * one client asks the health route again and again (local box `GET /api/system/health`, Orthanc
 *   `GET /system`, its lightest authenticated route), 5 ms apart, on its own keep-alive connection.
 *
 * The health latencies (p50, p99, max) are taken while the ingest runs. No assertions: figures only.
 */
import { request, type HttpResult } from './http.js';
import type { LocalboxServer } from './localbox.js';
import type { OrthancServer } from './orthanc.js';
import type { Slice } from './generate-slices.js';
import { percentile } from './stats.js';

type Who = 'localbox' | 'orthanc';

interface Spec {
  section: string;
  name: string;
  unit: string;
  higherIsBetter: boolean;
}

/** What the section needs of run.ts's `Figures`. */
export interface HealthFigureSink {
  add(spec: Spec, who: Who, run: number, value: number): void;
}

export interface HealthSectionContext {
  runs: number;
  localbox: LocalboxServer;
  orthanc?: OrthancServer;
  /** A new set of slices per run and server (new UIDs). */
  slices(): Slice[];
  /** Images already on both servers (same order), to render; each is used once. */
  renderIds: { localbox: number[]; orthanc: string[] };
  fig: HealthFigureSink;
  log(line: string): void;
}

const CLIENTS = 4;
const HEALTH_GAP_MS = 5;

const spec = (p: 'p50' | 'p99' | 'max'): Spec => ({
  section: 'health',
  name: `health request while 4 clients ingest and PNGs render, ${p}`,
  unit: 'ms',
  higherIsBetter: false,
});

function ok(res: HttpResult, what: string): void {
  if (res.status < 200 || res.status > 201)
    throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8', 0, 300)}`);
}

interface Peer {
  post(bytes: Buffer): Promise<HttpResult>;
  png(index: number): Promise<HttpResult>;
  health(): Promise<HttpResult>;
  renderable: number;
}

function localboxPeer(box: LocalboxServer, ids: number[]): Peer {
  const auth = { authorization: box.auth };
  return {
    post: (bytes) =>
      request('POST', `${box.url}/api/images`, {
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: bytes,
      }),
    png: (i) => request('GET', `${box.url}/api/images/${ids[i]}/png`, { headers: auth }),
    health: () => request('GET', `${box.url}/api/system/health`),
    renderable: ids.length,
  };
}

function orthancPeer(o: OrthancServer, ids: string[]): Peer {
  const auth = { authorization: o.auth };
  return {
    post: (bytes) =>
      request('POST', `${o.url}/instances`, {
        headers: { ...auth, 'content-type': 'application/dicom' },
        body: bytes,
      }),
    png: (i) =>
      request('GET', `${o.url}/instances/${ids[i]}/preview`, {
        headers: { ...auth, accept: 'image/png' },
      }),
    health: () => request('GET', `${o.url}/system`, { headers: auth }),
    renderable: ids.length,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One busy period: returns the health latencies and how many PNGs were rendered. */
async function busyPeriod(
  peer: Peer,
  slices: readonly Slice[],
  firstPng: number,
): Promise<{ latencies: number[]; pngs: number }> {
  let ingesting = true;
  let next = 0;
  const ingest = (async () => {
    try {
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < slices.length) {
            const slice = slices[next++] as Slice;
            ok(await peer.post(slice.bytes), 'ingest');
          }
        }),
      );
    } finally {
      ingesting = false;
    }
  })();
  let pngs = 0;
  const render = (async () => {
    while (ingesting && firstPng + pngs < peer.renderable) {
      ok(await peer.png(firstPng + pngs), 'png');
      pngs++;
    }
  })();
  const latencies: number[] = [];
  const health = (async () => {
    while (ingesting) {
      const t0 = performance.now();
      const res = await peer.health();
      const ms = performance.now() - t0;
      ok(res, 'health');
      if (ingesting) latencies.push(ms);
      await sleep(HEALTH_GAP_MS);
    }
  })();
  await Promise.all([ingest, render, health]);
  return { latencies, pngs };
}

export async function healthSection(ctx: HealthSectionContext): Promise<void> {
  const peers: Partial<Record<Who, Peer>> = {
    localbox: localboxPeer(ctx.localbox, ctx.renderIds.localbox),
  };
  if (ctx.orthanc) peers.orthanc = orthancPeer(ctx.orthanc, ctx.renderIds.orthanc);
  const rendered: Record<Who, number> = { localbox: 0, orthanc: 0 };
  for (let run = 0; run < ctx.runs; run++) {
    const order: Who[] = run % 2 === 0 ? ['localbox', 'orthanc'] : ['orthanc', 'localbox'];
    const parts: string[] = [];
    for (const who of order) {
      const peer = peers[who];
      if (!peer) continue;
      const { latencies, pngs } = await busyPeriod(peer, ctx.slices(), rendered[who]);
      rendered[who] += pngs;
      if (latencies.length === 0) continue;
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      const max = Math.max(...latencies);
      ctx.fig.add(spec('p50'), who, run, p50);
      ctx.fig.add(spec('p99'), who, run, p99);
      ctx.fig.add(spec('max'), who, run, max);
      parts.push(
        `${who} p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms max ${max.toFixed(1)} ms ` +
          `(${latencies.length} requests, ${pngs} PNGs)`,
      );
    }
    ctx.log(`  run ${run + 1}: ${parts.join('; ')}`);
  }
  if (rendered.localbox >= ctx.renderIds.localbox.length)
    ctx.log('  health: every ingested image was rendered; run it with more --images');
}
