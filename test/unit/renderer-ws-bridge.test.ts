import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_TOKEN_HEADER, type WsServerMessage } from '../../src-preload/contract.js';
import {
  BridgeCallError,
  bridgeSocketUrl,
  createWsBridge,
  tokenFromHash,
  type FetchLike,
  type SocketHandlers,
  type WsBridge,
} from '../../src-renderer/lib/ws-bridge.js';

class FakeSocket {
  sent: unknown[] = [];
  closed = false;
  constructor(
    readonly url: string,
    private readonly handlers: SocketHandlers,
  ) {}
  open(): void {
    this.handlers.onOpen();
  }
  receive(message: WsServerMessage): void {
    this.handlers.onMessage(JSON.stringify(message));
  }
  drop(): void {
    this.handlers.onClose();
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closed = true;
    this.handlers.onClose();
  }
}

const okFetch: FetchLike = async () => ({ ok: true, status: 200, text: async () => '{}' });

function setup(fetchImpl: FetchLike = okFetch) {
  const sockets: FakeSocket[] = [];
  const bridge = createWsBridge({
    url: 'ws://127.0.0.1:1234/bridge?token=t0k',
    token: 't0k',
    stageUrl: '/stage',
    createSocket: (url, handlers) => {
      const socket = new FakeSocket(url, handlers);
      sockets.push(socket);
      return socket;
    },
    fetch: fetchImpl,
    reconnectMs: 100,
    maxReconnectMs: 400,
    queueTimeoutMs: 5000,
  });
  const last = () => sockets[sockets.length - 1]!;
  return { bridge, sockets, last };
}

