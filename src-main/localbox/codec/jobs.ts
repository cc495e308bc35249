/**
 * The jobs the workers run: every piece of CPU-heavy DICOM work of the engine, as a function from plain data to
 * plain data (what `postMessage` can carry). Each job is a thin adapter over a pure library — `dicom/` (upload
 * validation and metadata), `rendering/` (PNG, attributes, image information), `anonymization/` (anonymize,
 * reverse), `modify/rewrite.ts`, `jpeg/`, `filtering/apply-filters.ts`, `seriestypes/rule-evaluation.ts`,
 * `dimse/transcode.ts` — plus the file I/O the job needs (reading a stored or temporary file, writing a result
 * file flushed to disk). Nothing here touches the database, HTTP or the engine: values that come from the
 * database (tag filters of a source, anonymization keys) are looked up on the main thread first and passed in
 * (`PrefetchedKeyMatch`), and what must be stored is returned.
 *
 * Library errors leave as service errors (DicomError, InvalidArgument, FileNotFound, RenderError, …), which
 * cross the thread boundary by name (wire-errors.ts).
 */
import { open, readFile } from 'node:fs/promises';
import type { Patient, Study } from '../../slicebox/types.js';
import {
  DicomParseError,
  NoSuchOptionError,
  previewAnonymization,
  UnsupportedOptionError,
  anonymizationKeyValues,
  anonymizeDataset,
  prefetchedKeyLookup,
  reverseAnonymizeDataset,
  reverseKeyValues,
} from '../anonymization/index.js';
import type {
  AnonymizationPreview,
  KeyLevel,
  KeyMatch,
  NewKeyData,
  PrefetchedKeyMatch,
  TagValue,
} from '../anonymization/index.js';
import { DicomError, presentationContextError } from '../dicom/errors.js';
import { extractMetadata, isFlaggedAnonymous } from '../dicom/metadata.js';
import type { DicomMetadata } from '../dicom/metadata.js';
import { validateDicomBytes, validateDicomFile } from '../dicom/parse.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { acceptedSopClasses } from '../dicom/uids.js';
import type { SopClassPolicy } from '../dicom/uids.js';
import { readFileMetaSync } from '../dimse/part10.js';
import type { StoredFileMeta } from '../dimse/part10.js';
import { convertDataset } from '../dimse/transcode.js';
import { filterDicomFile } from '../filtering/apply-filters.js';
import type { SourceFilters } from '../filtering/apply-filters.js';
import { buildSecondaryCapture } from '../jpeg/secondary-capture.js';
import { rewriteWithMappings } from '../modify/rewrite.js';
import type { ResolvedMapping } from '../modify/tag-mapping.js';
import {
  DicomReadError,
  readAttributes,
  readImageInformation,
  renderPng,
} from '../rendering/index.js';
import type { ImageInformation, RenderOptions } from '../rendering/index.js';
import type { FileIdentity } from '../rendering/png-cache.js';
import { matchStoredFile } from '../seriestypes/rule-evaluation.js';
import type { Rule } from '../seriestypes/rule-evaluation.js';
import { FileNotFound, InvalidArgument } from '../system/errors.js';
import { fileSizeError } from './budgets.js';
import { hashPassword, verifyPassword } from './password-hashing.js';
import { readStoredHead } from './stored-head.js';

/** An upload validated and ready to store (§6.1 steps 1-4): what the storage transaction needs. */
export interface PreparedUpload {
  sopClassUid: string;
  transferSyntaxUid: string;
  metadata: DicomMetadata;
  /**
   * Set when reverse anonymization was asked for and the data is flagged anonymous: the anonymized values to look
   * the keys up with (then `ingest.reverse`).
   */
  reverseKeyValues?: Omit<KeyMatch, 'level'>;
}

