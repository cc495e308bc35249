/**
 * Image inspection and rendering (BEHAVIOR.md §10.5-10.7): the stored file is read and handed to
 * `readAttributes`, `readImageInformation` or `renderPng` in a worker (codec/jobs.ts `render.*`).
 *
 * A file the attribute reader cannot parse is 400 `Invalid DICOM data: …` (§4.4); every rendering failure is
 * 501 (§10.7) — with Akka's default text, or, when a budget stopped the rendering (decoded size, inflated size,
 * time or memory limit), with the text that names the limit (DECISIONS.md).
 *
 * Rendered PNGs are kept in a bounded cache keyed by the identity of the file version they were rendered from
 * (rendering/png-cache.ts): the same request for an unchanged file is answered from it after one `stat`.
 */
import { stat } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MESSAGES } from '../../../slicebox/types.js';
import { BudgetError } from '../../codec/budgets.js';
import type { Engine } from '../../engine.js';
import { RenderError } from '../../rendering/index.js';
import { PngCache } from '../../rendering/png-cache.js';
import type { FileIdentity } from '../../rendering/png-cache.js';
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

/**
 * The stored file of an image: 404 for an unknown image. A row without file is 404 `File not found` (FileNotFound
 * raised by the job that reads it).
 */
function storedPath(engine: Engine, id: number): string {
  if (!engine.metadata.image(id)) throw new HttpError(404, MESSAGES.notFound);
  return engine.files.pathOf(id);
}

/** The identity of the file at `path` now (see png-cache.ts), or undefined when it cannot be read. */
async function currentVersion(path: string): Promise<FileIdentity | undefined> {
  try {
    const st = await stat(path, { bigint: true });
    return {
      ino: String(st.ino),
      size: String(st.size),
      mtimeNs: String(st.mtimeNs),
      ctimeNs: String(st.ctimeNs),
    };
  } catch {
    // Missing or unreadable: the rendering job reports it (404 File not found).
    return undefined;
  }
}

export function registerImageRenderRoutes(routes: Routes, engine: Engine): void {
  const pngs = new PngCache();
  engine.ingest.imageAddedListeners.push((result) => {
    if (!result.added) pngs.forget([result.image.id]);
  });
  engine.imageDeletion.onImagesDeleted((ids) => pngs.forget(ids));

  routes.add('GET', `/api/images/${ID}/attributes`, 'user', async (request, reply) => {
    const id = pathId(request);
    const path = storedPath(engine, id);
    const { json } = await engine.codec.run(
      'render.attributes',
      { path },
      { label: `image ${id}` },
    );
    return reply
      .code(200)
      .type('application/json')
      .send(Buffer.from(json.buffer, json.byteOffset, json.byteLength));
  });

  routes.add('GET', `/api/images/${ID}/imageinformation`, 'user', async (request, reply) => {
    const id = pathId(request);
    const path = storedPath(engine, id);
    return sendJson(
      reply,
      200,
      await engine.codec.run('render.imageInformation', { path }, { label: `image ${id}` }),
    );
  });

  routes.add('GET', `/api/images/${ID}/png`, 'user', async (request, reply) => {
    const id = pathId(request);
    const frameNumber = intParam(request, 'framenumber', 1);
    const windowMin = intParam(request, 'windowmin', 0);
    const windowMax = intParam(request, 'windowmax', 0);
    const imageHeight = intParam(request, 'imageheight', 0);
    const path = storedPath(engine, id);
    const params = `${frameNumber}|${windowMin}|${windowMax}|${imageHeight}`;
    const version = await currentVersion(path);
    let png = version && pngs.get(id, version, params);
    if (png) return sendPng(reply, png);
    try {
      const rendered = await engine.codec.run(
        'render.png',
        { path, options: { frameNumber, windowMin, windowMax, imageHeight } },
        { label: `image ${id}` },
      );
      png = rendered.png;
      // Cached under the version the worker read (the name may point to a newer one by now).
      pngs.forgetOtherVersions(id, rendered.file);
      if (engine.metadata.image(id)) pngs.set(id, rendered.file, params, png);
    } catch (e) {
      if (e instanceof RenderError) {
        request.log.info({ imageId: id, code: e.code }, `PNG rendering failed: ${e.message}`);
        return sendText(reply, 501, NOT_IMPLEMENTED);
      }
      if (e instanceof BudgetError) {
        request.log.info({ imageId: id, code: e.code }, `PNG rendering stopped: ${e.message}`);
        return sendText(reply, 501, `Image ${id} cannot be rendered: ${e.message}`);
      }
      throw e;
    }
    return sendPng(reply, png);
  });
}

function sendPng(reply: FastifyReply, png: Uint8Array): FastifyReply {
  return reply
    .code(200)
    .type('image/png')
    .send(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
}