describe('renderer WebSocket bridge', () => {
  let bridge: WsBridge | undefined;

  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    bridge?.dispose();
    vi.useRealTimers();
  });

  it('queues calls until the socket opens, then sends them in order and resolves results', async () => {
    const s = setup();
    bridge = s.bridge;
    expect(s.last().url).toBe('ws://127.0.0.1:1234/bridge?token=t0k');
    const info = s.bridge.invoke('app.info', undefined);
    const list = s.bridge.invoke('connections.list', undefined);
    expect(s.last().sent).toEqual([]);
    s.last().open();
    expect(s.last().sent).toEqual([
      { type: 'invoke', id: 1, channel: 'app.info', args: null },
      { type: 'invoke', id: 2, channel: 'connections.list', args: null },
    ]);
    s.last().receive({ type: 'result', id: 2, ok: true, result: [] });
    s.last().receive({
      type: 'result',
      id: 1,
      ok: true,
      result: { version: '1', mode: 'browser', dataDir: '/d' },
    });
    await expect(list).resolves.toEqual([]);
    await expect(info).resolves.toEqual({ version: '1', mode: 'browser', dataDir: '/d' });
  });

  it('sends at once when open and passes the arguments through', () => {
    const s = setup();
    bridge = s.bridge;
    s.last().open();
    s.bridge
      .invoke('browse.studies', { connectionId: 'local', startIndex: 0, count: 100, patientId: 7 })
      .catch(() => {}); // rejected by dispose() after the test
    expect(s.last().sent).toEqual([
      {
        type: 'invoke',
        id: 1,
        channel: 'browse.studies',
        args: { connectionId: 'local', startIndex: 0, count: 100, patientId: 7 },
      },
    ]);
  });

  it('rejects with an Error carrying the code when the answer is ok:false', async () => {
    const s = setup();
    bridge = s.bridge;
    s.last().open();
    const call = s.bridge.invoke('connections.check', { connectionId: 'nope' });
    s.last().receive({
      type: 'result',
      id: 1,
      ok: false,
      error: { message: 'No such connection', code: 'not-found' },
    });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeCallError);
    expect(error).toBeInstanceOf(Error);
    expect((error as BridgeCallError).message).toBe('No such connection');
    expect((error as BridgeCallError).code).toBe('not-found');
  });

  it('ignores answers it did not ask for and frames that are not JSON', async () => {
    const s = setup();
    bridge = s.bridge;
    s.last().open();
    const call = s.bridge.invoke('imports.list', undefined);
    s.last().receive({ type: 'result', id: 99, ok: true, result: 'stray' });
    (s.last() as unknown as { handlers: SocketHandlers }).handlers.onMessage('not json');
    s.last().receive({ type: 'result', id: 1, ok: true, result: [] });
    await expect(call).resolves.toEqual([]);
  });

  it('delivers events to their listeners until they unsubscribe', () => {
    const s = setup();
    bridge = s.bridge;
    s.last().open();
    const seen: string[] = [];
    const off = s.bridge.on('connections.status', (info) => seen.push(info.status));
    const other = vi.fn();
    s.bridge.on('imports.progress', other);
    const payload = {
      id: 'local',
      name: 'Local',
      url: 'http://127.0.0.1:1',
      kind: 'local',
      user: 'admin',
      status: 'online',
    };
    s.last().receive({ type: 'event', event: 'connections.status', payload });
    off();
    s.last().receive({ type: 'event', event: 'connections.status', payload });
    expect(seen).toEqual(['online']);
    expect(other).not.toHaveBeenCalled();
  });

  it('a throwing listener does not stop the others', () => {
    const s = setup();
    bridge = s.bridge;
    s.last().open();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const second = vi.fn();
    s.bridge.on('imports.progress', () => {
      throw new Error('boom');
    });
    s.bridge.on('imports.progress', second);
    s.last().receive({ type: 'event', event: 'imports.progress', payload: {} });
    expect(second).toHaveBeenCalledOnce();
    quiet.mockRestore();
  });

  it('rejects in-flight calls when the socket drops, and reconnects with backoff', async () => {
    const s = setup();
    bridge = s.bridge;
    s.last().open();
    const inFlight = s.bridge.invoke('imports.list', undefined);
    s.last().drop();
    const error = await inFlight.catch((e: unknown) => e);
    expect((error as BridgeCallError).code).toBe('disconnected');
    expect(s.sockets).toHaveLength(1);

    // A call made while disconnected waits for the next socket.
    const queued = s.bridge.invoke('connections.list', undefined);
    vi.advanceTimersByTime(99);
    expect(s.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(s.sockets).toHaveLength(2);

    // That attempt fails too: the next delay doubles.
    s.last().drop();
    vi.advanceTimersByTime(199);
    expect(s.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(s.sockets).toHaveLength(3);

    s.last().open();
    expect(s.last().sent).toEqual([
      { type: 'invoke', id: 2, channel: 'connections.list', args: null },
    ]);
    s.last().receive({ type: 'result', id: 2, ok: true, result: [] });
    await expect(queued).resolves.toEqual([]);

    // A successful open resets the backoff.
    s.last().drop();
    vi.advanceTimersByTime(100);
    expect(s.sockets).toHaveLength(4);
  });

  it('caps the reconnect delay', () => {
    const s = setup();
    bridge = s.bridge;
    const delays: number[] = [];
    let elapsed = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = s.sockets.length;
      s.last().drop();
      let waited = 0;
      while (s.sockets.length === before) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      elapsed += waited;
      delays.push(waited);
    }
    expect(delays).toEqual([100, 200, 400, 400, 400]);
    expect(elapsed).toBe(1500);
  });

  it('rejects a queued call with code offline when no connection comes', async () => {
    const s = setup();
    bridge = s.bridge;
    const call = s.bridge.invoke('app.info', undefined);
    vi.advanceTimersByTime(5000);
    const error = await call.catch((e: unknown) => e);
    expect((error as BridgeCallError).code).toBe('offline');
    // It is not sent later.
    s.last().open();
    expect(s.last().sent).toEqual([]);
  });

  it('dispose rejects pending calls and stops reconnecting', async () => {
    const s = setup();
    const call = s.bridge.invoke('app.info', undefined);
    s.bridge.dispose();
    const error = await call.catch((e: unknown) => e);
    expect((error as BridgeCallError).code).toBe('disconnected');
    expect(s.last().closed).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(s.sockets).toHaveLength(1);
    await expect(s.bridge.invoke('app.info', undefined)).rejects.toThrow(/closed/);
  });

  describe('fileRef', () => {
    it('stages the file with the token header and returns the FileRef', async () => {
      const calls: { url: string; init: Parameters<FetchLike>[1] }[] = [];
      const fetchImpl: FetchLike = async (url, init) => {
        calls.push({ url, init });
        return {
          ok: true,
          status: 200,
          text: async () => JSON.stringify({ path: '/staging/1', name: 'a b#.dcm', size: 3 }),
        };
      };
      const s = setup(fetchImpl);
      bridge = s.bridge;
      const file = new File([new Uint8Array([1, 2, 3])], 'a b#.dcm');
      await expect(s.bridge.fileRef(file)).resolves.toEqual({
        path: '/staging/1',
        name: 'a b#.dcm',
        size: 3,
      });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.url).toBe('/stage?name=a%20b%23.dcm');
      expect(calls[0]!.init.method).toBe('POST');
      expect(calls[0]!.init.headers).toEqual({ [BRIDGE_TOKEN_HEADER]: 't0k' });
      expect(calls[0]!.init.body).toBe(file);
    });

    it('throws a clear error with the response text on non-2xx', async () => {
      const s = setup(async () => ({ ok: false, status: 413, text: async () => 'File too large' }));
      bridge = s.bridge;
      const error = await s.bridge
        .fileRef(new File([new Uint8Array(1)], 'big.zip'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('big.zip');
      expect((error as Error).message).toContain('413');
      expect((error as Error).message).toContain('File too large');
    });

    it('rejects an answer that is not a FileRef', async () => {
      const s = setup(async () => ({ ok: true, status: 200, text: async () => '{"path":1}' }));
      bridge = s.bridge;
      await expect(s.bridge.fileRef(new File([], 'x.dcm'))).rejects.toThrow(/unexpected answer/);
    });
  });
});

describe('browser-mode address helpers', () => {
  it('reads the token from the hash', () => {
    expect(tokenFromHash('#token=abc123')).toBe('abc123');
    expect(tokenFromHash('#x=1&token=a%2Bb')).toBe('a+b');
    expect(tokenFromHash('')).toBeNull();
    expect(tokenFromHash('#token=')).toBeNull();
  });

  it('builds the socket URL from the page address', () => {
    expect(bridgeSocketUrl('http:', '127.0.0.1:5173', 'a+b')).toBe(
      'ws://127.0.0.1:5173/bridge?token=a%2Bb',
    );
    expect(bridgeSocketUrl('https:', 'host', 't')).toBe('wss://host/bridge?token=t');
  });
});