export interface AnonymizeJobResult {
  key: NewKeyData | null;
  anonymized: boolean;
  matchLevel?: KeyLevel;
  /** The anonymized file, unless it was written to `outPath`. */
  bytes?: Uint8Array;
}

/**
 * Reads a stored file; a missing file is FileNotFound (404 `File not found: <path>`), a file over 2 GiB (more than
 * one buffer holds) a BudgetError (PNG 501, rewrites 400).
 */
async function readStored(path: string): Promise<Uint8Array> {
  return (await readStoredVersion(path)).bytes;
}

/**
 * Reads a stored file through one descriptor, with the identity of that very file (for the PNG cache,
 * rendering/png-cache.ts); a missing file is FileNotFound, one over 2 GiB a BudgetError (as `readStored`).
 */
async function readStoredVersion(path: string): Promise<{ bytes: Uint8Array; file: FileIdentity }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFound(path);
    throw e;
  }
  try {
    const st = await handle.stat({ bigint: true });
    const bytes = await handle.readFile().catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ERR_FS_FILE_TOO_LARGE' ? fileSizeError(Number(st.size)) : e;
    });
    const file = {
      ino: String(st.ino),
      size: String(st.size),
      mtimeNs: String(st.mtimeNs),
      ctimeNs: String(st.ctimeNs),
    };
    return { bytes, file };
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to `path`, flushed to disk before this resolves (result files are stored next). */
async function writeSynced(path: string, bytes: Uint8Array, flags: 'w' | 'wx'): Promise<void> {
  const file = await open(path, flags);
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Errors of the anonymization library as service errors (§11.3, quirk 9). */
function anonymizationError(e: unknown): unknown {
  if (e instanceof NoSuchOptionError) return new InvalidArgument(e.message);
  if (e instanceof UnsupportedOptionError || e instanceof DicomParseError)
    return new DicomError(e.message);
  return e;
}

function withAnonymizationErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw anonymizationError(e);
  }
}

/** A stored file the attribute reader cannot parse is a DICOM failure (400, §4.4). */
function readOrFail<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DicomReadError) throw new DicomError(e.message);
    throw e;
  }
}

function prepared(parsed: ParsedDicom): PreparedUpload {
  return {
    sopClassUid: parsed.sopClassUid,
    transferSyntaxUid: parsed.transferSyntaxUid,
    metadata: extractMetadata(parsed.dataSet),
  };
}

