/**
 * Anonymization of stored images (BEHAVIOR.md §11.1, §11.8): in place (`PUT /images/{id}/anonymize`,
 * `POST /anonymization/anonymize`) and as a returned copy (`POST /images/{id}/anonymized`), with the keys kept in
 * the database.
 *
 * Harmonization (§11.4 step 4) reads existing keys and the new key must be inserted before the next
 * anonymization reads them, so every anonymization runs in one serial queue. In place, the anonymized data goes
 * through the shared ingest procedure (no reverse anonymization) and ONE transaction deletes the old image's rows,
 * stores the new image and inserts its key; the old file is removed after the commit.
 *
 * Threads (issue 9): the anonymization itself runs in a worker, in three steps inside the serial queue — the
 * worker reads the values keys are matched on (`anonymize.keyValues`), the key is looked up here in the database
 * (`prefetchKeyMatch`), and the worker anonymizes with that answer (`anonymize.apply`). The key is inserted here,
 * before the next anonymization looks keys up.
 */
import type { Image, Source } from '../../slicebox/types.js';
import {
  DicomParseError,
  NoSuchOptionError,
  UnsupportedOptionError,
  prefetchKeyMatch,
  resolveProfile,
} from '../anonymization/index.js';
import type { TagValue } from '../anonymization/index.js';
import type { AnonymizeJobResult } from '../codec/jobs.js';
import { DicomError } from '../dicom/errors.js';
import type { IngestService } from '../images/ingest.js';
import type { MetadataQueries } from '../metadata/metadata-queries.js';
import type { MetadataWrites } from '../metadata/metadata-writes.js';
import type { ImageDeletion } from '../modify/image-deletion.js';
import type { CodecRunner } from '../pool/worker-pool.js';
import type { FileStore } from '../storage/file-store.js';
import { newTempPath } from '../storage/temp-path.js';
import { InvalidArgument, NotFound } from '../system/errors.js';
import type { AnonymizationKeyStore } from './key-store.js';

/** The engine services used (the Engine itself satisfies this). */
export interface AnonymizationServiceDeps {
  files: FileStore;
  metadata: MetadataQueries;
  metadataWrites: MetadataWrites;
  ingest: IngestService;
  imageDeletion: ImageDeletion;
  anonymizationKeys: AnonymizationKeyStore;
  codec: CodecRunner;
}

export interface ImageTagValues {
  imageId: number;
  tagValues: readonly TagValue[];
}

/** Runs async tasks one at a time, in call order. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The library's errors as service errors: unknown option → 400 `No such option: X`; CLEAN_PIXEL_DATA /
 * CLEAN_RECOGNIZABLE_VISUAL_FEATURES and unparsable data → 400 `Invalid DICOM data: …` (quirk 9, §11.3).
 */
export function asServiceError(e: unknown): unknown {
  if (e instanceof NoSuchOptionError) return new InvalidArgument(e.message);
  if (e instanceof UnsupportedOptionError || e instanceof DicomParseError)
    return new DicomError(e.message);
  return e;
}

/** Checks a profile before any data is touched (unknown / unsupported options → service errors). */
export function validateProfile(profile: readonly string[]): void {
  try {
    resolveProfile(profile);
  } catch (e) {
    throw asServiceError(e);
  }
}

export class AnonymizationService {
  private readonly queue = new SerialQueue();

  /** `deps` is resolved lazily, so the service can be created while the engine object is being built. */
  constructor(private readonly engine: () => AnonymizationServiceDeps) {}

  private get deps(): AnonymizationServiceDeps {
    return this.engine();
  }

  /** The stored image and its series source; 404 text of §11.8 when either is missing. */
  private sourceOf(imageId: number): { image: Image; source: Source } {
    const image = this.deps.metadata.image(imageId);
    const source = image && this.deps.metadata.seriesSource(image.seriesId);
    if (!image || !source) throw new NotFound(`No image meta data found for image id ${imageId}`);
    return { image, source };
  }

