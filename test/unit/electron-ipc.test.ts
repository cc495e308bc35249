/**
 * The Electron IPC transport (src-main/app/ipc.ts) against a fake `electron` whose ipcMain behaves like
 * Electron's: one handler per channel (a second `handle` throws), `removeHandler` drops it, and an
 * `invoke` from the renderer runs the handler with an IpcMainInvokeEvent (sender, senderFrame). Calls are
 * answered by the real handler table (createHandlerTable + dispatch), so argument validation is real too.
 */
import type { BrowserWindow, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, EVENTS, type AppInfo, type EventName } from '../../src-preload/contract.js';
import {
  createHandlerTable,
  type HandlerTable,
  type Implementation,
} from '../../src-main/services/handlers.js';
import {
  EVENT_CHANNEL,
  eventForwarder,
  isTrustedSender,
  registerIpc,
} from '../../src-main/app/ipc.js';
import { RENDERER_URL } from '../../src-main/app/paths.js';

type InvokeListener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const handlers = new Map<string, InvokeListener>();
  const ipcMain = {
    handle: vi.fn((channel: string, listener: InvokeListener) => {
      // Electron: "Attempted to register a second handler for '<channel>'".
      if (handlers.has(channel)) {
        throw new Error(`Attempted to register a second handler for '${channel}'`);
      }
      handlers.set(channel, listener);
    }),
    removeHandler: vi.fn((channel: string) => {
      handlers.delete(channel);
    }),
  };
  return { handlers, ipcMain };
});

vi.mock('electron', () => ({ ipcMain: fake.ipcMain }));

// ---- fakes of the Electron objects the transport looks at -------------------------------------

interface FakeFrame {
  url: string;
  processId: number;
  routingId: number;
  parent: FakeFrame | null;
}

class FakeWebContents {
  destroyed = false;
  readonly sent: unknown[][] = [];
  readonly mainFrame: FakeFrame;
  constructor(processId: number, url = RENDERER_URL) {
    this.mainFrame = { url, processId, routingId: 1, parent: null };
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push([channel, ...args]);
  }
  /** A subframe (an iframe) of this page. */
  subframe(url = RENDERER_URL): FakeFrame {
    return { url, processId: this.mainFrame.processId, routingId: 7, parent: this.mainFrame };
  }
}

