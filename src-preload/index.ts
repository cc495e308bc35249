/**
 * The sandboxed preload: puts the bridge (see ./contract.ts) on `window.sliceboxDesktop` over
 * Electron IPC. Bundled to CommonJS (out/preload/index.cjs), as sandboxed preloads must be.
 *
 * contextBridge copies an Error that crosses worlds with its message only: a `code` would be lost.
 * So the preload hands a small transport to the page (functions only, replies as plain objects) and
 * `installBridge` builds the Bridge inside the page's world, where rejections are real Errors that
 * keep their `code`. The transport itself is never put on `window`, and the page gets no
 * ipcRenderer and no IPC event objects.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { BRIDGE_GLOBAL, CHANNELS, EVENTS, type BridgeError, type FileRef } from './contract.js';

/** Must match src-main/app/ipc.ts. */
const EVENT_CHANNEL = 'bridge:event';

type Reply = { ok: true; result: unknown } | { ok: false; error: BridgeError };

/** What crosses from the preload's world to the page's: functions and plain data only. */
interface Transport {
  invoke(channel: string, args: unknown): Promise<Reply>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  fileRef(file: File): Promise<Reply>;
}

const channels: ReadonlySet<string> = new Set(CHANNELS);
const eventNames: ReadonlySet<string> = new Set(EVENTS);
const failure = (code: string, message: string): Reply => ({ ok: false, error: { code, message } });

function isReply(value: unknown): value is Reply {
  if (typeof value !== 'object' || value === null) return false;
  const reply = value as { ok?: unknown; error?: unknown };
  if (reply.ok === true) return true;
  if (reply.ok !== false || typeof reply.error !== 'object' || reply.error === null) return false;
  const error = reply.error as { code?: unknown; message?: unknown };
  return typeof error.code === 'string' && typeof error.message === 'string';
}

const listeners = new Map<string, Set<(payload: unknown) => void>>();
ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  for (const listener of listeners.get(name) ?? []) {
    try {
      listener(payload);
    } catch (error) {
      console.error(`A listener for ${name} failed`, error);
    }
  }
});

const transport: Transport = {
  async invoke(channel, args) {
    if (!channels.has(channel)) return failure('unknown-channel', `Unknown call ${channel}`);
    try {
      const reply: unknown = await ipcRenderer.invoke(channel, args);
      return isReply(reply) ? reply : failure('internal', `Malformed reply to ${channel}`);
    } catch (error) {
      return failure('ipc', `${channel} failed: ${(error as Error).message}`);
    }
  },

  on(event, listener) {
    if (!eventNames.has(event)) throw new Error(`Unknown event ${event}`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    // A fresh function per subscription, so subscribing the same listener twice works like
    // two subscriptions and each unsubscribe removes one.
    const entry = (payload: unknown) => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  },

  async fileRef(file) {
    const path = webUtils.getPathForFile(file);
    if (!path) return failure('invalid-arguments', `${file.name} is not a file on this computer`);
    return { ok: true, result: { path, name: file.name, size: file.size } satisfies FileRef };
  },
};

/**
 * Runs in the page's world (serialized by contextBridge.executeInMainWorld): it must not refer to
 * anything outside its own body. What it defines is the contract's `Bridge`.
 */
function installBridge(globalName: string, transport: Transport): void {
  const unwrap = (reply: Reply): unknown => {
    if (reply.ok) return reply.result;
    const error = new Error(reply.error.message) as Error & { code: string };
    error.name = 'BridgeError';
    error.code = reply.error.code;
    throw error;
  };
  const bridge = {
    invoke: (channel: string, args: unknown) => transport.invoke(channel, args).then(unwrap),
    on: (event: string, listener: (payload: unknown) => void) => transport.on(event, listener),
    fileRef: (file: File) => transport.fileRef(file).then(unwrap),
  };
  Object.defineProperty(globalThis, globalName, {
    value: Object.freeze(bridge),
    enumerable: true,
    writable: false,
    configurable: false,
  });
}

contextBridge.executeInMainWorld({ func: installBridge, args: [BRIDGE_GLOBAL, transport] });
