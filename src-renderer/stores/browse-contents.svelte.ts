/**
 * What the studies and series in view hold (`browse.contents`): modalities and counts, and the image a
 * series' thumbnail shows. Rows report themselves when they come into view (the lists are virtualized, so
 * that is the rows on screen plus a small overscan); their ids are gathered for a moment and asked in one
 * call. Until an answer arrives a row shows "…"; an id the answer leaves out (gone from the server, or not
 * countable) shows nothing rather than a guess. Counts are as fresh as the rows: when a list shows a new
 * source its kind is counted again (`listReset`; the main side answers what it may reuse), and after the
 * lists are reloaded (`invalidate`) every count is dropped and the rows in view are counted again with
 * `refresh`.
 */
import { SvelteMap } from 'svelte/reactivity';
import type {
  Bridge,
  ContentsRequest,
  SeriesContents,
  StudyContents,
} from '../../src-preload/contract.js';

/** `counting`: asked, no answer yet; `unknown`: the answer left it out, or the call failed. */
export type Counted<T> = T | 'counting' | 'unknown';

/** Which list reported the rows in view (the flat list reports series too). */
export type ContentsSource = 'studies' | 'series' | 'flat';

const SOURCES: readonly ContentsSource[] = ['studies', 'series', 'flat'];

function kindOf(source: ContentsSource): 'study' | 'series' {
  return source === 'studies' ? 'study' : 'series';
}

/** How long ids are gathered before they are asked (rows appear together while scrolling). */
const GATHER_MS = 40;
/** Ids of one kind per call (the bridge's limit). */
const MAX_IDS = 500;
/** PNG height of a series thumbnail, as the viewer's thumbnail strip asks (one cached rendering). */
export const THUMBNAIL_HEIGHT = 64;

/** A media URL (which may carry a query already, e.g. browser mode's token) with these parameters. */
function withParams(url: string, params: Record<string, number>): string {
  const query = Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${value}`)
    .join('&');
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

export class ContentsStore {
  #bridge: Bridge;
  #connectionId: string | null = null;
  /** Bumped on every reset: answers to older calls are dropped. */
  #generation = 0;
  #studies = new SvelteMap<number, Counted<StudyContents>>();
  #series = new SvelteMap<number, Counted<SeriesContents>>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #wantedStudies = new Set<number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #wantedSeries = new Set<number>();
  #visible: Record<ContentsSource, number[]> = { studies: [], series: [], flat: [] };
  #refreshNext = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #thumbnails = new Map<string, Promise<string>>();

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
  }

  /** Another connection: nothing counted on the previous one applies. */
  setConnection(connectionId: string | null): void {
    if (connectionId === this.#connectionId) return;
    this.#connectionId = connectionId;
    this.#reset();
    this.#refreshNext = false;
    this.#visible = { studies: [], series: [], flat: [] };
  }

  study(id: number): Counted<StudyContents> {
    return this.#studies.get(id) ?? 'counting';
  }

  series(id: number): Counted<SeriesContents> {
    return this.#series.get(id) ?? 'counting';
  }

  /** The rows a list shows now: those not counted yet are asked for. */
  setVisible(source: ContentsSource, ids: number[]): void {
    this.#visible[source] = ids;
    this.#want(kindOf(source), ids);
  }

  /**
   * A list shows a new source (another patient's studies, another study's series, a new filter): counts
   * of its kind are dropped, so its rows are counted again as they report in (counts are as fresh as the
   * rows they describe). The other list of the same kind, if it shows rows, has them asked again.
   */
  listReset(source: ContentsSource): void {
    const kind = kindOf(source);
    (kind === 'study' ? this.#studies : this.#series).clear();
    (kind === 'study' ? this.#wantedStudies : this.#wantedSeries).clear();
    this.#visible[source] = [];
    for (const other of SOURCES)
      if (other !== source && kindOf(other) === kind) this.#want(kind, this.#visible[other]);
  }

  /**
   * The lists were reloaded (an import, an action, Refresh, back online): every count may be out of date.
   * Drops them all and counts the rows in view again, asking the server not to reuse earlier counts.
   */
  invalidate(): void {
    if (!this.#connectionId) return;
    this.#reset();
    this.#refreshNext = true;
    for (const source of SOURCES) this.#want(kindOf(source), this.#visible[source]);
  }

  /** The URL of an image's small rendering by the server (kept for offline use by the media service). */
  thumbnailUrl(imageId: number): Promise<string> {
    const connectionId = this.#connectionId;
    if (!connectionId) return Promise.reject(new Error('No connection'));
    const key = `${connectionId}/${imageId}`;
    let url = this.#thumbnails.get(key);
    if (!url) {
      url = this.#bridge
        .invoke('media.imageUrls', { connectionId, imageId })
        .then((urls) => withParams(urls.pngUrl, { framenumber: 1, imageheight: THUMBNAIL_HEIGHT }));
      url.catch(() => this.#thumbnails.delete(key));
      this.#thumbnails.set(key, url);
    }
    return url;
  }

  #reset(): void {
    this.#generation++;
    this.#studies.clear();
    this.#series.clear();
    this.#wantedStudies.clear();
    this.#wantedSeries.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #want(kind: 'study' | 'series', ids: number[]): void {
    if (!this.#connectionId) return;
    const known = kind === 'study' ? this.#studies : this.#series;
    const wanted = kind === 'study' ? this.#wantedStudies : this.#wantedSeries;
    for (const id of ids) {
      if (known.has(id) || wanted.has(id)) continue;
      wanted.add(id);
      known.set(id, 'counting');
    }
    if (wanted.size > 0 && !this.#timer)
      this.#timer = setTimeout(() => void this.#flush(), GATHER_MS);
  }

  async #flush(): Promise<void> {
    this.#timer = null;
    const connectionId = this.#connectionId;
    if (!connectionId) return;
    const generation = this.#generation;
    const studyIds = [...this.#wantedStudies].slice(0, MAX_IDS);
    const seriesIds = [...this.#wantedSeries].slice(0, MAX_IDS);
    for (const id of studyIds) this.#wantedStudies.delete(id);
    for (const id of seriesIds) this.#wantedSeries.delete(id);
    if (this.#wantedStudies.size > 0 || this.#wantedSeries.size > 0)
      this.#timer = setTimeout(() => void this.#flush(), 0);
    const request: ContentsRequest = { connectionId };
    if (studyIds.length > 0) request.studyIds = studyIds;
    if (seriesIds.length > 0) request.seriesIds = seriesIds;
    if (this.#refreshNext) request.refresh = true;
    this.#refreshNext = false;
    try {
      const answer = await this.#bridge.invoke('browse.contents', request);
      if (generation !== this.#generation) return;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, not state
      const studies = new Map(answer.studies.map((s) => [s.id, s]));
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, not state
      const series = new Map(answer.series.map((s) => [s.id, s]));
      for (const id of studyIds) this.#studies.set(id, studies.get(id) ?? 'unknown');
      for (const id of seriesIds) this.#series.set(id, series.get(id) ?? 'unknown');
    } catch {
      // Counts are an aid: a failure shows no number (never a wrong one) and costs no error banner;
      // the next reload asks again.
      if (generation !== this.#generation) return;
      for (const id of studyIds) this.#studies.set(id, 'unknown');
      for (const id of seriesIds) this.#series.set(id, 'unknown');
    }
  }
}
