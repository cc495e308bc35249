/**
 * The one storage procedure shared by every ingestion path (BEHAVIOR.md §6.1): parse and validate a temporary
 * file, then in ONE database transaction upsert the metadata, record the series source, let the caller record
 * path-specific rows (e.g. import-session counters), and rename the file into place; commit last.
 * On any failure nothing is left behind: the temp file is removed and the transaction rolled back.
 */
import type { Database } from 'better-sqlite3';
import type { KeyLookup } from '../anonymization/index.js';
import { reverseAnonymizeOnReceipt } from '../anonymization-store/reverse-on-receipt.js';
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
  /** Runs inside the storage transaction before the metadata upsert (e.g. modify deletes the old image here). */
  beforeUpsert?: () => void;
  /** Runs inside the storage transaction after the metadata upsert (throwing aborts the whole store). */
  withinTransaction?: (result: UpsertResult) => void;
  /**
   * Receiving paths (uploads, JPEG, imports, SCP, directory, box receipt) set this; in-place anonymize and modify
   * do not: data flagged PatientIdentityRemoved = YES gets real values back from matching anonymization keys
   * before it is stored (§6.1 step 4, §11.7).
   */
  reverseAnonymization?: boolean;
}

export class IngestService {
  constructor(
    private readonly db: Database,
    private readonly files: FileStore,
    private readonly writes: MetadataWrites,
    /** Anonymization keys for reverse anonymization on receipt (required by `reverseAnonymization`). */
    private readonly anonymizationKeys?: KeyLookup,
  ) {}

  /** Tag filters of the source (§6.1 step 3, §19): may rewrite the temp file; resolves true when it did. */
  tagFilter?: (tempPath: string, source: Source) => Promise<boolean>;
  /** Called after every successful store, new or overwritten (the "image added" event, §6.1 step 8, §24). */
  readonly imageAddedListeners: Array<(result: UpsertResult, source: Source) => void> = [];

  /** Stores the DICOM file at `tempPath` (a file in the store's temp folder, consumed by this call). */
  async ingest(tempPath: string, options: IngestOptions): Promise<UpsertResult> {
    let newFileId: number | undefined;
    try {
      let parsed = await parseDicomFile(tempPath);
      if (!acceptedSopClasses(options.sopClasses).has(parsed.sopClassUid)) {
        throw presentationContextError(parsed.sopClassUid, parsed.transferSyntaxUid);
      }
      if (this.tagFilter && (await this.tagFilter(tempPath, options.source)))
        parsed = await parseDicomFile(tempPath);
      if (options.reverseAnonymization) {
        if (!this.anonymizationKeys) throw new Error('reverse anonymization needs the key store');
        if (await reverseAnonymizeOnReceipt(tempPath, parsed.dataSet, this.anonymizationKeys))
          parsed = await parseDicomFile(tempPath);
      }
      const metadata = extractMetadata(parsed.dataSet);
      const stored = this.db.transaction(() => {
        options.beforeUpsert?.();
        const result = this.writes.upsert(metadata, options.source);
        options.withinTransaction?.(result);
        if (result.added) newFileId = result.image.id;
        this.files.commitSync(tempPath, result.image.id);
        return result;
      })();
      for (const listener of this.imageAddedListeners) {
        try {
          listener(stored, options.source);
        } catch {
          // A listener must not turn a committed store into a failure (which would remove the file).
        }
      }
      return stored;
    } catch (e) {
      // The transaction rolled back; a file renamed into place for a new image must not survive it.
      if (newFileId !== undefined) this.files.removeSync(newFileId);
      throw e;
    } finally {
      await this.files.discardTemp(tempPath);
    }
  }
}
