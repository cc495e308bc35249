/**
 * The `viewer` section (`--only viewer`): the desktop viewer's speed in Chromium (headless Debian chromium through
 * playwright-core, as the end-to-end tests drive it), on one series of `--viewer-slices` 512×512 16-bit CT slices
 * (default 500) in the app's local box.
 *
 * The app is started as `npm start` runs it in browser mode (the built `out/main/start.js`, its own local box and
 * cache in a temp data folder); the series is uploaded with `POST /api/images`; the viewer opens it once and steps
 * through every slice, so every image is in the app's image cache. Then per run, in a freshly loaded window (new
 * renderer, new worker, nothing decoded):
 *
 * * **first image from cache**: from the viewer asked to open the series (its `sbx-viewer-open` mark, at the
 *   double-click) to its first frame on screen (`sbx-viewer-paint`), ms;
 * * **scrolling**: one slice asked for per display frame (requestAnimationFrame) for `--viewer-scroll` steps (default
 *   200); frames put on screen per second while doing so (a slice the viewer could not show in time is skipped,
 *   so this drops when it cannot keep up);
 * * **worker, per frame**: from the worker's own timings (`sbx-viewer-parse`, `sbx-viewer-render` marks) during
 *   that scroll: parsing an image's bytes, decoding a frame's pixels, windowing it to RGBA; the median of each.
 *
 * Nothing here is an assertion; the figures go to the table and the JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateSlices, type SliceTemplate } from './generate-slices.js';
import { basicAuth, pool, request } from './http.js';

type Who = 'localbox' | 'orthanc' | 'ceiling';
interface Spec {
  section: string;
  name: string;
  unit: string;
  higherIsBetter: boolean;
}
export interface FigureSink {
  add(spec: Spec, who: Who, run: number, value: number): void;
  note(spec: Spec, who: Who, text: string): void;
}

export interface ViewerSectionContext {
  runs: number;
  slices: number;
  scrollSteps: number;
  template: SliceTemplate;
  repo: string;
  tmp: string;
  fig: FigureSink;
  patientCounter: { next: number };
  log: (line: string) => void;
}

const SECTION = 'viewer';
const specs = {
  firstImage: {
    section: SECTION,
    name: 'first image of a 500-slice series, from cache',
    unit: 'ms',
    higherIsBetter: false,
  },
  scrollFps: {
    section: SECTION,
    name: 'scrolling, one slice asked per display frame',
    unit: 'frames/s',
    higherIsBetter: true,
  },
  workerTotal: {
    section: SECTION,
    name: 'worker per frame: parse + decode + window',
    unit: 'ms',
    higherIsBetter: false,
  },
  parse: { section: SECTION, name: 'worker: parse an image', unit: 'ms', higherIsBetter: false },
  decode: { section: SECTION, name: 'worker: decode a frame', unit: 'ms', higherIsBetter: false },
  window: {
    section: SECTION,
    name: 'worker: window a frame to RGBA',
    unit: 'ms',
    higherIsBetter: false,
  },
} satisfies Record<string, Spec>;

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

export const VIEWER_HELP =
  'The viewer section needs the built app (npm run build) and Debian chromium (apt-get install chromium, or CHROMIUM_PATH).';

/** The chromium binary, or undefined. */
export function findChromium(): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

interface RunningApp {
  url: string;
  localboxApi: string;
  stop(): Promise<void>;
}

