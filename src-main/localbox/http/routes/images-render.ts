/**
 * Image inspection and rendering (BEHAVIOR.md §10.5-10.7), wired to the rendering library: the stored file is
 * read and handed to `readAttributes`, `readImageInformation` or `renderPng`.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import { MESSAGES } from '../../../slicebox/types.js';
import { DicomError } from '../../dicom/errors.js';
import type { Engine } from '../../engine.js';
import {
  DicomReadError,
  readAttributes,
  readImageInformation,
  renderPng,
  RenderError,
} from '../../rendering/index.js';
import { FileNotFound } from '../../system/errors.js';
import { HttpError } from '../errors.js';
import { param, pathId } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

const ID = ':id(^\\d+$)';
const NOT_IMPLEMENTED =
  'The server does not support the functionality required to fulfill the request.';

/** An optional 32-bit signed integer query parameter (Slicebox reads them as Java ints); else 400. */
export function intParam(request: FastifyRequest, name: string, fallback: number): number {
  const v = param(request, name);
  if (v === undefined) return fallback;
  const n = /^[+-]?\d{1,10}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    throw new HttpError(
      400,
      `The query parameter '${name}' was malformed:\n'${v}' is not a valid 32-bit signed integer value`,
    );
  }
  return n;
}

/** The stored bytes of an image: 404 for an unknown image, 404 `File not found` for a row without file. */
async function storedBytes(engine: Engine, id: number): Promise<Buffer> {
  if (!engine.metadata.image(id)) throw new HttpError(404, MESSAGES.notFound);
  const path = engine.files.pathOf(id);
  try {
    return await readFile(path);
  } catch {
    throw new FileNotFound(path);
  }
}

/** A stored file the reader cannot parse is reported as DICOM failure (400, §4.4). */
function readOrFail<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DicomReadError) throw new DicomError(e.message);
    throw e;
  }
}

export function registerImageRenderRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', `/api/images/${ID}/attributes`, 'user', async (request, reply) => {
    const bytes = await storedBytes(engine, pathId(request));
    return sendJson(
      reply,
      200,
      readOrFail(() => readAttributes(bytes)),
    );
  });

  routes.add('GET', `/api/images/${ID}/imageinformation`, 'user', async (request, reply) => {
    const bytes = await storedBytes(engine, pathId(request));
    return sendJson(
      reply,
      200,
      readOrFail(() => readImageInformation(bytes)),
    );
  });

  routes.add('GET', `/api/images/${ID}/png`, 'user', async (request, reply) => {
    const id = pathId(request);
    const frameNumber = intParam(request, 'framenumber', 1);
    const windowMin = intParam(request, 'windowmin', 0);
    const windowMax = intParam(request, 'windowmax', 0);
    const imageHeight = intParam(request, 'imageheight', 0);
    const bytes = await storedBytes(engine, id);
    let png: Buffer;
    try {
      png = await renderPng(bytes, { frameNumber, windowMin, windowMax, imageHeight });
    } catch (e) {
      if (e instanceof RenderError) {
        request.log.info({ imageId: id, code: e.code }, `PNG rendering failed: ${e.message}`);
        return sendText(reply, 501, NOT_IMPLEMENTED);
      }
      throw e;
    }
    return reply.code(200).type('image/png').send(png);
  });
}