class FakeWindow {
  destroyed = false;
  constructor(readonly webContents: FakeWebContents) {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** BrowserWindow.destroy(): the window and its webContents are gone. */
  destroy(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
  }
}

const asWindow = (window: FakeWindow | null) => window as unknown as BrowserWindow | null;

function invokeEvent(sender: FakeWebContents, frame: FakeFrame | null): IpcMainInvokeEvent {
  return {
    type: 'frame',
    processId: frame?.processId ?? sender.mainFrame.processId,
    frameId: frame?.routingId ?? 0,
    sender: sender as unknown as WebContents,
    senderFrame: frame as unknown as WebFrameMain | null,
  } as IpcMainInvokeEvent;
}

/** What ipcRenderer.invoke(channel, args) does on the main side: runs the channel's handler. */
async function invoke(channel: string, event: IpcMainInvokeEvent, args?: unknown) {
  const listener = fake.handlers.get(channel);
  if (!listener) throw new Error(`No handler registered for '${channel}'`);
  return await listener(event, args);
}

// ---- a real handler table over a small implementation ------------------------------------------

const APP_INFO: AppInfo = { version: '9.8.7', mode: 'electron', dataDir: '/data' };

function implementation(calls: [string, unknown][]): Implementation {
  const impl: Record<string, (args: unknown) => Promise<unknown>> = {};
  for (const channel of CHANNELS) {
    impl[channel] = async (args) => {
      calls.push([channel, args]);
      throw new Error(`${channel} is not part of this test`);
    };
  }
  impl['app.info'] = async (args) => {
    calls.push(['app.info', args]);
    return APP_INFO;
  };
  impl['connections.check'] = async (args) => {
    calls.push(['connections.check', args]);
    const { connectionId } = args as { connectionId: string };
    return { id: connectionId, status: 'online' };
  };
  return impl as unknown as Implementation;
}

let calls: [string, unknown][];
let contents: FakeWebContents;
let window: FakeWindow | null;
let dispose: () => void;

beforeEach(() => {
  calls = [];
  contents = new FakeWebContents(42);
  window = new FakeWindow(contents);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  dispose?.();
  vi.restoreAllMocks();
  fake.ipcMain.handle.mockClear();
  fake.ipcMain.removeHandler.mockClear();
});

function register(
  table: Promise<HandlerTable> = Promise.resolve(createHandlerTable(implementation(calls))),
) {
  dispose = registerIpc(table, () => asWindow(window));
  return dispose;
}

const topFrame = () => invokeEvent(contents, contents.mainFrame);

describe('registerIpc', () => {
  it('registers exactly one handler per contract channel, and the disposer removes them all', () => {
    const stop = register();
    const registered = fake.ipcMain.handle.mock.calls.map(([channel]) => channel);
    expect(registered).toHaveLength(CHANNELS.length);
    expect(new Set(registered)).toEqual(new Set(CHANNELS));
    expect([...fake.handlers.keys()].sort()).toEqual([...CHANNELS].sort());

    stop();
    expect(fake.handlers.size).toBe(0);
    expect(new Set(fake.ipcMain.removeHandler.mock.calls.map(([c]) => c))).toEqual(
      new Set(CHANNELS),
    );
    // Registering again after disposing works (Electron would throw on a leftover handler).
    expect(() => register()).not.toThrow();
  });

  it('dispatches a call from our top frame to the handler table', async () => {
    register();
    expect(await invoke('app.info', topFrame())).toEqual({ ok: true, result: APP_INFO });
    expect(await invoke('connections.check', topFrame(), { connectionId: 'local' })).toEqual({
      ok: true,
      result: { id: 'local', status: 'online' },
    });
    expect(calls).toEqual([
      ['app.info', undefined],
      ['connections.check', { connectionId: 'local' }],
    ]);
  });

  it('accepts the renderer page with a hash or a query (in-app routing)', async () => {
    register();
    for (const url of [`${RENDERER_URL}#/browse/local`, `${RENDERER_URL}?view=1#x`]) {
      contents.mainFrame.url = url;
      expect(await invoke('app.info', topFrame()), url).toMatchObject({ ok: true });
    }
  });

  it('compares frames by process and routing id, not by object identity', async () => {
    register();
    const sameFrame: FakeFrame = { ...contents.mainFrame };
    expect(await invoke('app.info', invokeEvent(contents, sameFrame))).toMatchObject({
      ok: true,
    });
  });

  it('answers invalid arguments with invalid-arguments, before any service runs', async () => {
    register();
    for (const args of [{ connectionId: 5 }, { connectionId: 'local', extra: 1 }, 'local']) {
      const outcome = await invoke('connections.check', topFrame(), args);
      expect(outcome, JSON.stringify(args)).toMatchObject({
        ok: false,
        error: { code: 'invalid-arguments' },
      });
    }
    expect(await invoke('app.info', topFrame(), { surprise: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid-arguments' },
    });
    expect(calls).toEqual([]);
  });

  it("folds a service's own failure into an error reply", async () => {
    register();
    expect(
      await invoke('browse.patients', topFrame(), {
        connectionId: 'local',
        startIndex: 0,
        count: 10,
      }),
    ).toEqual({
      ok: false,
      error: { code: 'internal', message: 'browse.patients is not part of this test' },
    });
  });

  describe('refuses untrusted senders with forbidden, without running the service', () => {
    const forbidden = { ok: false, error: { code: 'forbidden' } };

    async function expectRefused(event: IpcMainInvokeEvent) {
      expect(await invoke('app.info', event)).toMatchObject(forbidden);
      expect(await invoke('connections.check', event, { connectionId: 'local' })).toMatchObject(
        forbidden,
      );
      expect(calls).toEqual([]);
      expect(console.warn).toHaveBeenCalled();
    }

    it('a subframe of our page, even showing the renderer URL', async () => {
      register();
      await expectRefused(invokeEvent(contents, contents.subframe()));
      // Defence in depth: a frame with a parent is refused even if its ids were the top frame's.
      await expectRefused(
        invokeEvent(contents, { ...contents.mainFrame, parent: contents.mainFrame }),
      );
    });

    it('another webContents (another window or a webview) showing the renderer URL', async () => {
      register();
      const other = new FakeWebContents(43);
      await expectRefused(invokeEvent(other, other.mainFrame));
      // Our frame's ids, but sent by the other webContents.
      await expectRefused(invokeEvent(other, contents.mainFrame));
    });

    it('a destroyed window, and no window at all', async () => {
      register();
      const event = topFrame();
      window?.destroy();
      await expectRefused(event);
      window = null;
      await expectRefused(event);
    });

    it('a top-level frame with another process id or routing id', async () => {
      register();
      await expectRefused(
        invokeEvent(contents, { ...contents.mainFrame, processId: 99, parent: null }),
      );
      await expectRefused(
        invokeEvent(contents, { ...contents.mainFrame, routingId: 99, parent: null }),
      );
    });

    it('a frame that navigated away or was destroyed (senderFrame null)', async () => {
      register();
      await expectRefused(invokeEvent(contents, null));
      expect(vi.mocked(console.warn).mock.calls.join('\n')).toContain('a closed frame');
    });

    it('a foreign URL in our top frame', async () => {
      register();
      const foreign = [
        'https://evil.example/index.html',
        'http://127.0.0.1:5173/',
        'file:///etc/passwd',
        RENDERER_URL.replace(/index\.html$/, 'other.html'),
        `${RENDERER_URL}/../../../x/index.html`,
        RENDERER_URL.replace(/^file:/, 'sbx-media:'),
        'about:blank',
        'not a url',
      ];
      for (const url of foreign) {
        contents.mainFrame.url = url;
        const outcome = await invoke('app.info', topFrame());
        expect(outcome, url).toMatchObject(forbidden);
      }
      expect(calls).toEqual([]);
    });
  });

  it('waits for the handler table while the services start', async () => {
    let resolveTable!: (table: HandlerTable) => void;
    register(new Promise<HandlerTable>((resolve) => (resolveTable = resolve)));
    let settled = false;
    const pending = invoke('app.info', topFrame()).then((outcome) => {
      settled = true;
      return outcome;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    resolveTable(createHandlerTable(implementation(calls)));
    expect(await pending).toEqual({ ok: true, result: APP_INFO });
  });

  it('answers startup when the services failed to start', async () => {
    const failed = Promise.reject(new Error('the local box exited (code 1)'));
    failed.catch(() => undefined); // main.ts reports the failure itself
    register(failed);
    expect(await invoke('app.info', topFrame())).toEqual({
      ok: false,
      error: {
        code: 'startup',
        message: 'Slicebox Desktop did not start: the local box exited (code 1)',
      },
    });
    // An untrusted sender is still refused first.
    expect(await invoke('app.info', invokeEvent(contents, contents.subframe()))).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });
});

describe('isTrustedSender', () => {
  it('is true only for the top frame of the live window showing the renderer', () => {
    expect(isTrustedSender(topFrame(), asWindow(window))).toBe(true);
    expect(isTrustedSender(topFrame(), null)).toBe(false);
    expect(isTrustedSender(invokeEvent(contents, contents.subframe()), asWindow(window))).toBe(
      false,
    );
  });
});

describe('eventForwarder', () => {
  it('forwards every known event to the window on the event channel', () => {
    const emit = eventForwarder(() => asWindow(window));
    for (const name of EVENTS) emit(name, { name });
    expect(contents.sent).toEqual(EVENTS.map((name) => [EVENT_CHANNEL, name, { name }]));
    expect(EVENT_CHANNEL).toBe('bridge:event');
  });

  it('drops unknown events', () => {
    const emit = eventForwarder(() => asWindow(window));
    emit('fs.changed' as EventName, { path: '/etc' });
    emit('__proto__' as EventName, {});
    expect(contents.sent).toEqual([]);
  });

  it('never sends to a missing or destroyed window, or a destroyed webContents', () => {
    const emit = eventForwarder(() => asWindow(window));
    const saved = window;
    window = null;
    expect(() => emit('imports.progress', {})).not.toThrow();

    window = saved;
    contents.destroyed = true; // the renderer crashed / was torn down before the window
    expect(() => emit('imports.progress', {})).not.toThrow();

    window?.destroy();
    expect(() => emit('connections.status', {})).not.toThrow();
    expect(contents.sent).toEqual([]);
  });

  it('follows the current window (a window re-created after close gets the events)', () => {
    const emit = eventForwarder(() => asWindow(window));
    window?.destroy();
    const next = new FakeWebContents(50);
    window = new FakeWindow(next);
    emit('exports.progress', { id: 'e1' });
    expect(next.sent).toEqual([[EVENT_CHANNEL, 'exports.progress', { id: 'e1' }]]);
  });
});
