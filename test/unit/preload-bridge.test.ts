/**
 * The sandboxed preload (src-preload/index.ts) against a fake `electron`:
 * - `contextBridge.executeInMainWorld` behaves like Electron's: the function is serialized (its source
 *   text is evaluated in another JavaScript world, a `node:vm` context standing in for the page), so it
 *   cannot reach anything outside its own body; the arguments cross as copies whose functions call
 *   back into the preload's world.
 * - `ipcRenderer` records `invoke` and keeps `on`/`removeListener` listeners, called with
 *   `(event, ...args)` as Electron does.
 * - `webUtils.getPathForFile` answers a path for files from disk and '' for files made in JS.
 */
import { createContext, runInContext } from 'node:vm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BRIDGE_GLOBAL, CHANNELS, EVENTS, type Bridge } from '../../src-preload/contract.js';

type IpcListener = (event: unknown, ...args: unknown[]) => void;
interface ExecutionScript {
  func: (...args: unknown[]) => unknown;
  args?: unknown[];
}

const fake = vi.hoisted(() => {
  const ipcListeners = new Map<string, IpcListener[]>();
  const ipcRenderer = {
    invoke: vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => undefined),
    on: vi.fn((channel: string, listener: IpcListener) => {
      ipcListeners.set(channel, [...(ipcListeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    }),
    removeListener: vi.fn((channel: string, listener: IpcListener) => {
      ipcListeners.set(
        channel,
        (ipcListeners.get(channel) ?? []).filter((l) => l !== listener),
      );
      return ipcRenderer;
    }),
  };
  /** The main process's `webContents.send(channel, ...args)` arriving in the preload. */
  const send = (channel: string, ...args: unknown[]) => {
    const event = { sender: ipcRenderer, senderId: 0 };
    for (const listener of ipcListeners.get(channel) ?? []) listener(event, ...args);
  };

  const scripts: ExecutionScript[] = [];
  const exposed: string[] = [];
  const contextBridge = {
    executeInMainWorld: vi.fn((script: ExecutionScript) => {
      scripts.push(script);
    }),
    exposeInMainWorld: vi.fn((key: string) => {
      exposed.push(key);
    }),
  };

  const paths = new WeakMap<object, string>();
  const webUtils = {
    getPathForFile: vi.fn((file: unknown) => {
      if (typeof file !== 'object' || file === null || !('name' in file)) {
        throw new TypeError('Expected a File');
      }
      return paths.get(file) ?? '';
    }),
  };
  return { ipcRenderer, ipcListeners, send, contextBridge, scripts, exposed, webUtils, paths };
});

vi.mock('electron', () => ({
  contextBridge: fake.contextBridge,
  ipcRenderer: fake.ipcRenderer,
  webUtils: fake.webUtils,
}));

/** Copies a value into another world the way contextBridge does: functions become proxies. */
function crossWorld(value: unknown): unknown {
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    return (...args: unknown[]) => fn(...args);
  }
  if (Array.isArray(value)) return value.map(crossWorld);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, crossWorld(v)]));
  }
  return value;
}

/** The page's world: a fresh JavaScript context with its own globals. */
const page = createContext({});
let bridge: Bridge;

beforeAll(async () => {
  await import('../../src-preload/index.js');
  expect(fake.scripts).toHaveLength(1);
  const [script] = fake.scripts;
  // Serialized: only the function's source crosses, evaluated in the page's world.
  const func = runInContext(`(${script?.func.toString()})`, page) as (...args: unknown[]) => void;
  func(...((script?.args ?? []).map(crossWorld) as unknown[]));
  bridge = (page as Record<string, unknown>)[BRIDGE_GLOBAL] as Bridge;
});

afterEach(() => {
  fake.ipcRenderer.invoke.mockReset();
  fake.webUtils.getPathForFile.mockClear();
});

/** A File as Electron gives for a drop from disk (webUtils knows its path), or one made in JS. */
function file(name: string, content: string, path?: string): File {
  const f = new File([content], name);
  if (path !== undefined) fake.paths.set(f, path);
  return f;
}

async function rejection(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; code: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; code?: unknown };
    return { name: e.name, message: e.message, code: e.code };
  }
  throw new Error('expected a rejection');
}

