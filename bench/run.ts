/**
 * `npm run bench`: the local box side by side with Orthanc, in one run, on the same generated data.
 * See docs/BENCHMARKS.md for what each line measures. Nothing here is a test assertion: the figures are
 * printed as a table and written as JSON.
 *
 *   node out/bench/run.js [--full] [--runs N] [--images N] [--import-files N] [--query-images N]
 *                         [--query-requests N] [--export-mb N] [--render-cold N] [--render-warm N]
 *                         [--viewer-slices N] [--viewer-scroll N]
 *                         [--only ingest,import,render,health,export,query,dicom,retrieve,viewer] [--out FILE]
 *                         [--ct FILE]
 *                         [--keep]
 *                         [--profile DIR]   (V8 CPU profiles of the local box process, for `--cpu-prof` analysis)
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EmitEvent } from '../src-main/services/events.js';
import { ConnectionService } from '../src-main/services/connections/connection-service.js';
import { ImportService } from '../src-main/services/imports/import-service.js';
import { runWithConcurrency } from '../src-main/services/imports/run-with-concurrency.js';
import { generateSlices, makeTemplate, type Slice, type SliceTemplate } from './generate-slices.js';
import { DCMTK_HELP, findDcmtk } from './dcmtk.js';
import { dicomSection } from './dicom-section.js';
import { findMovescu, MOVESCU_HELP, retrieveSection } from './retrieve-section.js';
import { VIEWER_HELP, findChromium, viewerSection } from './viewer-section.js';
import { healthSection } from './health-section.js';
import { closeConnections, pool, request, type HttpResult } from './http.js';
import { startLocalbox, type LocalboxServer } from './localbox.js';
import { findOrthanc, ORTHANC_HELP, startOrthanc, type OrthancServer } from './orthanc.js';
import { cpuOf, memoryOf, sampleRss } from './process.js';
import { percentile, summarize, type Summary } from './stats.js';
import { markdownTable, printTable, type Line } from './table.js';

const SECTIONS = [
  'ingest',
  'import',
  'render',
  'health',
  'export',
  'query',
  'dicom',
  'retrieve',
  'viewer',
] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `npm run bench -- [options]   (or: node out/bench/run.js [options])
  --full                 the issue's sizes: 1,000 slices, 100,000 indexed images, 1 GiB export, 1,000 import files
  --runs N               repeated runs; figures are medians with min and max (default 3)
  --images N             slices per ingest run and client count, and per dicom and retrieve run (default 200; --full 1000)
  --import-files N       files per import-pipeline run (default 200; --full 1000)
  --query-images N       images indexed for the query lines (default 4000; --full 100000)
  --query-requests N     timed requests per query line and run (default 60; --full 200)
  --export-mb N          export set size in MiB (default 100; --full 1024)
  --render-cold N        cold PNG renders per run (default 20)
  --render-warm N        warm PNG renders per run (default 50)
  --viewer-slices N      slices of the series the viewer opens (default 500)
  --viewer-scroll N      slices asked for, one per display frame, per scrolling run (default 200)
  --only LIST            sections: ingest,import,render,health,export,query,dicom,retrieve,viewer (default all;
                         render and health also run ingest, for images to render)
  --out FILE             JSON figures (default out/bench/results.json; a .md table is written next to it)
  --ct FILE              the source CT slice (default ../shared/testdata/dicom/pydicom/CT_small.dcm)
  --profile DIR          write V8 CPU profiles of the local box process (--cpu-prof) to DIR
  --keep                 keep the temp folder (servers' data) after the run`;

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MB = 1e6;

// ── options ─────────────────────────────────────────────────────────────────
interface Options {
  full: boolean;
  runs: number;
  images: number;
  importFiles: number;
  queryImages: number;
  queryRequests: number;
  exportMb: number;
  renderCold: number;
  viewerSlices: number;
  viewerScroll: number;
  renderWarm: number;
  only: Set<Section>;
  out: string;
  ct: string;
  keep: boolean;
  /** Folder for V8 CPU profiles of the local box process (`--cpu-prof`). */
  profile?: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      full: { type: 'boolean' },
      runs: { type: 'string' },
      images: { type: 'string' },
      'import-files': { type: 'string' },
      'query-images': { type: 'string' },
      'query-requests': { type: 'string' },
      'export-mb': { type: 'string' },
      'render-cold': { type: 'string' },
      'render-warm': { type: 'string' },
      'viewer-slices': { type: 'string' },
      'viewer-scroll': { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      ct: { type: 'string' },
      keep: { type: 'boolean' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const full = values.full ?? false;
  const int = (name: string, text: string | undefined, fallback: number, min = 1): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const only = new Set<Section>();
  for (const word of (values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim())) {
    if (!word) continue;
    if (!(SECTIONS as readonly string[]).includes(word))
      throw new Error(`--only: unknown section '${word}'`);
    only.add(word as Section);
  }
  return {
    full,
    runs: int('runs', values.runs, 3),
    images: int('images', values.images, full ? 1000 : 200, 8),
    importFiles: int('import-files', values['import-files'], full ? 1000 : 200),
    queryImages: int('query-images', values['query-images'], full ? 100_000 : 4_000, 40),
    queryRequests: int('query-requests', values['query-requests'], full ? 200 : 60),
    exportMb: int('export-mb', values['export-mb'], full ? 1024 : 100),
    renderCold: int('render-cold', values['render-cold'], 20),
    renderWarm: int('render-warm', values['render-warm'], 50),
    viewerSlices: int('viewer-slices', values['viewer-slices'], 500, 2),
    viewerScroll: int('viewer-scroll', values['viewer-scroll'], 200),
    only,
    out: resolve(values.out ?? join(REPO, 'out/bench/results.json')),
    ct: resolve(values.ct ?? join(REPO, '../shared/testdata/dicom/pydicom/CT_small.dcm')),
    keep: values.keep ?? false,
    profile: values.profile === undefined ? undefined : resolve(values.profile),
  };
}

// ── figures ─────────────────────────────────────────────────────────────────
type Who = 'localbox' | 'orthanc' | 'ceiling';

interface LineSpec {
  section: string;
  name: string;
  unit: string;
  higherIsBetter: boolean;
  ceilingLabel?: string;
}

class Figures {
  private readonly specs = new Map<string, LineSpec>();
  private readonly values = new Map<string, Record<Who, Map<number, number>>>();
  private readonly notes = new Map<string, Partial<Record<Who, string>>>();

  private key(spec: LineSpec): string {
    const key = `${spec.section}|${spec.name}|${spec.unit}`;
    if (!this.specs.has(key)) {
      this.specs.set(key, spec);
      this.values.set(key, { localbox: new Map(), orthanc: new Map(), ceiling: new Map() });
    }
    return key;
  }

  add(spec: LineSpec, who: Who, run: number, value: number): void {
    this.values.get(this.key(spec))?.[who].set(run, value);
  }

  note(spec: LineSpec, who: Who, text: string): void {
    const key = this.key(spec);
    this.notes.set(key, { ...this.notes.get(key), [who]: text });
  }

  lines(): Line[] {
    const out: Line[] = [];
    for (const [key, spec] of this.specs) {
      const v = this.values.get(key) as Record<Who, Map<number, number>>;
      const notes = this.notes.get(key) ?? {};
      const sum = (m: Map<number, number>): Summary | undefined =>
        m.size ? summarize([...m.values()]) : undefined;
      // Speed ratio within each run: throughput a/b, latency b/a; so > 1 always means "a is faster".
      const ratio = (a: Map<number, number>, b: Map<number, number>): Summary | undefined => {
        const r: number[] = [];
        for (const [run, x] of a) {
          const y = b.get(run);
          if (y !== undefined && x > 0 && y > 0) r.push(spec.higherIsBetter ? x / y : y / x);
        }
        return r.length ? summarize(r) : undefined;
      };
      out.push({
        section: spec.section,
        name: spec.name,
        unit: spec.unit,
        higherIsBetter: spec.higherIsBetter,
        localbox: sum(v.localbox),
        orthanc: sum(v.orthanc),
        ratio: ratio(v.localbox, v.orthanc),
        ceilingLabel: spec.ceilingLabel,
        ceiling: sum(v.ceiling),
        ceilingRatio: ratio(v.localbox, v.ceiling),
        localboxNote: notes.localbox,
        orthancNote: notes.orthanc,
      });
    }
    return out;
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────
const log = (s: string) => console.log(s);
const secondsSince = (t0: number) => (performance.now() - t0) / 1000;

/** A small deterministic PRNG (mulberry32), so both servers get the same random pages and ids. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectOk(res: HttpResult, what: string, ok: number[] = [200]): HttpResult {
  if (!ok.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8', 0, 300)}`);
  }
  return res;
}

function json<T>(res: HttpResult): T {
  return JSON.parse(res.body.toString('utf8')) as T;
}

interface Peers {
  localbox: LocalboxServer;
  orthanc?: OrthancServer;
}

/** Uploads to the local box (`POST /api/images`, raw bytes); returns the image id. */
async function postLocalbox(box: LocalboxServer, bytes: Buffer): Promise<number> {
  const res = await request('POST', `${box.url}/api/images`, {
    headers: { authorization: box.auth, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return json<{ id: number }>(expectOk(res, 'local box POST /api/images', [200, 201])).id;
}

/** Uploads to Orthanc (`POST /instances`); returns the instance's Orthanc id and its study's. */
async function postOrthanc(
  o: OrthancServer,
  bytes: Buffer,
): Promise<{ id: string; study: string }> {
  const res = await request('POST', `${o.url}/instances`, {
    headers: { authorization: o.auth, 'content-type': 'application/dicom' },
    body: bytes,
  });
  const body = json<{ ID: string; ParentStudy: string; Status: string }>(
    expectOk(res, 'Orthanc POST /instances'),
  );
  return { id: body.ID, study: body.ParentStudy };
}

interface Posted {
  seconds: number;
  localboxIds?: number[];
  orthancIds?: { id: string; study: string }[];
}

async function postAll(
  peer: 'localbox' | 'orthanc',
  peers: Peers,
  slices: readonly Slice[],
  concurrency: number,
): Promise<Posted> {
  const t0 = performance.now();
  if (peer === 'localbox') {
    const ids = new Array<number>(slices.length);
    await pool(slices.length, concurrency, async (i) => {
      ids[i] = await postLocalbox(peers.localbox, (slices[i] as Slice).bytes);
    });
    return { seconds: secondsSince(t0), localboxIds: ids };
  }
  const o = peers.orthanc as OrthancServer;
  const ids = new Array<{ id: string; study: string }>(slices.length);
  await pool(slices.length, concurrency, async (i) => {
    ids[i] = await postOrthanc(o, (slices[i] as Slice).bytes);
  });
  return { seconds: secondsSince(t0), orthancIds: ids };
}

/** Writes the same bytes as files, like a server's storage: one file each, flushed (fsync) or not. */
async function diskWrite(dir: string, slices: readonly Slice[], fsync: boolean): Promise<number> {
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  for (let i = 0; i < slices.length; i++) {
    const handle = await open(join(dir, `${i}.dcm`), 'w');
    try {
      await handle.writeFile((slices[i] as Slice).bytes);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
  }
  if (fsync) {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  }
  const seconds = secondsSince(t0);
  await rm(dir, { recursive: true, force: true });
  return seconds;
}

function sliceSet(
  template: SliceTemplate,
  count: number,
  firstPatient: number,
  imagesPerSeries = 100,
): Slice[] {
  return [
    ...generateSlices(template, {
      count,
      imagesPerSeries: Math.min(imagesPerSeries, count),
      seriesPerStudy: 1,
      studiesPerPatient: 1,
      firstPatient,
    }),
  ];
}

const totalBytes = (slices: readonly Slice[]) => slices.reduce((n, s) => n + s.bytes.length, 0);

// ── sections ────────────────────────────────────────────────────────────────
interface IngestState {
  /** Images on both servers, in the same order (same bytes), usable for rendering. */
  localboxIds: number[];
  orthancIds: string[];
  peakRss: { localbox: number[]; orthanc: number[] };
}

async function ingestSection(
  opt: Options,
  peers: Peers,
  template: SliceTemplate,
  fig: Figures,
  tmp: string,
  patientCounter: { next: number },
): Promise<IngestState> {
  const state: IngestState = {
    localboxIds: [],
    orthancIds: [],
    peakRss: { localbox: [], orthanc: [] },
  };
  for (let run = 0; run < opt.runs; run++) {
    const samplers = {
      localbox: sampleRss(peers.localbox.pid),
      orthanc: peers.orthanc ? sampleRss(peers.orthanc.pid) : undefined,
    };
    for (const concurrency of [1, 4]) {
      const slices = sliceSet(template, opt.images, patientCounter.next);
      patientCounter.next += Math.ceil(slices.length / 100);
      const bytes = totalBytes(slices);
      const order: ('localbox' | 'orthanc')[] =
        run % 2 === 0 ? ['localbox', 'orthanc'] : ['orthanc', 'localbox'];
      for (const peer of order) {
        if (peer === 'orthanc' && !peers.orthanc) continue;
        const pid = peer === 'orthanc' ? (peers.orthanc as OrthancServer).pid : peers.localbox.pid;
        const cpuBefore = cpuOf(pid);
        const posted = await postAll(peer, peers, slices, concurrency);
        const cpuAfter = cpuOf(pid);
        const ips = slices.length / posted.seconds;
        const mbps = bytes / MB / posted.seconds;
        fig.add(ingestImagesSpec(concurrency), peer, run, ips);
        fig.add(ingestMbSpec(concurrency), peer, run, mbps);
        let cpuText = '';
        if (cpuBefore && cpuAfter) {
          const perImage = (seconds: number) => (seconds * 1000) / slices.length;
          const user = perImage(cpuAfter.user - cpuBefore.user);
          const system = perImage(cpuAfter.system - cpuBefore.system);
          fig.add(ingestCpuSpec(concurrency), peer, run, user + system);
          fig.add(ingestKernelSpec(concurrency), peer, run, system);
          cpuText = `, CPU ${(user + system).toFixed(2)} ms/image (${system.toFixed(2)} kernel)`;
        }
        log(
          `  run ${run + 1} c=${concurrency} ${peer}: ${ips.toFixed(1)} images/s, ${mbps.toFixed(1)} MB/s${cpuText}`,
        );
        if (posted.localboxIds) state.localboxIds.push(...posted.localboxIds);
        if (posted.orthancIds) state.orthancIds.push(...posted.orthancIds.map((x) => x.id));
      }
      if (concurrency === 1) {
        const synced = await diskWrite(join(tmp, 'disk-ceiling'), slices, true);
        const buffered = await diskWrite(join(tmp, 'disk-ceiling'), slices, false);
        for (const c of [1, 4]) {
          fig.add(ingestImagesSpec(c), 'ceiling', run, slices.length / synced);
          fig.add(ingestMbSpec(c), 'ceiling', run, bytes / MB / synced);
        }
        fig.add(diskBufferedSpec, 'ceiling', run, bytes / MB / buffered);
        log(
          `  run ${run + 1} disk: ${(bytes / MB / synced).toFixed(1)} MB/s with fsync per file, ` +
            `${(bytes / MB / buffered).toFixed(1)} MB/s buffered`,
        );
      }
    }
    const lbPeak = samplers.localbox.stop();
    const oPeak = samplers.orthanc?.stop();
    fig.add(memorySpec, 'localbox', run, lbPeak / MB);
    state.peakRss.localbox.push(lbPeak);
    if (oPeak !== undefined) {
      fig.add(memorySpec, 'orthanc', run, oPeak / MB);
      state.peakRss.orthanc.push(oPeak);
    }
  }
  return state;
}

const ingestImagesSpec = (c: number): LineSpec => ({
  section: 'ingest',
  name: `512×512 CT, ${c} client${c > 1 ? 's' : ''}`,
  unit: 'images/s',
  higherIsBetter: true,
  ceilingLabel: '(disk, fsync)',
});
const ingestMbSpec = (c: number): LineSpec => ({
  section: 'ingest',
  name: `512×512 CT, ${c} client${c > 1 ? 's' : ''}`,
  unit: 'MB/s',
  higherIsBetter: true,
  ceilingLabel: '(disk, fsync)',
});
/** The server's CPU time (user + system, all its threads) while it stored a set, per stored image. */
const ingestCpuSpec = (c: number): LineSpec => ({
  section: 'ingest',
  name: `server CPU per stored image, ${c} client${c > 1 ? 's' : ''}`,
  unit: 'ms',
  higherIsBetter: false,
});
/** The kernel (system) part of `ingestCpuSpec`: socket reads, file writes, fsyncs, thread wake-ups. */
const ingestKernelSpec = (c: number): LineSpec => ({
  section: 'ingest',
  name: `of which kernel, ${c} client${c > 1 ? 's' : ''}`,
  unit: 'ms',
  higherIsBetter: false,
});
const diskBufferedSpec: LineSpec = {
  section: 'ingest',
  name: 'disk write, no fsync (page cache)',
  unit: 'MB/s',
  higherIsBetter: true,
  ceilingLabel: '',
};
const memorySpec: LineSpec = {
  section: 'memory',
  name: 'peak RSS of the server during ingest',
  unit: 'MB',
  higherIsBetter: false,
};

async function importSection(
  opt: Options,
  peers: Peers,
  template: SliceTemplate,
  fig: Figures,
  tmp: string,
  patientCounter: { next: number },
): Promise<void> {
  const box = peers.localbox;
  const spec: LineSpec = {
    section: 'import',
    name: `desktop import service, ${opt.importFiles} files`,
    unit: 'files/s',
    higherIsBetter: true,
    ceilingLabel: '(raw POST /images, same client)',
  };
  const emit: EmitEvent = () => undefined;
  const connections = new ConnectionService(emit);
  connections.add({
    id: 'local',
    name: 'Local box',
    url: box.url,
    kind: 'local',
    user: box.user,
    password: box.password,
  });
  const client = connections.client('local');
  const concurrency = 2; // ImportService's default (what the app uses)
  for (let run = 0; run < opt.runs; run++) {
    const make = async (label: string) => {
      const dir = join(tmp, `import-${run}-${label}`);
      await mkdir(dir, { recursive: true });
      const files: { path: string; name: string; size: number }[] = [];
      let i = 0;
      for (const slice of generateSlices(template, {
        count: opt.importFiles,
        imagesPerSeries: 100,
        seriesPerStudy: 1,
        studiesPerPatient: 1,
        firstPatient: patientCounter.next,
      })) {
        const path = join(dir, `${String(i).padStart(6, '0')}.dcm`);
        await writeFile(path, slice.bytes);
        files.push({ path, name: `${i}.dcm`, size: slice.bytes.length });
        i++;
      }
      patientCounter.next += Math.ceil(opt.importFiles / 100);
      return { dir, files };
    };
    const service = await make('service');
    const raw = await make('raw');
    const runService = async () => {
      const imports = new ImportService(connections, emit);
      const t0 = performance.now();
      const started = await imports.start('local', `bench import ${run}`, service.files);
      const job = await imports.whenSettled(started.id);
      const seconds = secondsSince(t0);
      if (job.counts.added !== service.files.length) {
        throw new Error(`import service: ${JSON.stringify(job.counts)} (${job.error ?? ''})`);
      }
      return seconds;
    };
    const runRaw = async () => {
      const t0 = performance.now();
      await runWithConcurrency(raw.files, concurrency, async (file) => {
        await client.uploadImage(await readFile(file.path));
      });
      return secondsSince(t0);
    };
    let serviceSeconds: number;
    let r: number;
    if (run % 2 === 0) {
      serviceSeconds = await runService();
      r = await runRaw();
    } else {
      r = await runRaw();
      serviceSeconds = await runService();
    }
    fig.add(spec, 'localbox', run, service.files.length / serviceSeconds);
    fig.add(spec, 'ceiling', run, raw.files.length / r);
    log(
      `  run ${run + 1}: import service ${(service.files.length / serviceSeconds).toFixed(1)} files/s, ` +
        `raw POST ${(raw.files.length / r).toFixed(1)} files/s`,
    );
    await rm(service.dir, { recursive: true, force: true });
    await rm(raw.dir, { recursive: true, force: true });
  }
}

async function renderSection(
  opt: Options,
  peers: Peers,
  ingest: IngestState,
  fig: Figures,
): Promise<void> {
  const spec = (kind: string, p: number): LineSpec => ({
    section: 'render',
    name: `PNG of a 512×512 CT slice, ${kind}, p${p}`,
    unit: 'ms',
    higherIsBetter: false,
  });
  const box = peers.localbox;
  const o = peers.orthanc;
  const needed = opt.runs * opt.renderCold + 1;
  const count = Math.min(ingest.localboxIds.length, o ? ingest.orthancIds.length : Infinity);
  if (count < needed) {
    log(`  render: needs ${needed} ingested images, have ${count}; skipped (run it with ingest)`);
    return;
  }
  const lbPng = (id: number) =>
    request('GET', `${box.url}/api/images/${id}/png`, { headers: { authorization: box.auth } });
  const oPng = (id: string) =>
    request('GET', `${(o as OrthancServer).url}/instances/${id}/preview`, {
      headers: { authorization: (o as OrthancServer).auth, accept: 'image/png' },
    });
  const probe = await lbPng(ingest.localboxIds[0] as number);
  const lbReady = probe.status === 200;
  if (!lbReady) {
    const why = probe.status === 404 ? 'not yet implemented' : `HTTP ${probe.status}`;
    log(`  render: local box GET /api/images/{id}/png answers ${probe.status}: ${why}`);
    for (const kind of ['cold', 'warm'])
      for (const p of [50, 95]) fig.note(spec(kind, p), 'localbox', why);
  }
  const time = async (f: () => Promise<HttpResult>, what: string) => {
    const t0 = performance.now();
    const res = await f();
    const ms = performance.now() - t0;
    expectOk(res, what);
    if (!String(res.headers['content-type']).startsWith('image/png'))
      throw new Error(`${what}: not a PNG`);
    return ms;
  };
  // Image 0 is the warm one (rendered above by the probe, and once more below for Orthanc); cold ones follow.
  if (o) await oPng(ingest.orthancIds[0] as string);
  let next = 1;
  for (let run = 0; run < opt.runs; run++) {
    const cold = { localbox: [] as number[], orthanc: [] as number[] };
    const warm = { localbox: [] as number[], orthanc: [] as number[] };
    for (let i = 0; i < opt.renderCold; i++, next++) {
      if (lbReady)
        cold.localbox.push(
          await time(() => lbPng(ingest.localboxIds[next] as number), 'local box png'),
        );
      if (o)
        cold.orthanc.push(
          await time(() => oPng(ingest.orthancIds[next] as string), 'Orthanc preview'),
        );
    }
    for (let i = 0; i < opt.renderWarm; i++) {
      if (lbReady)
        warm.localbox.push(
          await time(() => lbPng(ingest.localboxIds[0] as number), 'local box png'),
        );
      if (o)
        warm.orthanc.push(
          await time(() => oPng(ingest.orthancIds[0] as string), 'Orthanc preview'),
        );
    }
    for (const [kind, set] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      for (const who of ['localbox', 'orthanc'] as const) {
        if (!set[who].length) continue;
        for (const p of [50, 95]) fig.add(spec(kind, p), who, run, percentile(set[who], p));
      }
    }
    const p50 = (xs: number[]) => (xs.length ? `${percentile(xs, 50).toFixed(1)} ms` : 'n/a');
    log(
      `  run ${run + 1}: cold p50 box ${p50(cold.localbox)}, Orthanc ${p50(cold.orthanc)}; ` +
        `warm p50 box ${p50(warm.localbox)}, Orthanc ${p50(warm.orthanc)}`,
    );
  }
}

async function exportSection(
  opt: Options,
  peers: Peers,
  template: SliceTemplate,
  fig: Figures,
  patientCounter: { next: number },
): Promise<void> {
  const box = peers.localbox;
  const o = peers.orthanc;
  const count = Math.max(1, Math.ceil((opt.exportMb * 1024 * 1024) / template.bytes.length));
  const slices = [
    ...generateSlices(template, {
      count,
      imagesPerSeries: 100,
      seriesPerStudy: Math.ceil(count / 100),
      studiesPerPatient: 1,
      firstPatient: patientCounter.next++,
    }),
  ];
  const bytes = totalBytes(slices);
  const spec: LineSpec = {
    section: 'export',
    name: `zip of ${count} images (${(bytes / MB).toFixed(0)} MB), streamed`,
    unit: 'MB/s',
    higherIsBetter: true,
    ceilingLabel: '(raw read of the same files)',
  };
  log(`  loading the export set: ${count} images, ${(bytes / MB).toFixed(0)} MB (not timed)`);
  const lb = await postAll('localbox', peers, slices, 4);
  const lbIds = lb.localboxIds as number[];
  let oStudy: string | undefined;
  if (o) {
    const posted = await postAll('orthanc', peers, slices, 4);
    oStudy = posted.orthancIds?.[0]?.study;
  }
  slices.length = 0;

  const lbExport = async (): Promise<{ seconds: number; zipBytes: number } | 'absent'> => {
    const t0 = performance.now();
    const created = await request('POST', `${box.url}/api/images/export`, {
      headers: { authorization: box.auth, 'content-type': 'application/json' },
      body: JSON.stringify(lbIds),
    });
    if (created.status === 404 || created.status === 405) return 'absent';
    const { id } = json<{ id: number }>(expectOk(created, 'local box POST /api/images/export'));
    const res = await request('GET', `${box.url}/api/images/export?id=${id}`, {
      headers: { authorization: box.auth },
      discard: true,
      timeoutMs: 600_000,
    });
    expectOk(res, 'local box GET /api/images/export');
    return { seconds: secondsSince(t0), zipBytes: res.bytes };
  };
  const oExport = async () => {
    const t0 = performance.now();
    const res = await request('GET', `${(o as OrthancServer).url}/studies/${oStudy}/archive`, {
      headers: { authorization: (o as OrthancServer).auth },
      discard: true,
      timeoutMs: 600_000,
    });
    expectOk(res, 'Orthanc GET /studies/{id}/archive');
    return { seconds: secondsSince(t0), zipBytes: res.bytes };
  };
  const rawRead = async () => {
    const t0 = performance.now();
    let n = 0;
    for (const id of lbIds) {
      for await (const chunk of createReadStream(box.fileOf(id), { highWaterMark: 1 << 20 })) {
        n += (chunk as Buffer).length;
      }
    }
    return { seconds: secondsSince(t0), bytes: n };
  };
  const cpuSpec: LineSpec = {
    section: 'export',
    name: 'server CPU per exported MB',
    unit: 'ms',
    higherIsBetter: false,
  };
  /** The server's CPU time (all threads) over `work`, per MB of the export set, added to `cpuSpec`. */
  const withCpu = async <T>(
    who: 'localbox' | 'orthanc',
    pid: number,
    run: number,
    work: () => Promise<T>,
  ) => {
    const before = cpuOf(pid);
    const result = await work();
    const after = cpuOf(pid);
    if (before && after && result !== 'absent') {
      const seconds = after.user + after.system - before.user - before.system;
      fig.add(cpuSpec, who, run, (seconds * 1000) / (bytes / MB));
    }
    return result;
  };
  let lbAbsent = false;
  for (let run = 0; run < opt.runs; run++) {
    const parts: string[] = [];
    const order = run % 2 === 0 ? ['localbox', 'orthanc'] : ['orthanc', 'localbox'];
    for (const who of order) {
      if (who === 'localbox' && !lbAbsent) {
        const r = await withCpu('localbox', box.pid, run, lbExport);
        if (r === 'absent') {
          lbAbsent = true;
          fig.note(spec, 'localbox', 'not yet implemented');
          log('  export: local box POST /api/images/export answers 404: not yet implemented');
        } else {
          fig.add(spec, 'localbox', run, bytes / MB / r.seconds);
          parts.push(
            `box ${(bytes / MB / r.seconds).toFixed(1)} MB/s (zip ${(r.zipBytes / MB).toFixed(0)} MB)`,
          );
        }
      } else if (who === 'orthanc' && o && oStudy) {
        const r = await withCpu('orthanc', o.pid, run, oExport);
        fig.add(spec, 'orthanc', run, bytes / MB / r.seconds);
        parts.push(
          `Orthanc ${(bytes / MB / r.seconds).toFixed(1)} MB/s (zip ${(r.zipBytes / MB).toFixed(0)} MB)`,
        );
      }
    }
    const raw = await rawRead();
    fig.add(spec, 'ceiling', run, raw.bytes / MB / raw.seconds);
    parts.push(`raw read ${(raw.bytes / MB / raw.seconds).toFixed(0)} MB/s`);
    log(`  run ${run + 1}: ${parts.join(', ')}`);
  }
}

async function querySection(
  opt: Options,
  peers: Peers,
  ctTemplate: string,
  fig: Figures,
): Promise<Record<string, unknown>> {
  const box = peers.localbox;
  const o = peers.orthanc;
  // Small images (8×8 pixels, same header as the CT slices): the index is what is measured here.
  const template = makeTemplate(ctTemplate, 8, 8);
  const shape = { imagesPerSeries: 10, seriesPerStudy: 2, studiesPerPatient: 2 };
  const slices = [...generateSlices(template, { count: opt.queryImages, ...shape })];
  const patients = Math.ceil(opt.queryImages / 40);
  const info: Record<string, unknown> = {
    images: slices.length,
    series: Math.ceil(slices.length / 10),
    studies: Math.ceil(slices.length / 20),
    patients,
    imageBytes: template.bytes.length,
  };
  log(
    `  loading the query set: ${info.images} images (${template.bytes.length} B each), ${info.series} series, ` +
      `${info.studies} studies, ${patients} patients`,
  );
  const loadSpec: LineSpec = {
    section: 'query',
    name: 'load of the query set (small images, 4 clients)',
    unit: 'images/s',
    higherIsBetter: true,
  };
  const lbLoad = await postAll('localbox', peers, slices, 4);
  fig.add(loadSpec, 'localbox', 0, slices.length / lbLoad.seconds);
  log(`  local box: ${(slices.length / lbLoad.seconds).toFixed(0)} images/s`);
  let oStudies: string[] = [];
  let oPatients: string[] = [];
  if (o) {
    const oLoad = await postAll('orthanc', peers, slices, 4);
    fig.add(loadSpec, 'orthanc', 0, slices.length / oLoad.seconds);
    log(`  Orthanc: ${(slices.length / oLoad.seconds).toFixed(0)} images/s`);
    const auth = { authorization: o.auth };
    oPatients = json<string[]>(
      expectOk(await request('GET', `${o.url}/patients`, { headers: auth }), 'Orthanc /patients'),
    );
    oStudies = json<string[]>(
      expectOk(await request('GET', `${o.url}/studies`, { headers: auth }), 'Orthanc /studies'),
    );
  }
  slices.length = 0;
  const lbGet = (path: string) =>
    request('GET', `${box.url}${path}`, { headers: { authorization: box.auth } });
  const lbFlat = json<{ id: number; patient: { id: number }; study: { id: number } }[]>(
    expectOk(
      await lbGet(`/api/metadata/flatseries?count=${opt.queryImages}`),
      'local box flatseries',
    ),
  );
  const lbPatients = [...new Set(lbFlat.map((f) => f.patient.id))];
  const lbStudies = [...new Set(lbFlat.map((f) => f.study.id))];
  info.localboxCounts = {
    patients: lbPatients.length,
    studies: lbStudies.length,
    series: lbFlat.length,
  };
  if (o) info.orthancCounts = { patients: oPatients.length, studies: oStudies.length };

  const page = 20;
  const filter = 'G3^'; // PatientName `BENCH^G<n % 10>^P…`: one patient in ten
  const filteredPatients = Math.ceil(patients / 10);
  const filteredSeries = Math.ceil(Number(info.series) / 10);
  const oFind = (body: unknown) =>
    request('POST', `${(o as OrthancServer).url}/tools/find`, {
      headers: { authorization: (o as OrthancServer).auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const oGet = (path: string) =>
    request('GET', `${(o as OrthancServer).url}${path}`, {
      headers: { authorization: (o as OrthancServer).auth },
    });
  const at = (n: number, r: () => number) => Math.floor(r() * Math.max(1, n - page));
  const pick = <T>(list: readonly T[], r: () => number): T =>
    list[Math.floor(r() * list.length)] as T;

  interface Query {
    name: string;
    localbox: (r: () => number) => Promise<HttpResult>;
    orthanc: (r: () => number) => Promise<HttpResult>;
    orthancAs: string;
  }
  const order = `orderby=patientName&orderascending=false`;
  const queries: Query[] = [
    {
      name: 'patients: page of 20, ordered',
      localbox: (r) =>
        lbGet(`/api/metadata/patients?startindex=${at(patients, r)}&count=${page}&${order}`),
      orthanc: (r) => oGet(`/patients?expand&since=${at(patients, r)}&limit=${page}`),
      orthancAs: 'GET /patients?expand&since&limit (no ordering in Orthanc 1.10)',
    },
    {
      name: 'patients: filtered page, ordered',
      localbox: (r) =>
        lbGet(
          `/api/metadata/patients?startindex=${at(filteredPatients, r)}&count=${page}&${order}&filter=${encodeURIComponent(filter)}`,
        ),
      orthanc: (r) =>
        oFind({
          Level: 'Patient',
          Query: { PatientName: `*${filter}*` },
          Expand: true,
          Since: at(filteredPatients, r),
          Limit: page,
        }),
      orthancAs: 'POST /tools/find Patient, PatientName wildcard, Since/Limit, Expand',
    },
    {
      name: 'studies of a patient',
      localbox: (r) =>
        lbGet(`/api/metadata/studies?patientid=${pick(lbPatients, r)}&startindex=0&count=${page}`),
      orthanc: (r) => oGet(`/patients/${pick(oPatients, r)}/studies`),
      orthancAs: 'GET /patients/{id}/studies',
    },
    {
      name: 'series of a study',
      localbox: (r) =>
        lbGet(`/api/metadata/series?studyid=${pick(lbStudies, r)}&startindex=0&count=${page}`),
      orthanc: (r) => oGet(`/studies/${pick(oStudies, r)}/series`),
      orthancAs: 'GET /studies/{id}/series',
    },
    {
      name: 'flat series: page of 20, ordered',
      localbox: (r) =>
        lbGet(
          `/api/metadata/flatseries?startindex=${at(Number(info.series), r)}&count=${page}&${order}`,
        ),
      orthanc: (r) => oGet(`/series?expand&since=${at(Number(info.series), r)}&limit=${page}`),
      orthancAs: 'GET /series?expand&since&limit (no ordering)',
    },
    {
      name: 'flat series: filtered page, ordered',
      localbox: (r) =>
        lbGet(
          `/api/metadata/flatseries?startindex=${at(filteredSeries, r)}&count=${page}&${order}&filter=${encodeURIComponent(filter)}`,
        ),
      orthanc: (r) =>
        oFind({
          Level: 'Series',
          Query: { PatientName: `*${filter}*` },
          Expand: true,
          Since: at(filteredSeries, r),
          Limit: page,
        }),
      orthancAs: 'POST /tools/find Series, PatientName wildcard, Since/Limit, Expand',
    },
  ];
  const equivalents: Record<string, string> = {};
  for (const q of queries) {
    equivalents[q.name] = q.orthancAs;
    const specs = [50, 95].map((p) => ({
      section: 'query',
      name: `${q.name}, p${p}`,
      unit: 'ms',
      higherIsBetter: false,
    }));
    for (let run = 0; run < opt.runs; run++) {
      const parts: string[] = [];
      for (const who of ['localbox', 'orthanc'] as const) {
        if (who === 'orthanc' && !o) continue;
        const f = q[who];
        const r = prng(1000 * run + 7);
        for (let i = 0; i < 5; i++) expectOk(await f(r), `${who} ${q.name}`); // warm-up
        const times: number[] = [];
        for (let i = 0; i < opt.queryRequests; i++) {
          const t0 = performance.now();
          const res = await f(r);
          times.push(performance.now() - t0);
          expectOk(res, `${who} ${q.name}`);
        }
        fig.add(specs[0] as LineSpec, who, run, percentile(times, 50));
        fig.add(specs[1] as LineSpec, who, run, percentile(times, 95));
        parts.push(
          `${who} p50 ${percentile(times, 50).toFixed(2)} ms p95 ${percentile(times, 95).toFixed(2)} ms`,
        );
      }
      log(`  ${q.name}, run ${run + 1}: ${parts.join('; ')}`);
    }
  }
  info.orthancEquivalents = equivalents;
  return info;
}

// ── machine ─────────────────────────────────────────────────────────────────
function machine(orthancVersion: string | undefined, tmp: string): Record<string, unknown> {
  const cpu =
    /model name\s*:\s*(.*)/.exec(safeRead('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  let fs = '?';
  try {
    fs =
      execFileSync('df', ['-T', tmp], { encoding: 'utf8', timeout: 5_000 })
        .split('\n')[1]
        ?.split(/\s+/)[1] ?? '?';
  } catch {
    // df is optional
  }
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    orthanc: orthancVersion ?? 'not installed',
    tempFilesystem: fs,
    loadAverageAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
    tempDir: tmp,
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// ── main ────────────────────────────────────────────────────────────────────
async function main(): Promise<void> {
  const opt = parseOptions();
  if (!existsSync(opt.ct))
    throw new Error(`CT source file ${opt.ct} not found (give one with --ct)`);
  const started = performance.now();
  const tmp = await mkdtemp(join(os.tmpdir(), 'slicebox-bench-'));
  const fig = new Figures();
  const orthancBin = findOrthanc();
  if (!orthancBin) log(`\n!! ${ORTHANC_HELP}\n`);
  const needDcmtk = opt.only.has('dicom') || opt.only.has('retrieve');
  const dcmtk = needDcmtk ? findDcmtk() : undefined;
  const dcmtkMissing = needDcmtk && !dcmtk;
  if (dcmtkMissing) log(`\n!! ${DCMTK_HELP}\n`);
  const running: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of running.splice(0).reverse()) await s.stop().catch(() => undefined);
  };
  const onSignal = () => {
    void stopAll().finally(async () => {
      if (!opt.keep) await rm(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const startPeers = async (label: string, dicom = false): Promise<Peers> => {
    const localbox = await startLocalbox(join(tmp, `${label}-localbox`), {
      profileDir: opt.profile,
    });
    running.push(localbox);
    let orthanc: OrthancServer | undefined;
    if (orthancBin) {
      orthanc = await startOrthanc(orthancBin, join(tmp, `${label}-orthanc`), { dicom });
      running.push(orthanc);
    }
    return { localbox, orthanc };
  };
  /**
   * After a pair is stopped, its data goes (unless --keep): a later section then does not start with the page cache
   * and the disk full of an earlier one's gigabyte of files, for either server.
   */
  const discardPair = async (label: string): Promise<void> => {
    if (opt.keep) return;
    for (const side of ['localbox', 'orthanc'])
      await rm(join(tmp, `${label}-${side}`), { recursive: true, force: true });
  };

  log(
    `Slicebox Desktop benchmark (${opt.full ? 'full' : 'default'} scale, ${opt.runs} runs; sections: ${[...opt.only].join(', ')})`,
  );
  log(`  temp folder ${tmp}`);
  const template = makeTemplate(opt.ct, 512, 512);
  const extra: Record<string, unknown> = { sliceBytes: template.bytes.length };
  let orthancVersion: string | undefined;
  let hostInfo: Record<string, unknown> | undefined;
  const patientCounter = { next: 1_000_000 };
  try {
    const needA = (['ingest', 'import', 'render', 'health', 'export'] as const).some((s) =>
      opt.only.has(s),
    );
    if (needA) {
      const peers = await startPeers('a');
      orthancVersion = peers.orthanc?.version;
      log(
        `  local box ${peers.localbox.url} (pid ${peers.localbox.pid}); Orthanc ${peers.orthanc ? `${peers.orthanc.url} (pid ${peers.orthanc.pid}, ${peers.orthanc.version})` : 'absent'}`,
      );
      let ingest: IngestState = {
        localboxIds: [],
        orthancIds: [],
        peakRss: { localbox: [], orthanc: [] },
      };
      if (opt.only.has('ingest') || opt.only.has('render') || opt.only.has('health')) {
        log(
          `\n== ingest: ${opt.images} slices of ${(template.bytes.length / 1024).toFixed(0)} KB, 1 and 4 clients`,
        );
        ingest = await ingestSection(opt, peers, template, fig, tmp, patientCounter);
        extra.peakRssVmHWM = {
          localbox: memoryOf(peers.localbox.pid)?.hwm,
          orthanc: peers.orthanc ? memoryOf(peers.orthanc.pid)?.hwm : undefined,
        };
      }
      if (opt.only.has('import')) {
        log(`\n== import pipeline: ${opt.importFiles} files through the desktop import service`);
        await importSection(opt, peers, template, fig, tmp, patientCounter);
      }
      if (opt.only.has('render')) {
        log(`\n== render: ${opt.renderCold} cold + ${opt.renderWarm} warm PNGs per run`);
        await renderSection(opt, peers, ingest, fig);
      }
      if (opt.only.has('health')) {
        log(
          `\n== health: latency of the health request while 4 clients post ${opt.images} slices and PNGs render`,
        );
        // Images the render section never touched (it uses the first runs × render-cold + 1).
        const first = opt.only.has('render') ? opt.runs * opt.renderCold + 1 : 0;
        await healthSection({
          runs: opt.runs,
          localbox: peers.localbox,
          orthanc: peers.orthanc,
          slices: () => {
            const slices = sliceSet(template, opt.images, patientCounter.next);
            patientCounter.next += Math.ceil(slices.length / 100);
            return slices;
          },
          renderIds: {
            localbox: ingest.localboxIds.slice(first),
            orthanc: ingest.orthancIds.slice(first),
          },
          fig,
          log,
        });
      }
      if (opt.only.has('export')) {
        log(`\n== export: ${opt.exportMb} MiB export set`);
        await exportSection(opt, peers, template, fig, patientCounter);
      }
      await stopAll();
      await discardPair('a');
    }
    if (opt.only.has('query')) {
      const peers = await startPeers('b');
      orthancVersion ??= peers.orthanc?.version;
      log(
        `\n== query: ${opt.queryImages} images indexed, ${opt.queryRequests} requests per line and run`,
      );
      extra.query = await querySection(opt, peers, opt.ct, fig);
      await stopAll();
      await discardPair('b');
    }
    if (opt.only.has('dicom')) {
      if (!dcmtk) {
        log(`\n== dicom: skipped\n!! ${DCMTK_HELP}`);
      } else {
        const peers = await startPeers('c', true);
        orthancVersion ??= peers.orthanc?.version;
        log(`\n== dicom: C-STORE in and out, ${opt.images} slices per run, dcmtk as the peer`);
        extra.dicom = await dicomSection({
          runs: opt.runs,
          images: opt.images,
          tools: dcmtk,
          localbox: peers.localbox,
          orthanc: peers.orthanc,
          template,
          fig,
          tmp,
          patientCounter,
          log,
        });
        await stopAll();
        await discardPair('c');
      }
    }
    if (opt.only.has('retrieve')) {
      const movescu = dcmtk ? findMovescu() : undefined;
      if (!dcmtk || !movescu || !orthancBin) {
        log(
          `\n== retrieve: skipped\n!! ${!orthancBin ? ORTHANC_HELP : !dcmtk ? DCMTK_HELP : MOVESCU_HELP}`,
        );
      } else {
        const peers = await startPeers('d', true);
        orthancVersion ??= peers.orthanc?.version;
        log(`\n== retrieve: C-MOVE of a study of ${opt.images} slices from Orthanc, per run`);
        extra.retrieve = await retrieveSection({
          runs: opt.runs,
          images: opt.images,
          tools: dcmtk,
          movescu,
          localbox: peers.localbox,
          orthanc: peers.orthanc as OrthancServer,
          template,
          fig,
          tmp,
          patientCounter,
          log,
        });
        await stopAll();
        await discardPair('d');
      }
    }
    if (opt.only.has('viewer')) {
      const built =
        existsSync(join(REPO, 'out/main/start.js')) &&
        existsSync(join(REPO, 'out/renderer/index.html'));
      if (!built || !findChromium()) {
        log(`\n== viewer: skipped\n!! ${VIEWER_HELP}`);
      } else {
        log(
          `\n== viewer: a series of ${opt.viewerSlices} slices in Chromium, ${opt.viewerScroll} slices scrolled per run`,
        );
        extra.viewer = await viewerSection({
          runs: opt.runs,
          slices: opt.viewerSlices,
          scrollSteps: opt.viewerScroll,
          template,
          repo: REPO,
          tmp,
          fig,
          patientCounter,
          log,
        });
      }
    }
  } finally {
    await stopAll();
    closeConnections();
    hostInfo = machine(orthancVersion, tmp);
    if (!opt.keep) await rm(tmp, { recursive: true, force: true });
  }

  const lines = fig.lines();
  const result = {
    date: new Date().toISOString(),
    seconds: Number(secondsSince(started).toFixed(1)),
    options: { ...opt, only: [...opt.only] },
    machine: hostInfo ?? {},
    notes: {
      ratio:
        'box÷Orthanc and box÷ceiling are speed ratios computed within each run (throughput a/b, latency b/a): > 1 means the local box is faster',
      figures: 'median over runs, with (min–max); MB = 10^6 bytes',
      ...(orthancBin ? {} : { orthanc: ORTHANC_HELP }),
      ...(dcmtkMissing ? { dcmtk: DCMTK_HELP } : {}),
    },
    extra,
    lines,
  };
  await mkdir(dirname(opt.out), { recursive: true });
  await writeFile(opt.out, JSON.stringify(result, null, 2) + '\n');
  await writeFile(opt.out.replace(/\.json$/, '') + '.md', markdownTable(lines) + '\n');

  log(
    `\n== results (median (min–max) over ${opt.runs} runs; ratios are speed ratios per run, > 1: local box faster)\n`,
  );
  printTable(lines);
  const m = result.machine as Record<string, string | number>;
  log(
    `\nmachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}, Node ${m.node}, Orthanc ${m.orthanc}`,
  );
  if (!orthancBin) log(`\n!! ${ORTHANC_HELP}`);
  if (dcmtkMissing) log(`\n!! ${DCMTK_HELP}`);
  log(`figures written to ${opt.out} (and .md); ${result.seconds} s in all`);
  if (opt.keep) log(`temp folder kept: ${tmp}`);
  await stat(opt.out);
}

main().catch((error: unknown) => {
  console.error(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
