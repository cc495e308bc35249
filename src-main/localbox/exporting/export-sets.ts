/**
 * Export sets (BEHAVIOR.md §10.9): lists of image ids kept in memory only, expiring 6 hours after creation and
 * lost on restart. Ids start at 1 and are never reused while the process runs (see DECISIONS.md).
 */

export const EXPORT_SET_LIFETIME_MS = 6 * 60 * 60 * 1000;

interface ExportSet {
  imageIds: number[];
  expires: number;
}

export class ExportSets {
  private readonly sets = new Map<number, ExportSet>();
  private nextId = 1;

  constructor(
    private readonly lifetimeMs = EXPORT_SET_LIFETIME_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores a set (duplicate ids dropped, first occurrence kept, order otherwise preserved); returns its id. */
  create(imageIds: readonly number[]): number {
    this.sweep();
    const id = this.nextId++;
    this.sets.set(id, {
      imageIds: [...new Set(imageIds)],
      expires: this.now() + this.lifetimeMs,
    });
    return id;
  }

  /** The image ids of a live set, or undefined for unknown or expired sets. */
  get(id: number): readonly number[] | undefined {
    this.sweep();
    return this.sets.get(id)?.imageIds;
  }

  get size(): number {
    this.sweep();
    return this.sets.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, set] of this.sets) if (set.expires <= now) this.sets.delete(id);
  }
}
