/**
 * Retrieve jobs: persisted lists of studies/series to retrieve from one PACS node, run in the engine.
 *
 * Life of a job: `queued` → `running` (items one after the other, one association each) → `completed`, `partial`,
 * `failed` or `cancelled` (from its items, `jobStatusOf`). `cancel` on a queued job ends it at once; on a running
 * one it becomes `cancelling`, the running item is asked to stop (C-CANCEL, then abort) and the pending items are
 * cancelled. `retry` puts every item that did not complete back to pending and queues the job again, optionally on
 * another node (an SCU cannot be edited, only replaced). A job that was running when the engine stopped is
 * `interrupted` at the next start (the item that was running too); retry runs it again.
 *
 * Scheduling: one running job per PACS node (a PACS limits the associations of one AE), jobs of different nodes
 * in parallel, queued jobs in creation order. Queued jobs run after a restart.
 *
 * Progress is written at most every PROGRESS_WRITE_MS per job and at the end of each item. Every image stored by the
 * destination SCP (C-MOVE) or received on the association (C-GET) that belongs to a running item counts as
 * `received` (the ingest's "image added" event) and keeps the retrieve from timing out.
 */
import type {
  ScpData,
  Source,
  XPacsError,
  XRetrieveItemRequest,
  XRetrieveJob,
  XRetrieveMethod,
} from '../../slicebox/types.js';
import type { ScuStore } from '../dimse/scu-store.js';
import type { ReceivedTemp } from '../storage/receive-temp.js';
import { NotFound } from '../system/errors.js';
import type { PacsNodeStore } from './pacs-nodes.js';
import { peerName } from './qr-association.js';
import { retrieveItem } from './retrieve-item.js';
import type { Progress, RetrieveItemResult, RetrieveItemRun } from './retrieve-item.js';
import { FINISHED, jobStatusOf } from './retrieve-store.js';
import type { RetrieveStore } from './retrieve-store.js';

const PROGRESS_WRITE_MS = 250;
/** How long a retrieve waits for a destination SCP that is not listening yet (e.g. created a moment ago). */
const SCP_START_WAIT_MS = 2_000;

/** A request the job's state does not allow (the route answers 409). */
export class RetrieveConflict extends Error {
  override readonly name = 'RetrieveConflict';
}

export interface RetrieveServiceDeps {
  scus: ScuStore;
  nodes: PacsNodeStore;
  store: RetrieveStore;
  /** The file store's temp folder (C-GET files in flight). */
  tmpDir: string;
  /** The SCP ingest: stores a received temp file as received by `scp` (consumes it). */
  ingest(received: ReceivedTemp, scp: ScpData): Promise<void>;
  /** Whether the listener of SCP `id` accepts connections (a C-MOVE destination must). */
  scpListening(id: number): boolean;
  log(type: 'INFO' | 'WARN' | 'ERROR', subject: string, message: string): void;
  now?: () => number;
}

interface Running {
  jobId: number;
  scuId: number;
  cancelRequested: boolean;
  item?: {
    position: number;
    scpId: number;
    studyInstanceUid: string;
    seriesInstanceUid: string | null;
    run: RetrieveItemRun;
    received: number;
    progress: Progress;
    dirty: boolean;
  };
  flushTimer?: NodeJS.Timeout;
}

export class RetrieveService {
  private readonly running = new Map<number, Running>();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: RetrieveServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Marks runs cut off by the last shutdown and starts the queued jobs. */
  start(): void {
    const interrupted = this.deps.store.markInterrupted(this.now());
    if (interrupted > 0) {
      this.deps.log(
        'WARN',
        'PACS',
        `${interrupted} retrieve${interrupted === 1 ? ' was' : 's were'} interrupted by the last shutdown and can be retried`,
      );
    }
    this.kick();
  }

  /** Stops at once: running associations are aborted; nothing more is written (the database closes next). */
  stop(): void {
    this.stopped = true;
    for (const r of this.running.values()) {
      clearTimeout(r.flushTimer);
      r.item?.run.abort();
    }
    this.running.clear();
  }

