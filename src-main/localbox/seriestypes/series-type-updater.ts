/**
 * Automatic series type assignment (BEHAVIOR.md §20.3), run in the background like the original's actor:
 * `seriesChanged(id)` after an image was added to a series, `allChanged()` after a type or rule was deleted or a
 * rule attribute added/deleted. For each series, all its assignments (manual ones included) are replaced by the
 * types whose rules match the series' first image. `running` is true from the request until the queue is empty
 * (`GET /seriestypes/rules/updatestatus`).
 *
 * Reading the first image and evaluating the rules is CPU work done in a worker (`match`, the engine passes the
 * pool's `seriesTypes.match` job); the assignments are written here, on the main thread.
 */
import type { LogStore } from '../log/log-store.js';
import type { FileStore } from '../storage/file-store.js';
import type { RuleWithAttributes, SeriesTypeStore } from './series-type-store.js';

/** The ids of the series types whose rules match the stored file at `path`. */
export type MatchStoredFile = (
  path: string,
  rulesByType: ReadonlyMap<number, readonly RuleWithAttributes[]>,
) => Promise<number[]>;

const BATCH = 200;

export class SeriesTypeUpdater {
  private readonly pending = new Set<number>();
  private allPending = false;
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: SeriesTypeStore,
    private readonly files: FileStore,
    private readonly log: LogStore,
    private readonly match: MatchStoredFile,
  ) {}

  get running(): boolean {
    return this.loop !== undefined;
  }

  seriesChanged(seriesId: number): void {
    if (this.stopped) return;
    this.pending.add(seriesId);
    this.kick();
  }

  allChanged(): void {
    if (this.stopped) return;
    this.allPending = true;
    this.pending.clear();
    this.kick();
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Stops processing (the database is about to close); queued work is dropped. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    this.allPending = false;
  }

  private kick(): void {
    if (this.loop) return;
    this.loop = (async () => {
      try {
        // Let the request that triggered the update finish first.
        await new Promise((resolve) => setImmediate(resolve));
        await this.drain();
      } finally {
        this.loop = undefined;
      }
    })();
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (this.allPending || this.pending.size > 0)) {
      if (this.allPending) {
        this.allPending = false;
        await this.updateAll();
        continue;
      }
      const [seriesId] = this.pending;
      if (seriesId === undefined) break;
      this.pending.delete(seriesId);
      await this.updateSeries(seriesId, this.store.allRules());
    }
  }

  private async updateAll(): Promise<void> {
    const rules = this.store.allRules();
    let after = 0;
    for (;;) {
      // A newer "all" request restarts the pass with the current rules.
      if (this.stopped || this.allPending) return;
      const ids = this.store.seriesIds(after, BATCH);
      if (ids.length === 0) return;
      for (const id of ids) {
        if (this.stopped || this.allPending) return;
        this.pending.delete(id);
        await this.updateSeries(id, rules);
      }
      after = ids[ids.length - 1] ?? after;
    }
  }

  private async updateSeries(
    seriesId: number,
    rules: ReadonlyMap<number, readonly RuleWithAttributes[]>,
  ): Promise<void> {
    try {
      if (rules.size === 0) {
        this.store.unassignAll(seriesId);
        return;
      }
      const imageId = this.store.firstImageId(seriesId);
      if (imageId === undefined) return; // the series is gone; its assignments went with it
      const matching = await this.match(this.files.pathOf(imageId), rules);
      if (this.stopped) return;
      this.store.replaceAssignments(seriesId, matching);
    } catch (e) {
      if (this.stopped) return;
      try {
        this.store.unassignAll(seriesId);
        this.log.add(
          'ERROR',
          'System',
          `Series type update of series ${seriesId} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      } catch {
        // the database is closing
      }
    }
  }
}
