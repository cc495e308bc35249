/**
 * Import jobs (from `imports.start`, `imports.list` and `imports.progress` events), the staging of
 * dropped or picked files before a job starts, and the Imports panel's state: open or folded and its
 * height (remembered across reloads), and the compact notice a new import shows instead of opening it.
 */
import type { Bridge, FileRef, ImportJob } from '../../src-preload/contract.js';
import { errorMessage, importJobName } from '../lib/format.js';
import {
  IMPORT_PANEL_STORAGE_KEY,
  parsePanelPrefs,
  type ImportPanelPrefs,
} from '../lib/import-panel.js';
import { addsImages, isFinished, mergeJobs, relativeName, upsertJob } from '../lib/import-jobs.js';
import type { ErrorStore } from './errors.svelte.js';

export interface StagingProgress {
  name: string;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  failed: { name: string; reason: string }[];
}

/** How many files are staged at once in browser mode (each is one upload to the local host). */
const STAGE_CONCURRENCY = 4;

/** An import started from this window while the panel was folded: shown compactly until dismissed. */
export interface ImportNotice {
  /** The job's name (known before the job exists: files are staged first). */
  name: string;
}

function readPrefs(): ImportPanelPrefs {
  try {
    return parsePanelPrefs(localStorage.getItem(IMPORT_PANEL_STORAGE_KEY));
  } catch {
    return parsePanelPrefs(null);
  }
}

export class ImportStore {
  jobs = $state.raw<ImportJob[]>([]);
  staging = $state<StagingProgress | null>(null);
  #prefs = $state<ImportPanelPrefs>(readPrefs());
  notice = $state<ImportNotice | null>(null);

  #bridge: Bridge;
  #errors: ErrorStore;
  #onImagesAdded: (job: ImportJob) => void;

  constructor(bridge: Bridge, errors: ErrorStore, onImagesAdded: (job: ImportJob) => void) {
    this.#bridge = bridge;
    this.#errors = errors;
    this.#onImagesAdded = onImagesAdded;
  }

  /** The panel is open (otherwise folded to its header). Remembered across reloads. */
  get panelOpen(): boolean {
    return this.#prefs.open;
  }