  /**
   * Anonymizes the stored file of `imageId` in a worker with the key harmonization of §11.4 step 4 (the key is
   * looked up here, between the worker's two steps). Must run inside the serial queue.
   */
  private async anonymize(
    imageId: number,
    options: {
      profile: readonly string[];
      tagValues: readonly TagValue[];
      force: boolean;
      outPath?: string;
    },
  ): Promise<AnonymizeJobResult> {
    const { codec, anonymizationKeys, files } = this.deps;
    const path = files.pathOf(imageId);
    const label = `image ${imageId}`;
    // Unknown or unsupported options fail before any data is read (as the library would, first).
    validateProfile(options.profile);
    const { values } = await codec.run(
      'anonymize.keyValues',
      { path, force: options.force },
      { label },
    );
    const lookup = values ? prefetchKeyMatch(anonymizationKeys, 'real', values) : undefined;
    return codec.run(
      'anonymize.apply',
      {
        path,
        profile: options.profile,
        tagValues: options.tagValues,
        force: options.force,
        lookup,
        outPath: options.outPath,
      },
      { label },
    );
  }

  /**
   * `PUT /images/{id}/anonymize`: anonymizes with exactly `profile` (forced), stores the result as a new image
   * with the old series source, deletes the old image; returns the new image. The key is tied to the NEW image
   * id (DECISIONS.md, quirk 9), so it survives the deletion of the original and keeps pseudonyms consistent.
   */
  anonymizeInPlace(
    imageId: number,
    profile: readonly string[],
    tagValues: readonly TagValue[],
  ): Promise<Image> {
    return this.queue.run(async () => {
      const { source } = this.sourceOf(imageId);
      const tempPath = newTempPath(this.deps.files);
      let key: AnonymizeJobResult['key'];
      try {
        ({ key } = await this.anonymize(imageId, {
          profile,
          tagValues,
          force: true,
          outPath: tempPath,
        }));
      } catch (e) {
        await this.deps.files.discardTemp(tempPath);
        throw e;
      }
      const stored = await this.deps.ingest.ingest(tempPath, {
        source,
        sopClasses: 'image-data-and-extended',
        beforeUpsert: () => this.deps.metadataWrites.deleteImages([imageId]),
        withinTransaction: (r) => {
          if (key) this.deps.anonymizationKeys.insert(key, r.image.id);
        },
      });
      this.deps.imageDeletion.afterCommit([imageId]);
      return stored.image;
    });
  }

  /**
   * `POST /images/{id}/anonymized`: the anonymized bytes with exactly `profile`; storage untouched except for
   * the key (tied to `imageId`). Already-anonymous data is returned unchanged, without a key.
   */
  anonymizedCopy(
    imageId: number,
    profile: readonly string[],
    tagValues: readonly TagValue[],
  ): Promise<Uint8Array> {
    return this.queue.run(async () => {
      this.sourceOf(imageId);
      const result = await this.anonymize(imageId, { profile, tagValues, force: false });
      if (result.key) this.deps.anonymizationKeys.insert(result.key, imageId);
      if (!result.bytes) throw new Error('the anonymized copy came back without its bytes');
      return result.bytes;
    });
  }

  /**
   * `POST /anonymization/anonymize`: each image in place with `profile` (the caller prepends BASIC_PROFILE);
   * unknown images are skipped. Images come back in completion order, which with the serial queue is request
   * order. A failure other than "not found" fails the request (images done before it stay anonymized).
   */
  async anonymizeBulk(
    profile: readonly string[],
    items: readonly ImageTagValues[],
  ): Promise<Image[]> {
    validateProfile(profile);
    const done: Image[] = [];
    for (const item of items) {
      try {
        done.push(await this.anonymizeInPlace(item.imageId, profile, item.tagValues));
      } catch (e) {
        if (e instanceof NotFound) continue;
        throw e;
      }
    }
    return done;
  }
}
