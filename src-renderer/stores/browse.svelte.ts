/**
 * The Patients → Studies → Series → Images drill-down of one connection, and the flat "All series" list.
 * Selecting a row loads the next level; the patient and flat lists have a server-side filter and sort.
 * The advanced filter (sources, series types, series tags) applies to every level, as in Slicebox.
 */
import type {
  AdvancedFilter,
  Bridge,
  FilterOptions,
  FlatSeriesItem,
  FlatSeriesOrder,
  FlatSeriesRequest,
  ImageItem,
  ImageOrder,
  PatientItem,
  PatientsRequest,
  SeriesItem,
  StudyItem,
} from '../../src-preload/contract.js';
import { ContentsStore } from './browse-contents.svelte.js';
import type { ErrorStore } from './errors.svelte.js';
import { PagedList } from './paged-list.svelte.js';

export type PatientOrder = NonNullable<PatientsRequest['orderBy']>;
export type BrowseTab = 'tree' | 'flat';
export type BrowseLevel = 'patients' | 'studies' | 'series' | 'images' | 'flat';

/** The advanced filter as the UI holds it: every group a list (empty = not filtered). */
export interface AdvancedSelection {
  sources: string[];
  seriesTypeIds: number[];
  seriesTagIds: number[];
}

export const NO_ADVANCED: AdvancedSelection = { sources: [], seriesTypeIds: [], seriesTagIds: [] };

/** The request fields of an advanced selection (groups left out when empty). */
export function advancedArgs(selection: AdvancedSelection): AdvancedFilter {
  const args: AdvancedFilter = {};
  if (selection.sources.length) args.sources = [...selection.sources];
  if (selection.seriesTypeIds.length) args.seriesTypeIds = [...selection.seriesTypeIds];
  if (selection.seriesTagIds.length) args.seriesTagIds = [...selection.seriesTagIds];
  return args;
}

export class BrowseStore {
  connectionId = $state<string | null>(null);
  filter = $state('');
  orderBy = $state<PatientOrder | null>(null);
  orderAscending = $state(true);
  tab = $state<BrowseTab>('tree');
  /** The list the selection bar acts on: the one last focused or clicked. */
  activeLevel = $state<BrowseLevel>('patients');
  advanced = $state.raw<AdvancedSelection>(NO_ADVANCED);
  advancedCount = $derived(
    this.advanced.sources.length +
      this.advanced.seriesTypeIds.length +
      this.advanced.seriesTagIds.length,
  );
  /** What the advanced filter offers, loaded per connection on first use. */
  filterOptions = $state.raw<FilterOptions | null>(null);
  filterOptionsError = $state<string | null>(null);
  flatFilter = $state('');
  flatOrderBy = $state<FlatSeriesOrder | null>(null);
  flatOrderAscending = $state(true);
  /** The Images column's order: instance number (numerically) unless the user sorts by another column. */
  imagesOrderBy = $state<ImageOrder>('instanceNumber');
  imagesOrderAscending = $state(true);

  patients: PagedList<PatientItem>;
  studies: PagedList<StudyItem>;
  series: PagedList<SeriesItem>;
  images: PagedList<ImageItem>;
  flat: PagedList<FlatSeriesItem>;
  /** What the studies and series in view hold (modalities, counts, thumbnails). */
  contents: ContentsStore;

  /** Whether any level shows cached rows, and the oldest time they were seen. */
  fromCache = $derived(this.#levels().some((list) => list.fromCache));
  cachedAt = $derived(
    this.#levels().reduce<number | null>(
      (oldest, list) =>
        list.cachedAt === null
          ? oldest
          : oldest === null
            ? list.cachedAt
            : Math.min(oldest, list.cachedAt),
      null,
    ),
  );

  #bridge: Bridge;

  constructor(bridge: Bridge, errors: ErrorStore) {
    this.#bridge = bridge;
    this.patients = new PagedList((e) => errors.report('Loading patients', e));
    this.studies = new PagedList((e) => errors.report('Loading studies', e));
    this.series = new PagedList((e) => errors.report('Loading series', e));
    this.images = new PagedList((e) => errors.report('Loading images', e));
    this.flat = new PagedList((e) => errors.report('Loading series', e));
    this.contents = new ContentsStore(bridge);
  }