  create(request: {
    scuId: number;
    method?: XRetrieveMethod;
    items: readonly XRetrieveItemRequest[];
  }): XRetrieveJob {
    const scu = this.deps.scus.get(request.scuId);
    if (!scu) throw new NotFound(`SCU with id ${request.scuId} not found`);
    const method = request.method ?? this.deps.nodes.settings(scu.id).retrieveMethod;
    const id = this.deps.store.create({
      scuId: scu.id,
      nodeName: scu.name,
      method,
      items: request.items,
      now: this.now(),
    });
    this.kick();
    return this.job(id);
  }

  job(id: number): XRetrieveJob {
    const job = this.deps.store.job(id);
    if (!job) throw new NotFound(`Retrieve with id ${id} not found`);
    return job;
  }

  list(startIndex: number, count: number): XRetrieveJob[] {
    return this.deps.store.list(startIndex, count);
  }

  cancel(id: number): XRetrieveJob {
    const job = this.job(id);
    if (job.status === 'queued') {
      this.deps.store.endPendingItems(id, 'cancelled', null, this.now());
      this.deps.store.setJob(id, { status: 'cancelled' }, this.now());
      return this.job(id);
    }
    const running = this.running.get(id);
    if (running && !running.cancelRequested) {
      running.cancelRequested = true;
      this.deps.store.setJob(id, { status: 'cancelling' }, this.now());
      running.item?.run.cancel();
      return this.job(id);
    }
    if (job.status === 'cancelling') return job;
    throw new RetrieveConflict(`Retrieve ${id} has already finished (${job.status})`);
  }

  retry(id: number, scuId?: number): XRetrieveJob {
    const job = this.job(id);
    if (!FINISHED.has(job.status))
      throw new RetrieveConflict(
        `Retrieve ${id} is ${job.status}: cancel it or wait until it ends`,
      );
    let nodeChange: { scuId: number; nodeName: string } | undefined;
    if (scuId !== undefined && scuId !== job.scuId) {
      const scu = this.deps.scus.get(scuId);
      if (!scu) throw new NotFound(`SCU with id ${scuId} not found`);
      nodeChange = { scuId: scu.id, nodeName: scu.name };
    }
    const reset = this.deps.store.resetItems(id, ['failed', 'partial', 'cancelled', 'interrupted']);
    if (reset === 0)
      throw new RetrieveConflict(`Retrieve ${id} has nothing to retry: every item completed`);
    this.deps.store.setJob(id, { status: 'queued', ...nodeChange }, this.now());
    this.kick();
    return this.job(id);
  }

  delete(id: number): void {
    const job = this.deps.store.job(id);
    if (!job) return;
    if (!FINISHED.has(job.status))
      throw new RetrieveConflict(`Retrieve ${id} is ${job.status}: cancel it before deleting it`);
    this.deps.store.delete(id);
  }

  /** The ingest's "image added" event: counts images of running items received through their SCP. */
  imageStored(seriesId: number, source: Source): void {
    if (this.stopped || source.sourceType !== 'scp') return;
    let uids: { study: string; series: string } | undefined;
    for (const r of this.running.values()) {
      const item = r.item;
      if (!item || item.scpId !== source.sourceId) continue;
      uids ??= this.deps.store.seriesUids(seriesId);
      if (!uids || uids.study !== item.studyInstanceUid) continue;
      if (item.seriesInstanceUid !== null && uids.series !== item.seriesInstanceUid) continue;
      item.received++;
      item.dirty = true;
      item.run.activity();
      this.scheduleFlush(r);
    }
  }

  /** Starts the oldest queued job of every node that has none running. */
  private kick(): void {
    if (this.stopped) return;
    const busy = new Set([...this.running.values()].map((r) => r.scuId));
    for (const { id, scuId } of this.deps.store.queued()) {
      if (busy.has(scuId) || this.running.has(id)) continue;
      busy.add(scuId);
      const running: Running = { jobId: id, scuId, cancelRequested: false };
      this.running.set(id, running);
      void this.runJob(running).then(
        () => this.finishRun(running),
        (e: unknown) => {
          this.log(
            'ERROR',
            `Retrieve ${id} stopped: ${e instanceof Error ? e.message : String(e)}`,
          );
          this.finishRun(running);
        },
      );
    }
  }