describe('what the preload exposes', () => {
  it('installs the bridge in the page world under BRIDGE_GLOBAL, frozen and fixed', () => {
    expect(fake.contextBridge.executeInMainWorld).toHaveBeenCalledTimes(1);
    expect(fake.exposed).toEqual([]);
    expect(fake.scripts[0]?.args?.[0]).toBe(BRIDGE_GLOBAL);
    expect(BRIDGE_GLOBAL).toBe('sliceboxDesktop');
    expect(Object.keys(bridge).sort()).toEqual(['fileRef', 'invoke', 'on']);
    expect(Object.isFrozen(bridge)).toBe(true);
    const descriptor = Object.getOwnPropertyDescriptor(page, BRIDGE_GLOBAL);
    expect(descriptor).toMatchObject({ writable: false, configurable: false, enumerable: true });
    // The page cannot swap it.
    expect(() => runInContext(`'use strict'; globalThis.${BRIDGE_GLOBAL} = {}`, page)).toThrow();
    expect((page as Record<string, unknown>)[BRIDGE_GLOBAL]).toBe(bridge);
  });

  it('gives the page no ipcRenderer and nothing but the bridge', () => {
    const pageGlobals = runInContext('Object.getOwnPropertyNames(globalThis)', page) as string[];
    expect(pageGlobals).toContain(BRIDGE_GLOBAL);
    expect(pageGlobals).not.toContain('ipcRenderer');
    expect(pageGlobals.filter((n) => /transport|electron|ipc/i.test(n))).toEqual([]);
  });

  it('subscribes once to the event channel of the main side', () => {
    expect([...fake.ipcListeners.keys()]).toEqual(['bridge:event']);
    expect(fake.ipcListeners.get('bridge:event')).toHaveLength(1);
  });
});

