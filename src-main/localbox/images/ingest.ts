/**
 * The one storage procedure shared by every ingestion path (BEHAVIOR.md §6.1): parse and validate a temporary
 * file, then in ONE database transaction upsert the metadata, record the series source, let the caller record
 * path-specific rows (e.g. import-session counters), and rename the file into place; commit last.
 * On any failure nothing is left behind: the temp file is removed and the transaction rolled back.
 */
import type { Database } from 'better-sqlite3';
import type { Source } from '../../slicebox/types.js';
import { presentationContextError } from '../dicom/errors.js';
import { extractMetadata } from '../dicom/metadata.js';
import { parseDicomFile } from '../dicom/parse.js';
import { acceptedSopClasses } from '../dicom/uids.js';
import type { SopClassPolicy } from '../dicom/uids.js';
import type { MetadataWrites, UpsertResult } from '../metadata/metadata-writes.js';
import type { FileStore } from '../storage/file-store.js';

export interface IngestOptions {
  source: Source;
  sopClasses: SopClassPolicy;
  /** Runs inside the storage transaction after the metadata upsert (throwing aborts the whole store). */
  withinTransaction?: (result: UpsertResult) => void;
}

export class IngestService {
  constructor(
    private readonly db: Database,
    private readonly files: FileStore,
    private readonly writes: MetadataWrites,
  ) {}

  /** Stores the DICOM file at `tempPath` (a file in the store's temp folder, consumed by this call). */
  async ingest(tempPath: string, options: IngestOptions): Promise<UpsertResult> {
    let newFileId: number | undefined;
    try {
      const parsed = await parseDicomFile(tempPath);
      if (!acceptedSopClasses(options.sopClasses).has(parsed.sopClassUid)) {
        throw presentationContextError(parsed.sopClassUid, parsed.transferSyntaxUid);
      }
      const metadata = extractMetadata(parsed.dataSet);
      return this.db.transaction(() => {
        const result = this.writes.upsert(metadata, options.source);
        options.withinTransaction?.(result);
        if (result.added) newFileId = result.image.id;
        this.files.commitSync(tempPath, result.image.id);
        return result;
      })();
    } catch (e) {
      // The transaction rolled back; a file renamed into place for a new image must not survive it.
      if (newFileId !== undefined) this.files.removeSync(newFileId);
      throw e;
    } finally {
      await this.files.discardTemp(tempPath);
    }
  }
}
