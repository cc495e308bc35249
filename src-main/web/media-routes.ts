/**
 * Browser mode's media routes on the web host:
 *
 * - `GET /media/<connectionId>/images/<id>.dcm` — the DICOM bytes of an image;
 * - `GET /media/<connectionId>/images/<id>/png?framenumber&windowmin&windowmax&imageheight` — the server's
 *   PNG rendering (the viewer's fallback for syntaxes it cannot decode);
 * - `GET /download/<exportId>` — a finished export zip, as an attachment.
 *
 * Guard: the per-launch bridge token in the `x-bridge-token` header, or the *media token* in the `mt` query
 * parameter. The media token is derived from the bridge token (HMAC), so URLs handed to the renderer (and
 * usable in `<a download>`/workers, where headers cannot be set) never carry the bridge token itself, and a
 * media URL cannot open the bridge. Nothing here logs a URL; responses carry `referrer-policy: no-referrer`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BRIDGE_TOKEN_HEADER } from '../../src-preload/contract.js';
import type { ExportService } from '../services/exports/export-service.js';
import type { MediaService } from '../services/media/media-service.js';

export const MEDIA_TOKEN_PARAM = 'mt';

/** The read-only media capability derived from the bridge token. */
export function mediaTokenFor(bridgeToken: string): string {
  return createHmac('sha256', bridgeToken).update('slicebox-desktop media v1').digest('base64url');
}

/** Builders for the URLs the services hand to the renderer in browser mode (same origin, relative). */
export function browserMediaUrls(bridgeToken: string): {
  mediaUrl: (path: string) => string;
  downloadUrl: (exportId: string) => string;
} {
  const mt = mediaTokenFor(bridgeToken);
  return {
    mediaUrl: (path) => `/media/${path}?${MEDIA_TOKEN_PARAM}=${mt}`,
    downloadUrl: (exportId) =>
      `/download/${encodeURIComponent(exportId)}?${MEDIA_TOKEN_PARAM}=${mt}`,
  };
}

function equal(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface MediaRoutesOptions {
  bridgeToken: string;
  media: () => MediaService | undefined;
  exports: () => ExportService | undefined;
}

/** Answers true when it handled the request (a media or download path), false to let the host go on. */
export type MediaRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export function createMediaRoutes(options: MediaRoutesOptions): MediaRoutes {
  const mediaToken = mediaTokenFor(options.bridgeToken);
  const authorized = (req: IncomingMessage, url: URL): boolean =>
    equal(url.searchParams.get(MEDIA_TOKEN_PARAM), mediaToken) ||
    equal(req.headers[BRIDGE_TOKEN_HEADER] as string | undefined, options.bridgeToken);

  return async (req, res, url) => {
    const isMedia = url.pathname.startsWith('/media/');
    const isDownload = url.pathname.startsWith('/download/');
    if (!isMedia && !isDownload) return false;
    const plain = (status: number, message: string, extra: Record<string, string> = {}) =>
      res
        .writeHead(status, {
          'content-type': 'text/plain; charset=utf-8',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
          ...extra,
        })
        .end(message);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(405, 'Method not allowed', { allow: 'GET, HEAD' });
      return true;
    }
    if (!authorized(req, url)) {
      plain(401, 'Missing or wrong media token');
      return true;
    }
    let rest: string;
    try {
      rest = decodeURIComponent(
        url.pathname.slice(isMedia ? '/media/'.length : '/download/'.length),
      );
    } catch {
      plain(400, 'Bad path');
      return true;
    }

    if (isDownload) {
      const file = options.exports()?.downloadable(rest);
      const info = file ? await stat(file.path).catch(() => undefined) : undefined;
      if (!file || !info) {
        plain(404, 'No such export');
        return true;
      }
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-length': info.size,
        'content-disposition': `attachment; filename="${file.fileName}"`,
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') res.end();
      else await pipeline(createReadStream(file.path), res).catch(() => res.destroy());
      return true;
    }

    const media = options.media();
    if (!media) {
      plain(503, 'Services are starting');
      return true;
    }
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const answer = await media.serve(rest, url.searchParams, abort.signal);
    res.writeHead(answer.status, { ...answer.headers, 'referrer-policy': 'no-referrer' });
    if (typeof answer.body === 'string') {
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    } else if (req.method === 'HEAD') {
      answer.body.destroy();
      res.end();
    } else {
      await pipeline(answer.body, res).catch(() => res.destroy());
    }
    return true;
  };
}
