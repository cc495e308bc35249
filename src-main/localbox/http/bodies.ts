/**
 * Request bodies. JSON routes require `Content-Type: application/json` (else 415) and validate with zod (400).
 * Upload routes stream the body — multipart part `file`, or the raw entity — to a temp file (bounded memory).
 */
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { DicomError } from '../dicom/errors.js';
import type { FileStore } from '../storage/file-store.js';
import type { ReceivedTemp } from '../storage/receive-temp.js';
import { HttpError } from './errors.js';

export const NOT_JSON = Symbol('not-json');

export function isJsonContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

export function jsonBody<T>(request: FastifyRequest, schema: z.ZodType<T>): T {
  if (!isJsonContentType(request.headers['content-type']) || request.body === NOT_JSON) {
    throw new HttpError(
      415,
      "The request's Content-Type is not supported. Expected:\napplication/json",
    );
  }
  if (request.body === undefined)
    throw new HttpError(400, 'Request entity expected but not supplied');
  const result = schema.safeParse(request.body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at '${issue.path.join('.')}'` : '';
    throw new HttpError(
      400,
      `The request content was malformed:\n${issue?.message ?? 'invalid content'}${where}`,
    );
  }
  return result.data;
}

/**
 * An upload received into a temp file (storage/receive-temp.ts). A small one also comes as `bytes`, and its file
 * may still be being written: wait for `written` before reading the file (the ingest does).
 */
export interface Upload extends ReceivedTemp {
  /** The multipart file name, when the upload was multipart. */
  fileName?: string;
}

/**
 * What a failure while reading a multipart body means. The parser's own errors (no or bad boundary, a part cut
 * short, a body that is not multipart at all) are the client's: 400. Errors that already carry a status
 * (DicomError, HttpError, the multipart plugin's 4xx limits) stay as they are, and so do system errors from
 * writing the temp file (a full disk is the server's problem: 500).
 */
export function multipartFailure(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  if (e instanceof DicomError || e instanceof HttpError) return e;
  if (typeof (e as { statusCode?: unknown }).statusCode === 'number') return e;
  if (typeof (e as NodeJS.ErrnoException).syscall === 'string') return e;
  return new HttpError(400, `Malformed multipart request: ${e.message}`);
}

/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
const MAX_BOUNDARY = 70;

/** Refuses a multipart Content-Type whose boundary is missing, empty or too long (400). */
function checkBoundary(contentType: string | undefined): void {
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  const boundary = m ? (m[1] ?? m[2] ?? '') : undefined;
  if (boundary === undefined)
    throw new HttpError(400, 'Malformed multipart request: the Content-Type has no boundary');
  if (boundary.length === 0 || boundary.length > MAX_BOUNDARY) {
    throw new HttpError(
      400,
      `Malformed multipart request: the boundary must be 1 to ${MAX_BOUNDARY} characters long`,
    );
  }
}

/**
 * Receives an upload into the temp folder. A multipart body without a `file` part counts as raw bytes that are
 * not DICOM (BEHAVIOR.md §10.1), so it fails with a DicomError. A malformed multipart body fails with 400 and
 * leaves nothing behind. Resolves when the whole body has arrived; the temp file is on disk when `written`
 * resolves.
 */
export async function receiveUpload(request: FastifyRequest, files: FileStore): Promise<Upload> {
  if (request.isMultipart()) {
    checkBoundary(request.headers['content-type']);
    let upload: Upload | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        if (part.fieldname === 'file' && upload === undefined) {
          upload = { ...(await files.receiveTemp(part.file)), fileName: part.filename };
        } else {
          part.file.resume();
        }
      }
    } catch (e) {
      if (upload) {
        await upload.written.catch(() => undefined);
        await files.discardTemp(upload.path);
      }
      throw multipartFailure(e);
    }
    if (!upload) throw new DicomError('Not a DICOM stream');
    return upload;
  }
  const body = request.body as Readable | undefined;
  if (!body || typeof (body as Partial<Readable>).pipe !== 'function')
    throw new DicomError('Not a DICOM stream: no data');
  return files.receiveTemp(body);
}