  set panelOpen(open: boolean) {
    if (open) this.notice = null;
    if (open === this.#prefs.open) return;
    this.#savePrefs({ ...this.#prefs, open });
  }

  /** The open panel's height in pixels (the view clamps it to the window). Remembered. */
  get panelHeight(): number {
    return this.#prefs.height;
  }

  set panelHeight(height: number) {
    if (height === this.#prefs.height) return;
    this.#savePrefs({ ...this.#prefs, height });
  }

  dismissNotice(): void {
    this.notice = null;
  }

  #savePrefs(prefs: ImportPanelPrefs): void {
    this.#prefs = prefs;
    try {
      localStorage.setItem(IMPORT_PANEL_STORAGE_KEY, JSON.stringify(prefs));
    } catch {
      // Storage unavailable: the choice lasts for this session only.
    }
  }

  start(): () => void {
    const off = this.#bridge.on('imports.progress', (job) => this.#receive(job));
    void this.load();
    return off;
  }

  async load(): Promise<void> {
    try {
      const jobs = await this.#bridge.invoke('imports.list', undefined);
      this.jobs = mergeJobs(this.jobs, jobs);
    } catch (error) {
      this.#errors.report('Loading imports', error);
    }
  }

  /**
   * Stage the files, then start one import job for them: into a new import session named after the
   * job, or into the existing session `sessionName` (the Import sessions screen).
   */
  async importFiles(
    files: File[],
    source: 'Drop' | 'Import',
    connectionId: string | null,
    sessionName?: string,
  ): Promise<void> {
    if (files.length === 0) return;
    if (!connectionId) {
      this.#errors.report('Importing', new Error('Choose a connection to import into first.'));
      return;
    }
    if (this.staging) {
      this.#errors.report(
        'Importing',
        new Error('Files are still being prepared; try again when that finishes.'),
      );
      return;
    }
    let name = sessionName ?? importJobName(source, Date.now(), files.length);
    // The name is the import session's: a second drop in the same minute must not share it.
    for (let n = 2; !sessionName && this.jobs.some((j) => j.name === name); n++) {
      name = `${importJobName(source, Date.now(), files.length)} #${n}`;
    }
    const staging: StagingProgress = {
      name,
      filesTotal: files.length,
      filesDone: 0,
      bytesTotal: files.reduce((sum, f) => sum + f.size, 0),
      bytesDone: 0,
      failed: [],
    };
    this.staging = staging;
    // The panel stays as the user left it; when folded, a compact notice follows this import.
    if (!this.panelOpen) this.notice = { name };
    const refs = await this.#stage(files);
    const failed = this.staging?.failed ?? [];
    this.staging = null;
    if (failed.length > 0)
      this.#errors.report(
        'Preparing files for import',
        new Error(
          `${failed.length} of ${files.length} could not be read: ` +
            failed.map((f) => `${f.name} (${f.reason})`).join('; '),
        ),
      );
    if (refs.length === 0) return;
    try {
      const job = await this.#bridge.invoke('imports.start', {
        connectionId,
        name,
        files: refs,
        ...(sessionName ? { sessionName } : {}),
      });
      this.#receive(job);
    } catch (error) {
      this.#errors.report('Starting the import', error);
    }
  }

  async #stage(files: File[]): Promise<FileRef[]> {
    const refs: (FileRef | null)[] = new Array<FileRef | null>(files.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const index = next++;
        const file = files[index]!;
        // Files of a dropped or picked folder keep their path in it (`folder/sub/a.dcm`).
        const name = relativeName(file);
        try {
          refs[index] = { ...(await this.#bridge.fileRef(file)), name };
        } catch (error) {
          this.staging?.failed.push({ name, reason: errorMessage(error) });
        }
        if (this.staging) {
          this.staging.filesDone++;
          this.staging.bytesDone += file.size;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAGE_CONCURRENCY, files.length) }, worker));
    return refs.filter((ref): ref is FileRef => ref !== null);
  }

  #receive(job: ImportJob): void {
    const previous = this.jobs.find((j) => j.id === job.id);
    const next = upsertJob(this.jobs, job);
    if (next === this.jobs) return;
    this.jobs = next;
    if (addsImages(previous, job)) this.#onImagesAdded(job);
  }

  async #control(
    channel: 'imports.pause' | 'imports.resume' | 'imports.cancel' | 'imports.retryFailed',
    jobId: string,
    what: string,
  ): Promise<void> {
    try {
      this.#receive(await this.#bridge.invoke(channel, { jobId }));
    } catch (error) {
      this.#errors.report(what, error);
    }
  }

  pause(jobId: string): Promise<void> {
    return this.#control('imports.pause', jobId, 'Pausing the import');
  }

  resume(jobId: string): Promise<void> {
    return this.#control('imports.resume', jobId, 'Resuming the import');
  }

  cancel(jobId: string): Promise<void> {
    return this.#control('imports.cancel', jobId, 'Cancelling the import');
  }

  retryFailed(jobId: string): Promise<void> {
    return this.#control('imports.retryFailed', jobId, 'Retrying the failed files');
  }

  /**
   * Forgets the finished jobs into `connectionId` here and in the cache (they would come back after a
   * restart otherwise).
   */
  async dismissFinished(connectionId: string | null): Promise<void> {
    if (!connectionId) return;
    this.jobs = this.jobs.filter((j) => !(isFinished(j) && j.connectionId === connectionId));
    try {
      await this.#bridge.invoke('imports.clearFinished', { connectionId });
    } catch (error) {
      this.#errors.report('Clearing finished imports', error);
    }
  }
}
