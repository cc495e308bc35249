/**
 * The retrieve jobs of one connection's server. They live on the server (they outlive the app): this store
 * lists them, follows the running ones (every second while any is queued or running, every 5 s while the PACS
 * screen is shown and the window visible), and starts, cancels, retries and deletes them. `onFinished` is told
 * when a job it saw running has ended, so the browser can show what arrived.
 */
import type {
  Bridge,
  PacsRetrieveMethod,
  RetrieveItemRequest,
  RetrieveJob,
} from '../../src-preload/contract.js';
import { TableSelection } from '../components/table/table-selection.svelte.js';
import type { TableStatus } from '../components/table/types.js';
import { errorMessage } from '../lib/format.js';
import { isActive } from '../lib/pacs/retrieve-view.js';

export const RETRIEVES_FOLLOW_MS = 1000;
export const RETRIEVES_REFRESH_MS = 5000;

export class RetrievesStore {
  connectionId = $state<string | null>(null);
  jobs = $state.raw<RetrieveJob[]>([]);
  status = $state<TableStatus>({ loading: false, loaded: false, error: null });
  readonly selection = new TableSelection();
  selected = $derived(this.jobs.find((j) => j.id === this.selection.active) ?? null);
  active = $derived(this.jobs.some(isActive));
  /** The PACS screen is shown: refresh every 5 s even with nothing running. */
  shown = $state(false);

  #bridge: Bridge;
  #onFinished: (connectionId: string, job: RetrieveJob) => void;
  #request = 0;
  #lastLoad = 0;

  constructor(bridge: Bridge, onFinished: (connectionId: string, job: RetrieveJob) => void) {
    this.#bridge = bridge;
    this.#onFinished = onFinished;
  }

  setConnection(connectionId: string | null): void {
    if (connectionId === this.connectionId) return;
    this.connectionId = connectionId;
    this.#request++;
    this.jobs = [];
    this.status = { loading: false, loaded: false, error: null };
    this.selection.clear();
    void this.load();
  }

  async load(): Promise<void> {
    const connectionId = this.connectionId;
    if (!connectionId) return;
    const mine = ++this.#request;
    this.#lastLoad = Date.now();
    this.status = { ...this.status, loading: true };
    try {
      const jobs = await this.#bridge.invoke('pacs.retrieves', { connectionId });
      if (mine !== this.#request) return;
      this.#apply(connectionId, jobs);
      this.status = { loading: false, loaded: true, error: null };
    } catch (error) {
      if (mine === this.#request)
        this.status = { loading: false, loaded: this.status.loaded, error: errorMessage(error) };
    }
  }

  /** Follows jobs while any runs, and refreshes while the screen is shown; returns the stop function. */
  startFollowing(): () => void {
    const tick = () => {
      if (!this.connectionId || this.status.loading) return;
      const due =
        this.active ||
        (this.shown &&
          document.visibilityState === 'visible' &&
          Date.now() - this.#lastLoad >= RETRIEVES_REFRESH_MS);
      if (due) void this.load();
    };
    const timer = setInterval(tick, RETRIEVES_FOLLOW_MS);
    return () => clearInterval(timer);
  }

  /** Starts a retrieve job on the server; it is listed and selected. */
  async retrieve(
    scuId: number,
    method: PacsRetrieveMethod | undefined,
    items: RetrieveItemRequest[],
  ): Promise<RetrieveJob> {
    const connectionId = this.#require();
    const job = await this.#bridge.invoke('pacs.retrieve', {
      connectionId,
      scuId,
      ...(method ? { method } : {}),
      items,
    });
    this.#replace(connectionId, job);
    this.selection.select(job.id);
    return job;
  }

  async cancel(job: RetrieveJob): Promise<void> {
    const connectionId = this.#require();
    const next = await this.#bridge.invoke('pacs.cancelRetrieve', {
      connectionId,
      retrieveId: job.id,
    });
    this.#replace(connectionId, next);
  }

  /** Runs the job's unfinished items again, on its node or on `scuId`. */
  async retry(job: RetrieveJob, scuId?: number): Promise<void> {
    const connectionId = this.#require();
    const next = await this.#bridge.invoke('pacs.retryRetrieve', {
      connectionId,
      retrieveId: job.id,
      ...(scuId === undefined ? {} : { scuId }),
    });
    this.#replace(connectionId, next);
  }

  async remove(job: RetrieveJob): Promise<void> {
    const connectionId = this.#require();
    await this.#bridge.invoke('pacs.removeRetrieve', { connectionId, retrieveId: job.id });
    if (connectionId === this.connectionId) this.jobs = this.jobs.filter((j) => j.id !== job.id);
  }

  #replace(connectionId: string, job: RetrieveJob): void {
    if (connectionId !== this.connectionId) return;
    const others = this.jobs.filter((j) => j.id !== job.id);
    this.#apply(
      connectionId,
      [job, ...others].sort((a, b) => b.id - a.id),
    );
  }

  /** The new list; jobs seen active before and ended now are reported. */
  #apply(connectionId: string, jobs: RetrieveJob[]): void {
    const before = this.jobs;
    this.jobs = jobs;
    for (const job of jobs) {
      const was = before.find((j) => j.id === job.id);
      if (was && isActive(was) && !isActive(job)) this.#onFinished(connectionId, job);
    }
  }

  #require(): string {
    if (!this.connectionId) throw new Error('No connection is selected.');
    return this.connectionId;
  }
}