export const JOBS = {
  /**
   * Validates an upload in its temp file (§6.1 steps 1-3): transfer syntax, completeness, the path's SOP
   * classes, then the source's tag filters (the temp file is rewritten when they remove anything). With
   * `reverse`, data flagged anonymous also yields the values to look its anonymization key up with.
   */
  async 'ingest.prepare'(input: {
    path: string;
    /** The file's bytes, when the upload was received into memory (the file may still be being written). */
    bytes?: Uint8Array | undefined;
    sopClasses: SopClassPolicy;
    filters?: SourceFilters | undefined;
    reverse: boolean;
  }): Promise<PreparedUpload> {
    if (input.bytes && input.filters)
      throw new Error('tag filters rewrite the file: pass no bytes');
    let parsed = input.bytes
      ? await validateDicomBytes(input.bytes)
      : await validateDicomFile(input.path);
    if (!acceptedSopClasses(input.sopClasses).has(parsed.sopClassUid))
      throw presentationContextError(parsed.sopClassUid, parsed.transferSyntaxUid);
    if (input.filters && (await filterDicomFile(input.path, input.filters)))
      parsed = await validateDicomFile(input.path);
    const out = prepared(parsed);
    if (input.reverse && isFlaggedAnonymous(parsed.dataSet)) {
      const bytes = input.bytes ?? (await readFile(input.path));
      const values = withAnonymizationErrors(() => reverseKeyValues(bytes));
      if (values) out.reverseKeyValues = values;
    }
    return out;
  },

  /**
   * Reverse anonymization on receipt (§6.1 step 4, §11.7) with the key found on the main thread: the temp file is
   * rewritten with the real values (flushed) and validated again.
   */
  async 'ingest.reverse'(input: {
    path: string;
    lookup: PrefetchedKeyMatch;
  }): Promise<PreparedUpload & { reversed: boolean }> {
    const bytes = await readFile(input.path);
    const result = withAnonymizationErrors(() =>
      reverseAnonymizeDataset(bytes, { keys: prefetchedKeyLookup(input.lookup) }),
    );
    if (result.reversed) await writeSynced(input.path, result.bytes, 'w');
    return { ...prepared(await validateDicomFile(input.path)), reversed: result.reversed };
  },

  /** `GET /images/{id}/png` (§10.7), with the identity of the file version that was rendered. */
  async 'render.png'(input: {
    path: string;
    options: RenderOptions;
  }): Promise<{ png: Uint8Array; file: FileIdentity }> {
    const { bytes, file } = await readStoredVersion(input.path);
    return { png: await renderPng(bytes, input.options), file };
  },

  /**
   * `GET /images/{id}/attributes` (§10.5), as the JSON body: only the head of the file (up to Pixel Data) is read,
   * and the list, which can be large, is serialized here rather than on the event loop.
   */
  async 'render.attributes'(input: { path: string }): Promise<{ json: Uint8Array }> {
    const bytes = await readStoredHead(input.path);
    const attributes = readOrFail(() => readAttributes(bytes));
    return { json: Buffer.from(JSON.stringify(attributes)) };
  },

  /** `GET /images/{id}/imageinformation` (§10.6), from the head of the file (up to Pixel Data). */
  async 'render.imageInformation'(input: { path: string }): Promise<ImageInformation> {
    const bytes = await readStoredHead(input.path);
    return readOrFail(() => readImageInformation(bytes));
  },

  /** `POST /images/jpeg` (§10.10): the Secondary Capture object of the JPEG, written to `outPath`. */
  async 'jpeg.secondaryCapture'(input: {
    jpegPath: string;
    outPath: string;
    patient: Patient;
    study: Study;
    seriesDescription: string;
  }): Promise<void> {
    const jpeg = await readFile(input.jpegPath);
    const dicom = buildSecondaryCapture({
      jpeg,
      patient: input.patient,
      study: input.study,
      seriesDescription: input.seriesDescription,
    });
    await writeSynced(input.outPath, dicom, 'wx');
  },

  /** `PUT /images/{id}/modify` (§10.8): the stored file rewritten with the mappings, written to `outPath`. */
  async 'modify.rewrite'(input: {
    path: string;
    outPath: string;
    mappings: readonly ResolvedMapping[];
  }): Promise<void> {
    const rewritten = rewriteWithMappings(await readStored(input.path), input.mappings);
    await writeSynced(input.outPath, rewritten, 'wx');
  },

  /**
   * The real values anonymization will look keys up with (§11.4 step 4); none when the data would be returned
   * unchanged (already anonymous, not forced).
   */
  async 'anonymize.keyValues'(input: {
    path: string;
    force: boolean;
  }): Promise<{ values?: Omit<KeyMatch, 'level'> }> {
    const bytes = await readStored(input.path);
    const values = withAnonymizationErrors(() =>
      anonymizationKeyValues(bytes, { force: input.force }),
    );
    return values ? { values } : {};
  },

  /**
   * Anonymizes a stored file (§11.4) with the key found on the main thread; the result goes to `outPath` (in
   * place) or back as bytes (copy), with the key data to insert.
   */
  async 'anonymize.apply'(input: {
    path: string;
    profile: readonly string[];
    tagValues: readonly TagValue[];
    force: boolean;
    lookup?: PrefetchedKeyMatch | undefined;
    outPath?: string | undefined;
  }): Promise<AnonymizeJobResult> {
    const bytes = await readStored(input.path);
    const keys = input.lookup
      ? prefetchedKeyLookup(input.lookup)
      : {
          // Nothing was prefetched because nothing is looked up (already anonymous, not forced).
          findNewestByRealValues: () => undefined,
          findNewestByAnonymizedValues: () => undefined,
        };
    const result = withAnonymizationErrors(() =>
      anonymizeDataset(bytes, {
        profile: input.profile,
        keys,
        tagValues: input.tagValues,
        force: input.force,
      }),
    );
    const out: AnonymizeJobResult = { key: result.key, anonymized: result.anonymized };
    if (result.matchLevel) out.matchLevel = result.matchLevel;
    if (input.outPath !== undefined) await writeSynced(input.outPath, result.bytes, 'wx');
    else out.bytes = result.bytes;
    return out;
  },

  /**
   * The privacy preview of a stored file (desktop extension, DECISIONS.md "Desktop extensions"): what
   * `anonymize.apply` would write, attribute by attribute, with the key found on the main thread; nothing is
   * written anywhere.
   */
  async 'anonymize.preview'(input: {
    path: string;
    profile: readonly string[];
    tagValues: readonly TagValue[];
    force: boolean;
    lookup?: PrefetchedKeyMatch | undefined;
  }): Promise<AnonymizationPreview> {
    const bytes = await readStored(input.path);
    const keys = input.lookup
      ? prefetchedKeyLookup(input.lookup)
      : { findNewestByRealValues: () => undefined, findNewestByAnonymizedValues: () => undefined };
    return withAnonymizationErrors(() =>
      previewAnonymization(bytes, {
        profile: input.profile,
        keys,
        tagValues: input.tagValues,
        force: input.force,
      }),
    );
  },

  /** Whether a stored file is flagged PatientIdentityRemoved = YES (§11.1); only its head is parsed. */
  async 'image.identityRemoved'(input: { path: string }): Promise<{ identityRemoved: boolean }> {
    return { identityRemoved: isFlaggedAnonymous((await validateDicomFile(input.path)).dataSet) };
  },

  /**
   * The file meta information of stored files, before an SCU send opens its association (§17): one job reads a
   * few hundred heads with synchronous calls, instead of three thread-pool round trips per file on the event loop.
   * null for a file that cannot be read.
   */
  async fileMetas(input: { paths: readonly string[] }): Promise<(StoredFileMeta | null)[]> {
    return input.paths.map((path) => readFileMetaSync(path) ?? null);
  },

  /** An uncompressed dataset re-encoded for an SCU peer that did not accept its own syntax (§17). */
  async transcode(input: {
    bytes: Uint8Array;
    meta: StoredFileMeta;
    toTs: string;
  }): Promise<{ bytes: Uint8Array }> {
    const bytes = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    return { bytes: convertDataset(bytes, input.meta, input.toTs) };
  },

  /** bcrypt check of a password (users/pooled-passwords.ts); a malformed hash is a wrong password. */
  async 'password.verify'(input: { password: string; hash: string }): Promise<{ ok: boolean }> {
    return { ok: await verifyPassword(input.password, input.hash) };
  },

  /** bcrypt hash (cost 10, `$2a$`) of a new password. */
  async 'password.hash'(input: { password: string }): Promise<{ hash: string }> {
    return { hash: await hashPassword(input.password) };
  },

  /** Series type rules against the first image of a series (§20.3): the ids of the matching types. */
  async 'seriesTypes.match'(input: {
    path: string;
    rulesByType: ReadonlyMap<number, readonly Rule[]>;
  }): Promise<number[]> {
    return matchStoredFile(input.path, input.rulesByType);
  },
};

export type Jobs = typeof JOBS;
export type JobKind = keyof Jobs;
export type JobInput<K extends JobKind> = Parameters<Jobs[K]>[0];
export type JobOutput<K extends JobKind> = Awaited<ReturnType<Jobs[K]>>;
