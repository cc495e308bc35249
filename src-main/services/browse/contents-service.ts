/**
 * What is inside studies and series, for the browser's rows in view (issue 11, item 5): a study's modalities
 * and its numbers of series and images; a series' number of images and the image its thumbnail shows (the
 * middle one in slice order). Slicebox's metadata rows carry no counts, so:
 *
 * - a server with the desktop extension (the local box) answers all the asked rows in one request,
 *   `POST /x-desktop/metadata/contents` (src-main/localbox/DECISIONS.md), always fresh;
 * - any other Slicebox is counted with its standard routes: a study's series with
 *   `/metadata/series?studyid=`, a series' images with `/metadata/images?seriesid=`, both in pages of 1000
 *   with the count+1 look-ahead, at most COUNT_CONCURRENCY requests in flight per connection. Those counts
 *   are kept in memory per connection (shared by a study and its series, and by concurrent callers) until
 *   the lists are reloaded (`refresh`, which the renderer sends after imports, actions and Refresh) or for
 *   MEMORY_TTL_MS at most.
 *
 * Every count is also kept in the cache database, answered (marked `fromCache`) when the server is gone.
 * Ids the server no longer knows are left out of the answer (never a count of 0 for a deleted series).
 */
import type {
  BrowseContents,
  ContentsRequest,
  SeriesContents,
  StudyContents,
} from '../../../src-preload/contract.js';
import { SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';
import { middleImage } from '../../slicebox/instance-order.js';
import type { ContentsCache } from '../cache/contents-cache.js';
import type { ConnectionService } from '../connections/connection-service.js';
import { serverGone } from './browse-service.js';
import { RequestLimiter } from './request-limiter.js';

/** Rows per request when a server without the extension is counted (count+1 look-ahead). */
export const COUNT_PAGE = 1000;
/** Requests in flight per connection while counting without the extension. */
export const COUNT_CONCURRENCY = 4;
/** How long a count made without the extension is reused when no reload asked for a new one. */
export const MEMORY_TTL_MS = 2 * 60_000;
/** Counts kept in memory per connection; the oldest go first beyond this. */
const MEMORY_ENTRIES = 20_000;

interface Entry<T> {
  /** Null: the server does not know this id. */
  value: Promise<T | null>;
  startedAt: number;
}

interface ConnectionCounts {
  client: SliceboxClient;
  limiter: RequestLimiter;
  entries: Map<string, Entry<StudyContents | SeriesContents>>;
}

/** Reads a whole list in pages of COUNT_PAGE, asking one row more to know whether another page follows. */
async function readAll<T>(fetchPage: (start: number, count: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; ; start += COUNT_PAGE) {
    const rows = await fetchPage(start, COUNT_PAGE + 1);
    out.push(...rows.slice(0, COUNT_PAGE));
    if (rows.length <= COUNT_PAGE) return out;
  }
}

export class ContentsService {
  /** Whether a client's server has the contents extension (asked by using it). */
  private readonly extension = new WeakMap<SliceboxClient, boolean>();
  private readonly counts = new Map<string, ConnectionCounts>();
  private readonly now: () => number;

  constructor(
    private readonly connections: ConnectionService,
    private readonly cache?: ContentsCache,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async contents(request: ContentsRequest): Promise<BrowseContents> {
    const { connectionId } = request;
    const studyIds = [...new Set(request.studyIds ?? [])];
    const seriesIds = [...new Set(request.seriesIds ?? [])];
    const client = this.connections.client(connectionId);
    if (studyIds.length === 0 && seriesIds.length === 0) return { studies: [], series: [] };
    let answer: { studies: (StudyContents | null)[]; series: (SeriesContents | null)[] };
    try {
      answer =
        (await this.fromExtension(client, studyIds, seriesIds)) ??
        (await this.counted(connectionId, client, studyIds, seriesIds, request.refresh === true));
      this.connections.noteSuccess(connectionId);
    } catch (error) {
      this.connections.noteFailure(connectionId, error);
      if (!serverGone(error) || !this.cache) throw error;
      return this.cached(connectionId, studyIds, seriesIds);
    }
    const studies = answer.studies.filter((s): s is StudyContents => s !== null);
    const series = answer.series.filter((s): s is SeriesContents => s !== null);
    this.keep(connectionId, studyIds, seriesIds, studies, series);
    return { studies, series };
  }

  /** The extension's answer, in the asked order (null for unknown ids); undefined without the extension. */
  private async fromExtension(
    client: SliceboxClient,
    studyIds: number[],
    seriesIds: number[],
  ): Promise<{ studies: (StudyContents | null)[]; series: (SeriesContents | null)[] } | undefined> {
    if (this.extension.get(client) === false) return undefined;
    let answer;
    try {
      answer = await client.contents({ studyIds, seriesIds });
    } catch (error) {
      if (error instanceof SliceboxHttpError && (error.status === 404 || error.status === 405)) {
        this.extension.set(client, false);
        return undefined;
      }
      throw error;
    }
    this.extension.set(client, true);
    const studies = new Map(answer.studies.map((s) => [s.id, s]));
    const series = new Map(answer.series.map((s) => [s.id, s]));
    return {
      studies: studyIds.map((id) => {
        const s = studies.get(id);
        return s
          ? {
              id,
              seriesCount: s.seriesCount,
              imageCount: s.imageCount,
              modalities: s.modalities,
            }
          : null;
      }),
      series: seriesIds.map((id) => {
        const s = series.get(id);
        return s ? { id, imageCount: s.imageCount, thumbnailImageId: s.middleImageId } : null;
      }),
    };
  }

  /** Counted with Slicebox's standard routes (no extension), reusing what this connection counted. */
  private async counted(
    connectionId: string,
    client: SliceboxClient,
    studyIds: number[],
    seriesIds: number[],
    refresh: boolean,
  ): Promise<{ studies: (StudyContents | null)[]; series: (SeriesContents | null)[] }> {
    let state = this.counts.get(connectionId);
    // A new client means the connection's URL or user changed: what was counted describes another view.
    if (!state || state.client !== client || refresh) {
      state = {
        client,
        limiter: state?.client === client ? state.limiter : new RequestLimiter(COUNT_CONCURRENCY),
        entries: new Map(),
      };
      this.counts.set(connectionId, state);
    }
    const counts = state;
    const [studies, series] = await Promise.all([
      Promise.all(studyIds.map((id) => this.study(counts, id))),
      Promise.all(seriesIds.map((id) => this.series(counts, id))),
    ]);
    return { studies, series };
  }

  private entry<T extends StudyContents | SeriesContents>(
    state: ConnectionCounts,
    key: string,
    count: () => Promise<T | null>,
  ): Promise<T | null> {
    const known = state.entries.get(key) as Entry<T> | undefined;
    if (known && this.now() - known.startedAt < MEMORY_TTL_MS) return known.value;
    const value = count();
    state.entries.delete(key);
    state.entries.set(key, { value, startedAt: this.now() });
    for (const oldest of state.entries.keys()) {
      if (state.entries.size <= MEMORY_ENTRIES) break;
      state.entries.delete(oldest);
    }
    // A failed count is not kept: the next caller tries again.
    value.catch(() => {
      if (state.entries.get(key)?.value === value) state.entries.delete(key);
    });
    return value;
  }

  private study(state: ConnectionCounts, studyId: number): Promise<StudyContents | null> {
    return this.entry(state, `study:${studyId}`, async () => {
      const { client, limiter } = state;
      const series = await readAll((startindex, count) =>
        limiter.run(() => client.series(studyId, { startindex, count })),
      );
      // Slicebox removes a study with its last series (BEHAVIOR.md §6.3): none means it is gone.
      if (series.length === 0) return null;
      const contents = await Promise.all(series.map((s) => this.series(state, s.id)));
      const modalities = new Set<string>();
      for (const s of series) {
        const modality = s.modality.value.trim();
        if (modality) modalities.add(modality);
      }
      return {
        id: studyId,
        seriesCount: series.length,
        imageCount: contents.reduce((sum, c) => sum + (c?.imageCount ?? 0), 0),
        modalities: [...modalities].sort(),
      };
    });
  }

  private series(state: ConnectionCounts, seriesId: number): Promise<SeriesContents | null> {
    return this.entry(state, `series:${seriesId}`, async () => {
      const { client, limiter } = state;
      const images = await readAll((startindex, count) =>
        limiter.run(() => client.images(seriesId, { startindex, count })),
      );
      if (images.length === 0) return null;
      const middle = middleImage(
        images.map((i) => ({ id: i.id, instanceNumber: i.instanceNumber.value })),
      );
      return { id: seriesId, imageCount: images.length, thumbnailImageId: middle?.id ?? null };
    });
  }

  /** Keeps fresh counts for offline use and drops those of ids the server no longer has. */
  private keep(
    connectionId: string,
    studyIds: number[],
    seriesIds: number[],
    studies: StudyContents[],
    series: SeriesContents[],
  ): void {
    if (!this.cache) return;
    try {
      this.cache.store(connectionId, 'study', studies);
      this.cache.store(connectionId, 'series', series);
      const counted = (items: { id: number }[]) => new Set(items.map((i) => i.id));
      const studiesCounted = counted(studies);
      const seriesCounted = counted(series);
      this.cache.remove(
        connectionId,
        'study',
        studyIds.filter((id) => !studiesCounted.has(id)),
      );
      this.cache.remove(
        connectionId,
        'series',
        seriesIds.filter((id) => !seriesCounted.has(id)),
      );
    } catch (error) {
      // A full disk must not break browsing; the counts are just not kept.
      console.error(`Caching counts failed: ${String(error)}`);
    }
  }

  private cached(connectionId: string, studyIds: number[], seriesIds: number[]): BrowseContents {
    const studies = this.cache?.lookup(connectionId, 'study', studyIds) ?? [];
    const series = this.cache?.lookup(connectionId, 'series', seriesIds) ?? [];
    const times = [...studies, ...series].map((c) => c.countedAt);
    const answer: BrowseContents = {
      studies: studies.map((c) => c.contents),
      series: series.map((c) => c.contents),
      fromCache: true,
    };
    if (times.length > 0) answer.cachedAt = Math.min(...times);
    return answer;
  }
}
