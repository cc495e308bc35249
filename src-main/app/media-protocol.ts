/**
 * Electron's transport for image media: the privileged `sbx-media:` scheme, answered by the same service
 * function as browser mode's `/media/…` routes (MediaService.serve). URLs look like
 * `sbx-media://media/<connectionId>/images/<id>.dcm` or `…/<id>/png?framenumber=…`. The credentials stay in
 * the main process; the renderer only ever sees these URLs (from `media.imageUrls`).
 */
import { protocol } from 'electron';
import { Readable } from 'node:stream';
import type { MediaService } from '../services/media/media-service.js';

export const MEDIA_SCHEME = 'sbx-media';
const MEDIA_HOST = 'media';

/** Must run before the app is ready: makes the scheme fetchable (and streamable) from the renderer. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: MEDIA_SCHEME,
      privileges: {
        standard: true,
        secure: true,
        supportFetchAPI: true,
        stream: true,
        corsEnabled: true,
      },
    },
  ]);
}

/** Answers `sbx-media:` requests of the default session with the media service (once it has started). */
export function handleMediaProtocol(media: Promise<MediaService>): void {
  // A failed start is reported through the bridge ('startup'); requests that await it still see it.
  media.catch(() => undefined);
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== MEDIA_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return new Response('Not found', { status: 404 });
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    } catch {
      return new Response('Bad path', { status: 400 });
    }
    const answer = await (await media).serve(path, url.searchParams, request.signal);
    let body: string | ReadableStream<Uint8Array> | null;
    if (request.method === 'HEAD') {
      // No body is sent: release the stream (an open file, or the server's answer) at once.
      if (typeof answer.body !== 'string') answer.body.destroy();
      body = null;
    } else {
      body =
        typeof answer.body === 'string'
          ? answer.body
          : (Readable.toWeb(answer.body) as unknown as ReadableStream<Uint8Array>);
    }
    return new Response(body, {
      status: answer.status,
      // The renderer's document is a file: page (origin "null"); only our own window uses this session.
      headers: { ...answer.headers, 'access-control-allow-origin': '*' },
    });
  });
}
