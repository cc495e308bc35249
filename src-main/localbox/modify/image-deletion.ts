/**
 * Deleting images (BEHAVIOR.md §6.3, §10.3, §10.4): metadata rows with the empty-parent cleanup in one
 * transaction, then — only after the commit — the stored files, then the "images deleted" event (§24).
 *
 * Files go after the commit so a failed transaction never leaves rows without files; a file whose removal fails
 * after the commit is an orphan that the start-up reconciliation deletes.
 */
import type { MetadataWrites } from '../metadata/metadata-writes.js';
import type { FileStore } from '../storage/file-store.js';

export type ImagesDeletedListener = (imageIds: readonly number[]) => void;

export class ImageDeletion {
  private readonly listeners: ImagesDeletedListener[] = [];

  constructor(
    private readonly writes: MetadataWrites,
    private readonly files: FileStore,
  ) {}

  /** Subscribes to "images deleted" (anonymization key purge, box and forwarding clean-up hook in here). */
  onImagesDeleted(listener: ImagesDeletedListener): void {
    this.listeners.push(listener);
  }

  /** Deletes the images; unknown ids are ignored (idempotent). */
  delete(imageIds: readonly number[]): void {
    const ids = [...new Set(imageIds)];
    if (ids.length === 0) return;
    this.writes.deleteImages(ids);
    this.afterCommit(ids);
  }

  /**
   * For callers that deleted the rows inside their own transaction (modify): removes the files and emits the
   * event. Call only after that transaction committed.
   */
  afterCommit(imageIds: readonly number[]): void {
    for (const id of imageIds) {
      try {
        this.files.removeSync(id);
      } catch {
        // Left for the start-up reconciliation, which removes files without an image row.
      }
    }
    this.emit(imageIds);
  }

  private emit(imageIds: readonly number[]): void {
    for (const listener of this.listeners) {
      try {
        listener(imageIds);
      } catch {
        // A failing consumer must not turn a completed deletion into an error.
      }
    }
  }
}
