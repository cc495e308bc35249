/**
 * The `sbx-media:` scheme (src-main/app/media-protocol.ts) against a fake `electron` whose `protocol`
 * behaves like Electron's: privileged schemes are recorded, `protocol.handle` keeps one handler per
 * scheme (a second one throws) and a request is a web `Request` answered with a web `Response`.
 */
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { ServiceError } from '../../src-main/services/service-error.js';
import { MediaService, type MediaResponse } from '../../src-main/services/media/media-service.js';
import {
  MEDIA_SCHEME,
  handleMediaProtocol,
  registerMediaScheme,
} from '../../src-main/app/media-protocol.js';

type ProtocolHandler = (request: Request) => Response | Promise<Response>;

const fake = vi.hoisted(() => {
  const handlers = new Map<string, ProtocolHandler>();
  const protocol = {
    registerSchemesAsPrivileged: vi.fn(),
    handle: vi.fn((scheme: string, handler: ProtocolHandler) => {
      if (handlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
      handlers.set(scheme, handler);
    }),
    unhandle: vi.fn((scheme: string) => {
      handlers.delete(scheme);
    }),
  };
  return { handlers, protocol };
});

vi.mock('electron', () => ({ protocol: fake.protocol }));

type Serve = MediaService['serve'];

/** A MediaService stand-in: records what `serve` was given and answers `answer`. */
function fakeMedia(answer: () => MediaResponse) {
  const serve = vi.fn<Serve>(async () => answer());
  return { serve, media: { serve } as unknown as MediaService };
}

const ok = (body: MediaResponse['body'], headers: Record<string, string> = {}): MediaResponse => ({
  status: 200,
  headers: { 'content-type': 'application/dicom', ...headers },
  body,
});

async function request(url: string, init?: RequestInit): Promise<Response> {
  const handler = fake.handlers.get(MEDIA_SCHEME);
  if (!handler) throw new Error('sbx-media is not handled');
  return await handler(new Request(url, init));
}

beforeEach(() => {
  fake.handlers.clear();
});

afterEach(() => {
  vi.clearAllMocks();
});

describe('registerMediaScheme', () => {
  it('registers sbx-media as a standard, secure, fetchable, streamable, CORS-enabled scheme', () => {
    registerMediaScheme();
    expect(fake.protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(fake.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      {
        scheme: 'sbx-media',
        privileges: {
          standard: true,
          secure: true,
          supportFetchAPI: true,
          stream: true,
          corsEnabled: true,
        },
      },
    ]);
    expect(MEDIA_SCHEME).toBe('sbx-media');
  });
});

describe('handleMediaProtocol', () => {
  it('handles only the sbx-media scheme', () => {
    handleMediaProtocol(Promise.resolve(fakeMedia(() => ok('x')).media));
    expect(fake.protocol.handle).toHaveBeenCalledTimes(1);
    expect([...fake.handlers.keys()]).toEqual(['sbx-media']);
  });

  it('answers 404 for another host, without asking the service', async () => {
    const { serve, media } = fakeMedia(() => ok('x'));
    handleMediaProtocol(Promise.resolve(media));
    for (const url of [
      'sbx-media://other/local/images/5.dcm',
      'sbx-media://media.evil/local/images/5.dcm',
      'sbx-media://media:8080/local/images/5.dcm',
    ]) {
      const response = await request(url);
      expect(response.status, url).toBe(404);
    }
    expect(serve).not.toHaveBeenCalled();
  });

  it('answers 404 for methods other than GET and HEAD', async () => {
    const { serve, media } = fakeMedia(() => ok('x'));
    handleMediaProtocol(Promise.resolve(media));
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await request('sbx-media://media/local/images/5.dcm', {
        method,
        ...(method === 'POST' || method === 'PUT' ? { body: 'x' } : {}),
      });
      expect(response.status, method).toBe(404);
    }
    expect(serve).not.toHaveBeenCalled();
  });

  it('answers 400 for a malformed percent-encoding', async () => {
    const { serve, media } = fakeMedia(() => ok('x'));
    handleMediaProtocol(Promise.resolve(media));
    for (const url of [
      'sbx-media://media/local/images/%E0%A4%A.dcm',
      'sbx-media://media/lo%ZZcal/images/5.dcm',
      'sbx-media://media/%/images/5.dcm',
    ]) {
      const response = await request(url);
      expect(response.status, url).toBe(400);
    }
    expect(serve).not.toHaveBeenCalled();
  });

  it('passes the decoded path, the query and the request signal to the service', async () => {
    const { serve, media } = fakeMedia(() => ok('x'));
    handleMediaProtocol(Promise.resolve(media));
    const controller = new AbortController();
    const url =
      'sbx-media://media//my%20box%2Fx/images/17/png?framenumber=2&windowmin=-40&windowmax=400';
    await request(url, { signal: controller.signal });

    expect(serve).toHaveBeenCalledTimes(1);
    const [path, query, signal] = serve.mock.calls[0] ?? [];
    expect(path).toBe('my box/x/images/17/png');
    expect(query).toBeInstanceOf(URLSearchParams);
    expect(Object.fromEntries(query ?? [])).toEqual({
      framenumber: '2',
      windowmin: '-40',
      windowmax: '400',
    });
    // The request's own signal: it aborts when the renderer cancels the fetch.
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(false);
    controller.abort();
    expect(signal?.aborted).toBe(true);
  });

  it('streams a Node Readable body byte for byte, with the service status and headers', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) & 0xff));
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 65_536), bytes.subarray(65_536)];
    const { media } = fakeMedia(() => ({
      status: 206,
      headers: { 'content-type': 'application/dicom', 'x-sbx-source': 'cache' },
      body: Readable.from(chunks),
    }));
    handleMediaProtocol(Promise.resolve(media));
    const response = await request('sbx-media://media/local/images/5.dcm');
    expect(response.status).toBe(206);
    expect(response.headers.get('content-type')).toBe('application/dicom');
    expect(response.headers.get('x-sbx-source')).toBe('cache');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('sends a string body as text', async () => {
    const { media } = fakeMedia(() => ({
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: 'No such media — ünïcode',
    }));
    handleMediaProtocol(Promise.resolve(media));
    const response = await request('sbx-media://media/nothing');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('No such media — ünïcode');
    expect(Object.fromEntries(response.headers)).toEqual({
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'access-control-allow-origin': '*',
    });
  });

  it('answers HEAD with the headers and no body, releasing the body stream', async () => {
    const stream = Readable.from([Buffer.from('DICM')]);
    const { serve, media } = fakeMedia(() => ok(stream, { 'content-length': '4' }));
    handleMediaProtocol(Promise.resolve(media));
    const response = await request('sbx-media://media/local/images/5.dcm', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.body).toBeNull();
    expect(response.headers.get('content-length')).toBe('4');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(serve).toHaveBeenCalledTimes(1);
    // Not left open (for a cached image it would be a file descriptor) until garbage collection.
    expect(stream.destroyed).toBe(true);
  });

  it('overrides a service access-control-allow-origin header', async () => {
    const { media } = fakeMedia(() =>
      ok('x', { 'access-control-allow-origin': 'https://a.example' }),
    );
    handleMediaProtocol(Promise.resolve(media));
    const response = await request('sbx-media://media/local/images/5.dcm');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('waits for the media service while the services start', async () => {
    let resolveMedia!: (media: MediaService) => void;
    handleMediaProtocol(new Promise<MediaService>((resolve) => (resolveMedia = resolve)));
    let settled = false;
    const pending = request('sbx-media://media/local/images/5.dcm').then((response) => {
      settled = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    resolveMedia(fakeMedia(() => ok('late')).media);
    expect(await (await pending).text()).toBe('late');
  });
});

describe('handleMediaProtocol with the real MediaService', () => {
  const dicom = Buffer.from('\0'.repeat(128) + 'DICM' + 'rest of the file', 'latin1');

  function realMedia() {
    const opened: { id: number; params?: unknown }[] = [];
    const client = {
      openImage: async (id: number) => {
        opened.push({ id });
        return new Response(dicom, { headers: { 'content-length': String(dicom.length) } });
      },
      openImagePng: async (id: number, params: unknown) => {
        opened.push({ id, params });
        return new Response(Buffer.from('PNG!'));
      },
    };
    const connections = {
      client(id: string) {
        if (id !== 'local') throw new ServiceError('not-found', `No connection ${id}`);
        return client;
      },
      noteFailure: vi.fn(),
    } as unknown as ConnectionService;
    const media = new MediaService(connections, (path) => `${MEDIA_SCHEME}://media/${path}`);
    return { media, opened };
  }

  it('serves an image URL that media.imageUrls built, end to end', async () => {
    const { media, opened } = realMedia();
    handleMediaProtocol(Promise.resolve(media));
    const { dicomUrl, pngUrl } = media.imageUrls('local', 12);

    const response = await request(dicomUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/dicom');
    expect(response.headers.get('content-length')).toBe(String(dicom.length));
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(Buffer.from(await response.arrayBuffer()).equals(dicom)).toBe(true);

    const png = await request(`${pngUrl}?framenumber=3&imageheight=256`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(await png.text()).toBe('PNG!');
    expect(opened).toEqual([{ id: 12 }, { id: 12, params: { framenumber: 3, imageheight: 256 } }]);
  });

  it("answers the service's 404 and 400", async () => {
    const { media, opened } = realMedia();
    handleMediaProtocol(Promise.resolve(media));
    expect((await request('sbx-media://media/local/images/x.dcm')).status).toBe(404);
    expect((await request('sbx-media://media/remote/images/5.dcm')).status).toBe(404);
    expect((await request('sbx-media://media/local/images/5/png?windowmin=abc')).status).toBe(400);
    expect(opened).toEqual([]);
  });
});