  private finishRun(running: Running): void {
    clearTimeout(running.flushTimer);
    if (this.stopped) return;
    this.running.delete(running.jobId);
    try {
      const job = this.deps.store.job(running.jobId);
      if (job && (job.status === 'running' || job.status === 'cancelling')) {
        this.deps.store.setJob(running.jobId, { status: jobStatusOf(job.items) }, this.now());
      }
    } catch {
      // The database went away (engine closing): the next start marks the job.
    }
    this.kick();
  }

  private async runJob(running: Running): Promise<void> {
    const { store } = this.deps;
    const id = running.jobId;
    store.setJob(id, { status: 'running' }, this.now());
    for (;;) {
      if (this.stopped) return;
      const job = store.job(id);
      if (!job) return;
      const item = job.items.find((i) => i.status === 'pending');
      if (!item) return;
      if (running.cancelRequested) {
        store.endPendingItems(id, 'cancelled', null, this.now());
        return;
      }
      const scu = this.deps.scus.get(job.scuId);
      if (!scu) {
        this.endAll(id, {
          code: 'node-deleted',
          peer: job.nodeName,
          message: `The PACS node ${job.nodeName} (SCU id ${job.scuId}) no longer exists: retry on another node.`,
        });
        return;
      }
      const node = this.deps.nodes.node(scu);
      const peer = { aeTitle: scu.aeTitle, host: scu.host, port: scu.port };
      const destination = node.destination;
      if (!destination) {
        const chosen = node.settings.destinationScpId;
        this.endAll(id, {
          code: 'no-destination',
          peer: peerName(peer),
          message:
            chosen !== null
              ? `The DICOM receiver (SCP id ${chosen}) chosen to receive from ${scu.name} no longer exists: choose another one for this PACS node.`
              : job.method === 'C-MOVE'
                ? 'This box has no DICOM receiver (SCP) to retrieve into: add one (Network → DICOM receivers) and register its AE title, this computer and its port on the PACS as a move destination.'
                : 'C-GET stores what it retrieves as received by a DICOM receiver (SCP) of this box: add one (Network → DICOM receivers; the PACS does not need to know it).',
        });
        return;
      }
      if (job.method === 'C-MOVE' && !(await this.listening(destination.id))) {
        if (this.stopped) return;
        this.endAll(id, {
          code: 'no-destination',
          peer: peerName(peer),
          message: `This box's DICOM receiver ${destination.name} (AE title ${destination.aeTitle.trim()}, port ${destination.port}) is not listening, so the PACS could not deliver to it: its port could not be opened (see the log, subject SCP). Free the port or give the SCP another one.`,
        });
        return;
      }
      if (job.method === 'C-MOVE')
        store.setJob(id, { destinationAeTitle: destination.aeTitle.trim() }, this.now());
      const started = this.now();
      store.setItem(
        id,
        item.index,
        {
          status: 'running',
          started,
          finished: null,
          completed: 0,
          remaining: null,
          failed: 0,
          warning: 0,
          received: 0,
        },
        started,
      );
      const timeoutMs = node.settings.timeoutSeconds * 1000;
      const current: NonNullable<Running['item']> = {
        position: item.index,
        scpId: destination.id,
        studyInstanceUid: item.studyInstanceUid,
        seriesInstanceUid: item.level === 'SERIES' ? item.seriesInstanceUid : null,
        received: 0,
        progress: { completed: 0, remaining: null, failed: 0, warning: 0 },
        dirty: false,
        run: retrieveItem({
          peer,
          callingAeTitle: node.callingAeTitle,
          method: job.method,
          destinationAeTitle: destination.aeTitle.trim(),
          destinationPort: destination.port,
          level: item.level,
          studyInstanceUid: item.studyInstanceUid,
          seriesInstanceUid: item.seriesInstanceUid,
          associationTimeoutMs: timeoutMs,
          inactivityTimeoutMs: timeoutMs,
          getStore: {
            tmpDir: this.deps.tmpDir,
            store: (received) => this.deps.ingest(received, destination),
            logFailure: (uid, reason) =>
              this.deps.log(
                'ERROR',
                'SCP',
                `SCP ${destination.name}: could not store ${uid} from ${scu.aeTitle.trim()} (C-GET, retrieve ${id}): ${reason}`,
              ),
          },
          onProgress: (progress) => {
            current.progress = progress;
            current.dirty = true;
            this.scheduleFlush(running);
          },
        }),
      };
      running.item = current;
      // A cancel that arrived while the item was being set up.
      if (running.cancelRequested) current.run.cancel();
      const result = await current.run.done;
      if (this.stopped) return;
      running.item = undefined;
      clearTimeout(running.flushTimer);
      running.flushTimer = undefined;
      store.setItem(
        id,
        item.index,
        {
          status: result.status,
          completed: result.completed,
          remaining: result.remaining,
          failed: result.failed,
          warning: result.warning,
          received: current.received,
          dimseStatus: result.dimseStatus,
          error: result.error,
          finished: this.now(),
        },
        this.now(),
      );
      this.logItem(id, job.method, scu.name, peerName(peer), item, result, current.received);
    }
  }

