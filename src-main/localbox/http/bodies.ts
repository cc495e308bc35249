/**
 * Request bodies. JSON routes require `Content-Type: application/json` (else 415) and validate with zod (400).
 * Upload routes stream the body — multipart part `file`, or the raw entity — to a temp file (bounded memory).
 */
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { DicomError } from '../dicom/errors.js';
import type { FileStore } from '../storage/file-store.js';
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

export interface Upload {
  tempPath: string;
  /** The multipart file name, when the upload was multipart. */
  fileName?: string;
}

/**
 * Receives an upload into the temp folder. A multipart body without a `file` part counts as raw bytes that are
 * not DICOM (BEHAVIOR.md §10.1), so it fails with a DicomError.
 */
export async function receiveUpload(request: FastifyRequest, files: FileStore): Promise<Upload> {
  if (request.isMultipart()) {
    let upload: Upload | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        if (part.fieldname === 'file' && upload === undefined) {
          upload = { tempPath: await files.writeTemp(part.file), fileName: part.filename };
        } else {
          part.file.resume();
        }
      }
    } catch (e) {
      if (upload) await files.discardTemp(upload.tempPath);
      throw e;
    }
    if (!upload) throw new DicomError('Not a DICOM stream');
    return upload;
  }
  const body = request.body as Readable | undefined;
  if (!body || typeof (body as Partial<Readable>).pipe !== 'function')
    throw new DicomError('Not a DICOM stream: no data');
  return { tempPath: await files.writeTemp(body) };
}