describe('bridge.invoke', () => {
  it('calls ipcRenderer.invoke(channel, args) and resolves with the result', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, result: { version: '1.2.3' } });
    const args = { connectionId: 'local', startIndex: 0, count: 10 };
    await expect(bridge.invoke('browse.patients', args)).resolves.toEqual({ version: '1.2.3' });
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledTimes(1);
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith('browse.patients', args);
  });

  it('passes void arguments as undefined and resolves an undefined result', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, result: undefined });
    await expect(bridge.invoke('exports.reveal', { exportId: 'e1' })).resolves.toBeUndefined();
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, result: [] });
    await expect(bridge.invoke('connections.list', undefined)).resolves.toEqual([]);
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith('connections.list', undefined);
  });

  it('rejects with an Error carrying the message and the code of an error reply', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce({
      ok: false,
      error: { code: 'invalid-arguments', message: 'Invalid arguments for connections.check' },
    });
    const promise = bridge.invoke('connections.check', { connectionId: 'local' });
    const error = await rejection(promise);
    expect(error).toEqual({
      name: 'BridgeError',
      message: 'Invalid arguments for connections.check',
      code: 'invalid-arguments',
    });
    // An Error of the page's world (where the renderer's `instanceof Error` runs).
    const caught = await promise.catch((e: unknown) => e);
    expect(runInContext('(e) => e instanceof Error', page)(caught)).toBe(true);
  });

  it('refuses unknown channels without IPC', async () => {
    const invoke = bridge.invoke as (channel: string, args: unknown) => Promise<unknown>;
    for (const channel of ['fs.readFile', '__proto__', 'constructor', 'bridge:event', '']) {
      expect(await rejection(invoke(channel, {})), channel).toMatchObject({
        code: 'unknown-channel',
        message: `Unknown call ${channel}`,
      });
    }
    expect(fake.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('lets every contract channel through', async () => {
    fake.ipcRenderer.invoke.mockResolvedValue({ ok: true, result: 1 });
    const invoke = bridge.invoke as (channel: string, args: unknown) => Promise<unknown>;
    for (const channel of CHANNELS) await expect(invoke(channel, undefined)).resolves.toBe(1);
    expect(fake.ipcRenderer.invoke.mock.calls.map(([c]) => c)).toEqual([...CHANNELS]);
  });

  it('turns an IPC failure into an ipc error', async () => {
    fake.ipcRenderer.invoke.mockRejectedValueOnce(
      new Error("Error invoking remote method 'app.info': Error: No handler registered"),
    );
    expect(await rejection(bridge.invoke('app.info', undefined))).toMatchObject({
      name: 'BridgeError',
      code: 'ipc',
      message: expect.stringContaining('app.info failed: Error invoking remote method') as string,
    });
  });

  it('turns a malformed reply into an internal error', async () => {
    for (const reply of [
      undefined,
      null,
      'ok',
      { result: 1 },
      { ok: 'yes', result: 1 },
      { ok: false },
      { ok: false, error: null },
      { ok: false, error: { code: 1, message: 'x' } },
      { ok: false, error: { code: 'x' } },
    ]) {
      fake.ipcRenderer.invoke.mockResolvedValueOnce(reply);
      expect(await rejection(bridge.invoke('app.info', undefined)), JSON.stringify(reply)).toEqual({
        name: 'BridgeError',
        code: 'internal',
        message: 'Malformed reply to app.info',
      });
    }
  });
});

describe('bridge.on', () => {
  it('delivers only the subscribed event, and unsubscribes', () => {
    const progress: unknown[] = [];
    const status: unknown[] = [];
    const offProgress = bridge.on('imports.progress', (p) => progress.push(p));
    const offStatus = bridge.on('connections.status', (p) => status.push(p));

    fake.send('bridge:event', 'imports.progress', { id: 'j1' });
    fake.send('bridge:event', 'connections.status', { id: 'local' });
    fake.send('bridge:event', 'exports.progress', { id: 'e1' });
    fake.send('bridge:event', 'imports.progressX', { id: 'nope' });
    fake.send('bridge:event', 42, { id: 'nope' });
    fake.send('other-channel', 'imports.progress', { id: 'nope' });
    expect(progress).toEqual([{ id: 'j1' }]);
    expect(status).toEqual([{ id: 'local' }]);

    offProgress();
    fake.send('bridge:event', 'imports.progress', { id: 'j2' });
    fake.send('bridge:event', 'connections.status', { id: 'remote' });
    expect(progress).toEqual([{ id: 'j1' }]);
    expect(status).toEqual([{ id: 'local' }, { id: 'remote' }]);
    offStatus();
    offStatus(); // twice is harmless
  });

  it('never hands the page the IPC event object', () => {
    const seen: unknown[][] = [];
    const off = bridge.on('exports.progress', (...args: unknown[]) => seen.push(args));
    fake.send('bridge:event', 'exports.progress', { id: 'e1' });
    off();
    expect(seen).toEqual([[{ id: 'e1' }]]);
  });

  it('treats the same listener subscribed twice as two subscriptions', () => {
    const got: unknown[] = [];
    const listener = (payload: unknown) => got.push(payload);
    const first = bridge.on('imports.progress', listener);
    const second = bridge.on('imports.progress', listener);
    fake.send('bridge:event', 'imports.progress', 1);
    first();
    fake.send('bridge:event', 'imports.progress', 2);
    second();
    fake.send('bridge:event', 'imports.progress', 3);
    expect(got).toEqual([1, 1, 2]);
  });

  it('keeps delivering to the others when one listener throws', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const got: unknown[] = [];
    const offBad = bridge.on('connections.status', () => {
      throw new Error('listener bug');
    });
    const offGood = bridge.on('connections.status', (p) => got.push(p));
    expect(() => fake.send('bridge:event', 'connections.status', 'x')).not.toThrow();
    expect(got).toEqual(['x']);
    expect(console.error).toHaveBeenCalledTimes(1);
    offBad();
    offGood();
    vi.mocked(console.error).mockRestore();
  });

  it('throws for an unknown event', () => {
    const on = bridge.on as (event: string, listener: () => void) => () => void;
    expect(() => on('fs.changed', () => undefined)).toThrow('Unknown event fs.changed');
    for (const name of EVENTS) on(name, () => undefined)();
  });
});

describe('bridge.fileRef', () => {
  it('resolves a dropped file to its path on disk, name and size', async () => {
    const dropped = file('a.dcm', 'DICM-bytes', '/home/u/scans/a.dcm');
    await expect(bridge.fileRef(dropped)).resolves.toEqual({
      path: '/home/u/scans/a.dcm',
      name: 'a.dcm',
      size: 10,
    });
    expect(fake.webUtils.getPathForFile).toHaveBeenCalledWith(dropped);
    expect(fake.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('rejects a file that is not on this computer with invalid-arguments', async () => {
    expect(await rejection(bridge.fileRef(file('made-in-js.txt', 'x')))).toEqual({
      name: 'BridgeError',
      code: 'invalid-arguments',
      message: 'made-in-js.txt is not a file on this computer',
    });
  });
});