  /** Whether SCP `id` listens, waiting a little for one just created (its listener starts in the background). */
  private async listening(id: number): Promise<boolean> {
    for (let waited = 0; ; waited += 50) {
      if (this.deps.scpListening(id)) return true;
      if (waited >= SCP_START_WAIT_MS || this.stopped) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Ends the running and pending items of a job with `error` (a problem every item would have). */
  private endAll(id: number, error: XPacsError): void {
    this.deps.store.endPendingItems(id, 'failed', error, this.now());
    this.log('ERROR', `Retrieve ${id}: ${error.message}`);
  }

  private scheduleFlush(running: Running): void {
    if (running.flushTimer || this.stopped) return;
    running.flushTimer = setTimeout(() => {
      running.flushTimer = undefined;
      const item = running.item;
      if (!item || !item.dirty || this.stopped) return;
      item.dirty = false;
      try {
        this.deps.store.setItem(
          running.jobId,
          item.position,
          { ...item.progress, received: item.received },
          this.now(),
        );
      } catch {
        // The database went away (engine closing).
      }
    }, PROGRESS_WRITE_MS);
    running.flushTimer.unref?.();
  }

  private logItem(
    id: number,
    method: XRetrieveMethod,
    nodeName: string,
    peer: string,
    item: { level: string; studyInstanceUid: string; seriesInstanceUid: string | null },
    result: RetrieveItemResult,
    received: number,
  ): void {
    const what =
      item.level === 'SERIES'
        ? `series ${item.seriesInstanceUid} of study ${item.studyInstanceUid}`
        : `study ${item.studyInstanceUid}`;
    const counts = `${received} images received (PACS: ${result.completed} completed, ${result.failed} failed, ${result.warning} warning)`;
    const head = `Retrieve ${id}: ${method} of ${what} from ${nodeName} (${peer})`;
    switch (result.status) {
      case 'completed':
        return this.log('INFO', `${head} completed: ${counts}`);
      case 'cancelled':
        return this.log('INFO', `${head} cancelled: ${counts}`);
      case 'partial':
        return this.log(
          'WARN',
          `${head} partly failed: ${counts}. ${result.error?.message ?? ''}`.trim(),
        );
      default:
        return this.log(
          'ERROR',
          `${head} failed: ${result.error?.message ?? 'unknown error'} ${counts}`,
        );
    }
  }

  private log(type: 'INFO' | 'WARN' | 'ERROR', message: string): void {
    this.deps.log(type, 'PACS', message);
  }
}
