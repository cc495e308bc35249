/**
 * The Patients → Studies → Series → Images drill-down of one connection. Selecting a row loads the next
 * level; the patient list has a server-side filter and sort.
 */
import type {
  Bridge,
  ImageItem,
  PatientItem,
  PatientsRequest,
  SeriesItem,
  StudyItem,
} from '../../src-preload/contract.js';
import type { ErrorStore } from './errors.svelte.js';
import { PagedList } from './paged-list.svelte.js';

export type PatientOrder = NonNullable<PatientsRequest['orderBy']>;

export class BrowseStore {
  connectionId = $state<string | null>(null);
  filter = $state('');
  orderBy = $state<PatientOrder | null>(null);
  orderAscending = $state(true);

  patients: PagedList<PatientItem>;
  studies: PagedList<StudyItem>;
  series: PagedList<SeriesItem>;
  images: PagedList<ImageItem>;

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
  }

  setConnection(connectionId: string | null): void {
    if (connectionId === this.connectionId) return;
    this.connectionId = connectionId;
    this.filter = '';
    void this.reloadPatients();
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
    await this.patients.reset((startIndex, count) => {
      const args: PatientsRequest = { connectionId, startIndex, count };
      if (filter) args.filter = filter;
      if (orderBy) {
        args.orderBy = orderBy;
        args.orderAscending = orderAscending;
      }
      return this.#bridge.invoke('browse.patients', args);
    });
  }

  selectPatient(id: number | null): void {
    if (this.patients.selectedId === id && this.studies.active) return;
    this.patients.selectedId = id;
    this.#clearBelow('studies');
    const connectionId = this.connectionId;
    if (id === null || !connectionId) return;
    void this.studies.reset((startIndex, count) =>
      this.#bridge.invoke('browse.studies', { connectionId, startIndex, count, patientId: id }),
    );
  }

  selectStudy(id: number | null): void {
    if (this.studies.selectedId === id && this.series.active) return;
    this.studies.selectedId = id;
    this.#clearBelow('series');
    const connectionId = this.connectionId;
    if (id === null || !connectionId) return;
    void this.series.reset((startIndex, count) =>
      this.#bridge.invoke('browse.series', { connectionId, startIndex, count, studyId: id }),
    );
  }

  selectSeries(id: number | null): void {
    if (this.series.selectedId === id && this.images.active) return;
    this.series.selectedId = id;
    this.#clearBelow('images');
    const connectionId = this.connectionId;
    if (id === null || !connectionId) return;
    void this.images.reset((startIndex, count) =>
      this.#bridge.invoke('browse.images', { connectionId, startIndex, count, seriesId: id }),
    );
  }

  selectImage(id: number | null): void {
    this.images.selectedId = id;
  }

  /** Re-read every open level (after an import added images), keeping selections. */
  async refreshAll(): Promise<void> {
    await Promise.all([
      this.patients.refresh(),
      this.studies.refresh(),
      this.series.refresh(),
      this.images.refresh(),
    ]);
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
