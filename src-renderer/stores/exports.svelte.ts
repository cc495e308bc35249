/**
 * Exports: starts `exports.start` for a selection, follows `exports.progress`, and in browser mode
 * downloads the finished zip from the host's tokenized `/download/<id>` (an attachment).
 */
import type { Bridge, ExportJob, ExportSelection } from '../../src-preload/contract.js';
import type { ErrorStore } from './errors.svelte.js';

export class ExportStore {
  jobs = $state.raw<ExportJob[]>([]);
  #bridge: Bridge;
  #errors: ErrorStore;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #downloaded = new Set<string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #dismissed = new Set<string>();

  constructor(bridge: Bridge, errors: ErrorStore) {
    this.#bridge = bridge;
    this.#errors = errors;
  }

  start(): () => void {
    const off = this.#bridge.on('exports.progress', (job) => this.#receive(job));
    this.#bridge.invoke('exports.list', undefined).then(
      (jobs) => {
        for (const job of jobs) this.#downloaded.add(job.id);
        this.jobs = jobs;
      },
      () => undefined,
    );
    return off;
  }

  async export(connectionId: string | null, selection: ExportSelection): Promise<void> {
    if (!connectionId || selection.ids.length === 0) return;
    try {
      const job = await this.#bridge.invoke('exports.start', { connectionId, selection });
      this.#receive(job);
    } catch (error) {
      this.#errors.report('Exporting', error);
    }
  }

  async reveal(job: ExportJob): Promise<void> {
    try {
      await this.#bridge.invoke('exports.reveal', { exportId: job.id });
    } catch (error) {
      this.#errors.report('Showing the export', error);
    }
  }

  /** Stops a running export; the service answers the job as `canceled` (no file is left behind). */
  async cancel(job: ExportJob): Promise<void> {
    try {
      this.#receive(await this.#bridge.invoke('exports.cancel', { exportId: job.id }));
    } catch (error) {
      this.#errors.report('Canceling the export', error);
    }
  }

  /** Closes a job's card for good: the service forgets it too, so a reload does not bring it back. */
  async dismiss(job: ExportJob): Promise<void> {
    this.#dismissed.add(job.id);
    this.jobs = this.jobs.filter((j) => j.id !== job.id);
    try {
      await this.#bridge.invoke('exports.dismiss', { exportId: job.id });
    } catch (error) {
      this.#errors.report('Dismissing the export', error);
    }
  }

  /** Starts the browser's download of a finished export (browser mode). */
  download(job: ExportJob): void {
    if (!job.downloadUrl) return;
    const a = document.createElement('a');
    a.href = job.downloadUrl;
    a.download = job.fileName;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
  }

  #receive(job: ExportJob): void {
    // A dismissed job is not shown again, but a running one that finishes is still downloaded.
    if (!job.dismissed && !this.#dismissed.has(job.id)) {
      const others = this.jobs.filter((j) => j.id !== job.id);
      this.jobs = [job, ...others].sort((a, b) => b.created - a.created);
    }
    if (job.state === 'done' && job.downloadUrl && !this.#downloaded.has(job.id)) {
      this.#downloaded.add(job.id);
      this.download(job);
    }
  }
}