  setConnection(connectionId: string | null): void {
    if (connectionId === this.connectionId) return;
    this.connectionId = connectionId;
    this.contents.setConnection(connectionId);
    this.filter = '';
    this.flatFilter = '';
    this.advanced = NO_ADVANCED;
    this.filterOptions = null;
    this.filterOptionsError = null;
    void this.reloadPatients();
    if (this.tab === 'flat') void this.reloadFlat();
    else void this.flat.reset(null);
  }

  setTab(tab: BrowseTab): void {
    if (tab === this.tab) return;
    this.tab = tab;
    this.activeLevel = tab === 'flat' ? 'flat' : 'patients';
    if (tab === 'flat' && !this.flat.active) void this.reloadFlat();
  }

  list(level: BrowseLevel): PagedList<{ id: number }> {
    return this[level];
  }

  /** Loads the sources, series types and series tags the advanced filter offers. */
  async loadFilterOptions(force = false): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId || (this.filterOptions && !force)) return;
    try {
      const options = await this.#bridge.invoke('browse.filterOptions', { connectionId });
      if (connectionId !== this.connectionId) return;
      this.filterOptions = options;
      this.filterOptionsError = null;
    } catch (error) {
      this.filterOptionsError = error instanceof Error ? error.message : String(error);
    }
  }

  setAdvanced(selection: AdvancedSelection): void {
    this.advanced = selection;
    void this.reloadPatients();
    if (this.flat.active || this.tab === 'flat') void this.reloadFlat();
  }

  setFlatFilter(filter: string): void {
    if (filter === this.flatFilter) return;
    this.flatFilter = filter;
    void this.reloadFlat();
  }

  sortFlatBy(column: FlatSeriesOrder): void {
    if (this.flatOrderBy === column) this.flatOrderAscending = !this.flatOrderAscending;
    else {
      this.flatOrderBy = column;
      this.flatOrderAscending = true;
    }
    void this.reloadFlat();
  }

  async reloadFlat(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return this.flat.reset(null);
    const filter = this.flatFilter.trim();
    const orderBy = this.flatOrderBy;
    const orderAscending = this.flatOrderAscending;
    const advanced = advancedArgs(this.advanced);
    this.contents.listReset('flat');
    await this.flat.reset((startIndex, count) => {
      const args: FlatSeriesRequest = { connectionId, startIndex, count, ...advanced };
      if (filter) args.filter = filter;
      if (orderBy) {
        args.orderBy = orderBy;
        args.orderAscending = orderAscending;
      }
      return this.#bridge.invoke('browse.flatSeries', args);
    });
  }

  setFilter(filter: string): void {
    if (filter === this.filter) return;
    this.filter = filter;
    void this.reloadPatients();
  }

  /** Clicking a column header: a new column sorts ascending, the same column flips. */
  sortBy(column: PatientOrder): void {
    if (this.orderBy === column) this.orderAscending = !this.orderAscending;
    else {
      this.orderBy = column;
      this.orderAscending = true;
    }
    void this.reloadPatients();
  }

  async reloadPatients(): Promise<void> {
    const connectionId = this.connectionId;
    this.#clearBelow('patients');
    if (!connectionId) return this.patients.reset(null);
    const filter = this.filter.trim();
    const orderBy = this.orderBy;
    const orderAscending = this.orderAscending;
    const advanced = advancedArgs(this.advanced);
    await this.patients.reset((startIndex, count) => {
      const args: PatientsRequest = { connectionId, startIndex, count, ...advanced };
      if (filter) args.filter = filter;
      if (orderBy) {
        args.orderBy = orderBy;
        args.orderAscending = orderAscending;
      }
      return this.#bridge.invoke('browse.patients', args);
    });
  }

  selectPatient(id: number | null): Promise<void> {
    if (this.patients.selectedId === id && this.studies.active) return Promise.resolve();
    this.patients.selectedId = id;
    this.#clearBelow('studies');
    const connectionId = this.connectionId;
    if (id === null || !connectionId) return Promise.resolve();
    const advanced = advancedArgs(this.advanced);
    this.contents.listReset('studies');
    return this.studies.reset((startIndex, count) =>
      this.#bridge.invoke('browse.studies', {
        connectionId,
        startIndex,
        count,
        patientId: id,
        ...advanced,
      }),
    );
  }

  selectStudy(id: number | null): Promise<void> {
    if (this.studies.selectedId === id && this.series.active) return Promise.resolve();
    this.studies.selectedId = id;
    this.#clearBelow('series');
    const connectionId = this.connectionId;
    if (id === null || !connectionId) return Promise.resolve();
    const advanced = advancedArgs(this.advanced);
    this.contents.listReset('series');
    return this.series.reset((startIndex, count) =>
      this.#bridge.invoke('browse.series', {
        connectionId,
        startIndex,
        count,
        studyId: id,
        ...advanced,
      }),
    );
  }

  selectSeries(id: number | null): Promise<void> {
    if (this.series.selectedId === id && this.images.active) return Promise.resolve();
    this.series.selectedId = id;
    this.#clearBelow('images');
    return this.#loadImages();
  }

  /** Clicking an Images column header: a new column sorts ascending, the same column flips. */
  sortImagesBy(column: ImageOrder): Promise<void> {
    if (this.imagesOrderBy === column) this.imagesOrderAscending = !this.imagesOrderAscending;
    else {
      this.imagesOrderBy = column;
      this.imagesOrderAscending = true;
    }
    const selected = this.images.selectedId;
    return this.#loadImages().then(() => {
      // Keep the image the user was on, if it is loaded in the new order.
      if (selected !== null && this.images.items.some((item) => item.id === selected))
        this.images.selectedId = selected;
    });
  }

  #loadImages(): Promise<void> {
    const connectionId = this.connectionId;
    const seriesId = this.series.selectedId;
    if (seriesId === null || !connectionId) return this.images.reset(null);
    const orderBy = this.imagesOrderBy;
    const orderAscending = this.imagesOrderAscending;
    return this.images.reset((startIndex, count) =>
      this.#bridge.invoke('browse.images', {
        connectionId,
        startIndex,
        count,
        seriesId,
        orderBy,
        orderAscending,
      }),
    );
  }

  /**
   * Opens a flat series in the drill-down: its patient, study and series selected, so its images, the
   * attribute table and the viewer are one step away.
   */
  async openInTree(item: FlatSeriesItem): Promise<void> {
    this.setTab('tree');
    this.activeLevel = 'series';
    await this.selectPatient(item.patient.id);
    await this.selectStudy(item.study.id);
    await this.selectSeries(item.id);
  }

  selectImage(id: number | null): void {
    this.images.selectedId = id;
  }

  /**
   * Re-read every open level (after an import added images, or a delete), keeping selections, and recount. A
   * selected row that is gone (deleted) takes the levels below it along: they showed its children.
   */
  async refreshAll(): Promise<void> {
    this.contents.invalidate();
    const before = [this.patients, this.studies, this.series].map((list) => list.selectedId);
    await Promise.all([
      this.patients.refresh(),
      this.studies.refresh(),
      this.series.refresh(),
      this.images.refresh(),
      this.flat.refresh(),
    ]);
    const levels = ['patients', 'studies', 'series'] as const;
    const gone = levels.findIndex(
      (level, i) => before[i] !== null && this[level].selectedId === null,
    );
    if (gone >= 0) this.#clearBelow((['studies', 'series', 'images'] as const)[gone]!);
  }

  #levels(): PagedList<{ id: number }>[] {
    return [this.patients, this.studies, this.series, this.images];
  }

  #clearBelow(level: 'patients' | 'studies' | 'series' | 'images'): void {
    const order = ['studies', 'series', 'images'] as const;
    const start = level === 'patients' ? 0 : order.indexOf(level);
    for (const name of order.slice(start)) void this[name].reset(null);
  }
}
