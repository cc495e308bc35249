/**
 * Image media for the viewer: the DICOM bytes and the server's PNG rendering of one image, fetched with the
 * connection's credentials (which never reach the renderer) and handed to whichever transport serves them:
 * the browser-mode web host (`/media/…`) or Electron's `sbx-media:` protocol. Both call `serve()` with the
 * path after their prefix, so the routes and their checks live here once.
 *
 * Offline: when the services' image store (`services/cache/image-store.ts`) is given, a stored copy is
 * served first (Slicebox image ids are immutable: a modified image gets a new id), and every fetched image
 * is stored, so images once viewed can be viewed again without the server. Responses say which with
 * `x-sbx-source: cache|server`.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ImageMediaUrls } from '../../../src-preload/contract.js';
import { SliceboxHttpError, SliceboxUnreachableError } from '../../slicebox/client.js';
import type { ImageKey, ImageStore } from '../cache/image-store.js';
import type { ConnectionService } from '../connections/connection-service.js';

/** What a transport sends back: a status, headers, and a body stream (or a short text). */
export interface MediaResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable | string;
}

/** Builds the URL the renderer fetches for a media path like `local/images/5.dcm`. */
export type MediaUrlBuilder = (path: string) => string;

const CONNECTION_ID = /^[\w.-]{1,200}$/;
const PNG_PARAMS = ['framenumber', 'windowmin', 'windowmax', 'imageheight'] as const;
const INTEGER = /^-?\d{1,10}$/;

export interface ParsedMediaPath {
  connectionId: string;
  imageId: number;
  kind: 'dicom' | 'png';
}

/** Parses `<connectionId>/images/<id>.dcm` or `<connectionId>/images/<id>/png`; undefined if neither. */
export function parseMediaPath(path: string): ParsedMediaPath | undefined {
  const match = /^([^/]+)\/images\/(\d{1,15})(\.dcm|\/png)$/.exec(path);
  if (!match) return undefined;
  const [, connectionId = '', id = '', suffix] = match;
  if (!CONNECTION_ID.test(connectionId)) return undefined;
  return { connectionId, imageId: Number(id), kind: suffix === '.dcm' ? 'dicom' : 'png' };
}

function text(status: number, message: string): MediaResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: message,
  };
}

export class MediaService {
  constructor(
    private readonly connections: ConnectionService,
    private readonly urlFor: MediaUrlBuilder,
    private readonly store?: ImageStore,
  ) {}

  imageUrls(connectionId: string, imageId: number): ImageMediaUrls {
    this.connections.client(connectionId); // throws not-found for an unknown connection
    const base = `${encodeURIComponent(connectionId)}/images/${imageId}`;
    return { dicomUrl: this.urlFor(`${base}.dcm`), pngUrl: this.urlFor(`${base}/png`) };
  }

  /** Answers one media request; `path` is what follows the transport's prefix, already URL-decoded. */
  async serve(path: string, query: URLSearchParams, signal?: AbortSignal): Promise<MediaResponse> {
    const parsed = parseMediaPath(path);
    if (!parsed) return text(404, 'No such media');
    let client;
    try {
      client = this.connections.client(parsed.connectionId);
    } catch {
      return text(404, 'No such connection');
    }
    const params: Record<string, number> = {};
    if (parsed.kind === 'png') {
      for (const name of PNG_PARAMS) {
        const value = query.get(name);
        if (value === null || value === '') continue;
        if (!INTEGER.test(value)) return text(400, `${name} must be an integer`);
        params[name] = Number(value);
      }
    }
    const key: ImageKey = {
      connectionId: parsed.connectionId,
      imageId: parsed.imageId,
      kind: parsed.kind,
      variant:
        parsed.kind === 'png' ? PNG_PARAMS.map((n) => `${n}=${params[n] ?? ''}`).join('&') : '',
    };
    const headers: Record<string, string> = {
      'content-type': parsed.kind === 'dicom' ? 'application/dicom' : 'image/png',
      'cache-control': 'private, max-age=300',
      'x-content-type-options': 'nosniff',
    };
    const stored = this.store?.get(key);
    if (stored) {
      const body = createReadStream(stored.path);
      signal?.addEventListener('abort', () => body.destroy(), { once: true });
      return {
        status: 200,
        headers: { ...headers, 'content-length': String(stored.size), 'x-sbx-source': 'cache' },
        body,
      };
    }
    try {
      const upstream =
        parsed.kind === 'dicom'
          ? await client.openImage(parsed.imageId)
          : await client.openImagePng(parsed.imageId, params);
      if (this.store) {
        // Stored whole (then served from memory): images are what the viewer shows at once anyway.
        const bytes = new Uint8Array(await upstream.arrayBuffer());
        await this.store.put(key, bytes).catch(() => undefined);
        return {
          status: 200,
          headers: {
            ...headers,
            'content-length': String(bytes.byteLength),
            'x-sbx-source': 'server',
          },
          body: Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]),
        };
      }
      if (!upstream.body) return text(502, 'Empty answer from the server');
      const body = Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream);
      signal?.addEventListener('abort', () => body.destroy(), { once: true });
      const length = upstream.headers.get('content-length');
      if (length) headers['content-length'] = length;
      return { status: 200, headers: { ...headers, 'x-sbx-source': 'server' }, body };
    } catch (error) {
      this.connections.noteFailure(parsed.connectionId, error);
      if (error instanceof SliceboxHttpError) {
        // 501 is Slicebox's "cannot render this"; the renderer shows it as such.
        const status = error.status === 404 || error.status === 501 ? error.status : 502;
        return text(status, error.message);
      }
      if (error instanceof SliceboxUnreachableError) return text(503, error.message);
      return text(500, (error as Error).message);
    }
  }
}