/** Starts the built app in browser mode (as `npm start -- --no-open`), bounded waits, stopped by its own PID. */
async function startApp(repo: string, dataDir: string): Promise<RunningApp> {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repo, 'out/main/start.js'), '--no-open', '--data', dataDir],
    { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: repo },
  );
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const found = await new Promise<{ url: string; localboxApi: string }>((resolve, reject) => {
    let localboxApi = '';
    const timer = setTimeout(
      () => reject(new Error(`app did not start:\n${output.join('')}`)),
      90_000,
    );
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`app exited:\n${output.join('')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const box = /^Local box: (http:\/\/127\.0\.0\.1:\d+\/api)$/.exec(line);
      if (box?.[1]) localboxApi = box[1];
      if (/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+$/.test(line)) {
        clearTimeout(timer);
        resolve({ url: line, localboxApi });
      }
    });
  });
  return {
    ...found,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), 20_000).unref(),
      );
      if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL');
    },
  };
}

/**
 * What the in-page scripts use of the window (this file is compiled for Node, without the DOM's types; the
 * functions passed to `page.evaluate` run in Chromium).
 */
interface PageElement {
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
}
interface PageWindow {
  document: { querySelector(selector: string): PageElement | null };
  requestAnimationFrame(callback: (time: number) => void): number;
  KeyboardEvent: new (type: string, init: { key: string; bubbles: boolean }) => unknown;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function viewerSection(ctx: ViewerSectionContext): Promise<Record<string, unknown>> {
  const { chromium } = await import('playwright-core');
  const executablePath = findChromium()!;
  const dataDir = join(ctx.tmp, 'viewer-app');
  const app = await startApp(ctx.repo, dataDir);
  const extra: Record<string, unknown> = {};
  try {
    // ── the series, in the app's local box ──
    const credentials = JSON.parse(
      await readFile(join(dataDir, 'localbox-credentials.json'), 'utf8'),
    ) as { user: string; password: string };
    const auth = basicAuth(credentials.user, credentials.password);
    const slices = [
      ...generateSlices(ctx.template, {
        count: ctx.slices,
        imagesPerSeries: ctx.slices,
        seriesPerStudy: 1,
        studiesPerPatient: 1,
        firstPatient: ctx.patientCounter.next++,
      }),
    ];
    const patient = `BP${String(slices[0]!.patient).padStart(8, '0')}`;
    const t0 = performance.now();
    await pool(slices.length, 4, async (i) => {
      const res = await request('POST', `${app.localboxApi}/images`, {
        headers: { authorization: auth, 'content-type': 'application/octet-stream' },
        body: slices[i]!.bytes,
      });
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`upload: HTTP ${res.status} ${res.body.toString('utf8', 0, 200)}`);
    });
    ctx.log(
      `  ${slices.length} slices uploaded to the app's local box in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
      await page.goto(app.url);
      const open = async () => {
        const viewer = page.getByTestId('viewer');
        if ((await viewer.count()) > 0) {
          await viewer.focus();
          await page.keyboard.press('Escape');
        }
        await page
          .getByTestId('patient-row')
          .filter({ hasText: patient })
          .click({ timeout: 60_000 });
        await page.getByTestId('study-row').first().click({ timeout: 30_000 });
        await page.getByTestId('series-row').first().click({ timeout: 30_000 });
        await page.evaluate(() => performance.clearMarks());
        await page.getByTestId('series-row').first().dblclick();
        await page.waitForFunction(
          () =>
            (globalThis as unknown as PageWindow).document
              .querySelector('[data-testid="viewer-viewport"]')
              ?.getAttribute('data-status') === 'ready',
          undefined,
          { timeout: 60_000 },
        );
      };

      // ── warm-up: every slice viewed once, so all are in the app's image cache ──
      await open();
      const t1 = performance.now();
      await page.evaluate(async (count) => {
        const w = globalThis as unknown as PageWindow;
        const root = w.document.querySelector('[data-testid="viewer"]')!;
        const cell = () => w.document.querySelector('[data-testid="viewer-viewport"]')!;
        for (let i = 1; i < count; i++) {
          root.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
          const started = performance.now();
          while (
            (cell().getAttribute('data-index') !== String(i) ||
              cell().getAttribute('data-status') !== 'ready') &&
            performance.now() - started < 30_000
          ) {
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
        }
      }, ctx.slices);
      const warmSeconds = (performance.now() - t1) / 1000;
      extra.firstPassSlicesPerSecond = Number((ctx.slices / warmSeconds).toFixed(1));
      ctx.log(
        `  first pass (each slice fetched from the local box and kept in the cache): ${(ctx.slices / warmSeconds).toFixed(1)} slices/s`,
      );

      for (let run = 0; run < ctx.runs; run++) {
        await page.reload();
        await page.getByTestId('patient-row').first().waitFor({ timeout: 60_000 });
        await open();
        const first = await page.evaluate(() => {
          const openMark = performance.getEntriesByName('sbx-viewer-open')[0];
          const paint = performance.getEntriesByName('sbx-viewer-paint')[0];
          return openMark && paint ? paint.startTime - openMark.startTime : Number.NaN;
        });
        ctx.fig.add(specs.firstImage, 'localbox', run, first);
        // Scrolling starts once the opening has settled (the thumbnails of the strip are in).
        await page.waitForFunction(
          () => {
            const media = performance
              .getEntriesByType('resource')
              .filter((e) => e.name.includes('/media/'));
            const last = Math.max(
              0,
              ...media.map((e) => (e as unknown as { responseEnd: number }).responseEnd),
            );
            return performance.now() - last > 600;
          },
          undefined,
          { timeout: 30_000, polling: 100 },
        );

        const scroll = await page.evaluate(async (steps) => {
          performance.clearMarks();
          performance.clearResourceTimings();
          performance.setResourceTimingBufferSize(10_000);
          const w = globalThis as unknown as PageWindow;
          const root = w.document.querySelector('[data-testid="viewer"]')!;
          const frame = () => new Promise<number>((resolve) => w.requestAnimationFrame(resolve));
          let observed = 0;
          const observer = new PerformanceObserver((list) => {
            observed += list.getEntriesByName('sbx-viewer-paint').length;
          });
          observer.observe({ type: 'mark' });
          await frame();
          const start = performance.now();
          for (let i = 0; i < steps; i++) {
            root.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
            await frame();
          }
          const asked = performance.now();
          // Let the last slice asked for reach the screen.
          const cell = () => w.document.querySelector('[data-testid="viewer-viewport"]')!;
          const target = cell().getAttribute('data-index');
          while (performance.now() - asked < 5_000) {
            const paints = performance.getEntriesByName('sbx-viewer-paint');
            const last = paints[paints.length - 1];
            if (
              cell().getAttribute('data-status') === 'ready' &&
              last &&
              last.startTime >= asked - 50
            )
              break;
            await frame();
          }
          const end = performance.now();
          // Frames put on screen: a draw of the slice already on screen (the canvas drawn again because the
          // overlay's geometry or the placement changed) is not a new frame.
          let paints = 0;
          let previous = '';
          for (const entry of performance.getEntriesByName('sbx-viewer-paint')) {
            const d = (entry as unknown as { detail: { index?: number; frame?: number } }).detail;
            const at = `${d.index}/${d.frame}`;
            if (at !== previous) paints++;
            previous = at;
          }
          const draws = performance.getEntriesByName('sbx-viewer-paint').length;
          await new Promise((resolve) => setTimeout(resolve, 50));
          observer.disconnect();
          const detail = (name: string) =>
            performance
              .getEntriesByName(name)
              .map((e) => (e as unknown as { detail: Record<string, number> }).detail);
          // The media route while scrolling: each fetch's wait in the browser's queue, its first byte, its end.
          const media = performance
            .getEntriesByType('resource')
            .filter((e) => e.name.includes('/media/') && e.startTime >= start)
            .map((e) => {
              const r = e as unknown as {
                startTime: number;
                requestStart: number;
                responseStart: number;
                responseEnd: number;
                encodedBodySize: number;
              };
              return {
                queued: r.requestStart - r.startTime,
                firstByte: r.responseStart - r.requestStart,
                body: r.responseEnd - r.responseStart,
                total: r.responseEnd - r.startTime,
                bytes: r.encodedBodySize,
              };
            });
          return {
            paints,
            draws,
            observed,
            media,
            seconds: (end - start) / 1000,
            askedPerSecond: steps / ((asked - start) / 1000),
            target,
            parse: detail('sbx-viewer-parse').map((d) => d.ms ?? 0),
            renders: detail('sbx-viewer-render'),
          };
        }, ctx.scrollSteps);
        const fps = scroll.paints / scroll.seconds;
        ctx.fig.add(specs.scrollFps, 'localbox', run, fps);
        const decodes = scroll.renders.filter((r) => (r.decodeMs ?? 0) > 0).map((r) => r.decodeMs!);
        const windows = scroll.renders.map((r) => r.renderMs ?? 0);
        const parse = median(scroll.parse);
        const decode = median(decodes);
        const windowMs = median(windows);
        ctx.fig.add(specs.parse, 'localbox', run, parse);
        ctx.fig.add(specs.decode, 'localbox', run, decode);
        ctx.fig.add(specs.window, 'localbox', run, windowMs);
        ctx.fig.add(specs.workerTotal, 'localbox', run, parse + decode + windowMs);
        const m = scroll.media;
        const mb = m.reduce((sum, r) => sum + r.bytes, 0) / 1e6;
        ctx.log(
          `  run ${run + 1} media route while scrolling: ${m.length} fetches (${(m.length / scroll.seconds).toFixed(0)}/s, ` +
            `${(mb / scroll.seconds).toFixed(1)} MB/s); median ms: queued ${median(m.map((r) => r.queued)).toFixed(1)}, ` +
            `first byte ${median(m.map((r) => r.firstByte)).toFixed(1)}, body ${median(m.map((r) => r.body)).toFixed(1)}, ` +
            `in all ${median(m.map((r) => r.total)).toFixed(1)} (max ${Math.max(0, ...m.map((r) => r.total)).toFixed(0)}); ` +
            `worker: ${scroll.parse.length} parses, ${scroll.renders.length} renders; paints observed ${scroll.observed}`,
        );
        const slow = [...m].sort((a, b) => b.total - a.total).slice(0, 5);
        ctx.log(
          `  slowest (queued/first byte/body ms): ${slow.map((r) => `${r.queued.toFixed(0)}/${r.firstByte.toFixed(0)}/${r.body.toFixed(0)}`).join(', ')}`,
        );
        ctx.log(
          `  run ${run + 1}: first image ${first.toFixed(0)} ms; scrolling ${fps.toFixed(1)} frames/s ` +
            `(${scroll.paints} frames in ${scroll.seconds.toFixed(2)} s, ${scroll.draws} draws, ${scroll.askedPerSecond.toFixed(0)} slices asked/s); ` +
            `worker: parse ${parse.toFixed(1)} + decode ${decode.toFixed(1)} + window ${windowMs.toFixed(1)} ms`,
        );
      }
    } finally {
      await browser.close();
    }
  } finally {
    await app.stop();
  }
  for (const spec of Object.values(specs)) ctx.fig.note(spec, 'orthanc', 'n/a');
  return extra;
}
