/**
 * Browser mode's Bridge: the contract's calls carried over a WebSocket to the browser-mode host, and
 * files staged with `POST /stage`. Pure transport logic: the socket and fetch are injected, so this file
 * uses no DOM globals and is unit-tested with a fake socket.
 */
import {
  BRIDGE_TOKEN_HEADER,
  type ArgsOf,
  type Bridge,
  type Channel,
  type EventName,
  type Events,
  type FileRef,
  type ResultOf,
  type WsClientMessage,
  type WsServerMessage,
} from '../../src-preload/contract.js';

/** What the bridge needs of a socket. `bridge.ts` adapts the DOM WebSocket to it. */
export interface SocketLike {
  send(data: string): void;
  close(): void;
}

export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  /** Called once when the socket closes or fails to connect. */
  onClose(): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

/** The part of `fetch` the file staging uses. The global fetch satisfies it. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: Blob },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface WsBridgeOptions {
  /** Full WebSocket URL, token included. */
  url: string;
  token: string;
  /** URL of the staging endpoint (without query). */
  stageUrl: string;
  createSocket: SocketFactory;
  fetch: FetchLike;
  /** First reconnect delay; doubles up to maxReconnectMs. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  /** A call still waiting for a connection after this long is rejected with code 'offline'. */
  queueTimeoutMs?: number;
}

/** A failed bridge call. `code` is the BridgeError code ('offline', 'disconnected', 'server', …). */
export class BridgeCallError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'BridgeCallError';
    this.code = code;
  }
}

interface PendingCall {
  message: WsClientMessage;
  resolve(value: unknown): void;
  reject(error: Error): void;
  sent: boolean;
  queueTimer?: ReturnType<typeof setTimeout>;
}

export interface WsBridge extends Bridge {
  /** Close the socket for good and reject every pending call. */
  dispose(): void;
}

export function createWsBridge(options: WsBridgeOptions): WsBridge {
  const reconnectMs = options.reconnectMs ?? 250;
  const maxReconnectMs = options.maxReconnectMs ?? 5000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 15000;

  const pending = new Map<number, PendingCall>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let socket: SocketLike | null = null;
  let open = false;
  let disposed = false;
  let delay = reconnectMs;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  function send(call: PendingCall): void {
    if (!socket || !open) return;
    if (call.queueTimer !== undefined) clearTimeout(call.queueTimer);
    call.queueTimer = undefined;
    call.sent = true;
    try {
      socket.send(JSON.stringify(call.message));
    } catch (err) {
      pending.delete(call.message.id);
      call.reject(
        new BridgeCallError(
          `Could not send ${call.message.channel}: ${String(err)}`,
          'disconnected',
        ),
      );
    }
  }

  function connect(): void {
    if (disposed) return;
    let closed = false;
    const handlers: SocketHandlers = {
      onOpen() {
        if (disposed || closed) return;
        open = true;
        delay = reconnectMs;
        for (const call of [...pending.values()]) if (!call.sent) send(call);
      },
      onMessage(data) {
        handleMessage(data);
      },
      onClose() {
        if (closed) return;
        closed = true;
        open = false;
        socket = null;
        for (const [id, call] of pending) {
          if (!call.sent) continue;
          pending.delete(id);
          call.reject(
            new BridgeCallError(
              `The connection to Slicebox Desktop was lost during ${call.message.channel}`,
              'disconnected',
            ),
          );
        }
        if (disposed) return;
        reconnectTimer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, maxReconnectMs);
      },
    };
    try {
      socket = options.createSocket(options.url, handlers);
    } catch {
      handlers.onClose();
    }
  }

  function handleMessage(data: unknown): void {
    let message: WsServerMessage;
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data)) as WsServerMessage;
    } catch {
      return; // Not ours; the host only sends JSON.
    }
    if (message.type === 'result') {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.ok) call.resolve(message.result);
      else
        call.reject(
          new BridgeCallError(
            message.error?.message || `${call.message.channel} failed`,
            message.error?.code || 'server',
          ),
        );
    } else if (message.type === 'event') {
      const set = listeners.get(message.event);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(message.payload);
        } catch (err) {
          console.error(`Listener for ${message.event} failed`, err);
        }
      }
    }
  }

  connect();

  return {
    invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
      if (disposed)
        return Promise.reject(new BridgeCallError('The bridge has been closed', 'disconnected'));
      const id = nextId++;
      return new Promise<ResultOf<C>>((resolve, reject) => {
        const call: PendingCall = {
          message: { type: 'invoke', id, channel, args: args ?? null },
          resolve: resolve as (value: unknown) => void,
          reject,
          sent: false,
        };
        pending.set(id, call);
        if (open) send(call);
        else
          call.queueTimer = setTimeout(() => {
            if (call.sent || !pending.has(id)) return;
            pending.delete(id);
            reject(
              new BridgeCallError(
                `Slicebox Desktop is not reachable (${channel} waited ${Math.round(queueTimeoutMs / 1000)} s for a connection)`,
                'offline',
              ),
            );
          }, queueTimeoutMs);
      });
    },

    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },

    async fileRef(file: File): Promise<FileRef> {
      const url = `${options.stageUrl}?name=${encodeURIComponent(file.name)}`;
      const response = await options.fetch(url, {
        method: 'POST',
        headers: { [BRIDGE_TOKEN_HEADER]: options.token },
        body: file,
      });
      const text = await response.text();
      if (!response.ok)
        throw new BridgeCallError(
          `Could not stage ${file.name} (HTTP ${response.status}): ${text || 'no details'}`,
          response.status === 401 || response.status === 403 ? 'unauthorized' : 'stage-failed',
        );
      let ref: unknown;
      try {
        ref = JSON.parse(text);
      } catch {
        throw new BridgeCallError(
          `Could not stage ${file.name}: the answer was not JSON`,
          'stage-failed',
        );
      }
      if (!isFileRef(ref))
        throw new BridgeCallError(
          `Could not stage ${file.name}: unexpected answer`,
          'stage-failed',
        );
      return ref;
    },

    dispose() {
      disposed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      for (const [id, call] of pending) {
        pending.delete(id);
        if (call.queueTimer !== undefined) clearTimeout(call.queueTimer);
        call.reject(new BridgeCallError('The bridge has been closed', 'disconnected'));
      }
      socket?.close();
      socket = null;
      open = false;
    },
  };
}

function isFileRef(value: unknown): value is FileRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.path === 'string' && typeof v.name === 'string' && typeof v.size === 'number';
}

/** `#token=abc&x=y` → 'abc'; null when absent. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  return token ? token : null;
}

/** The bridge WebSocket URL for a page served from `protocol//host`. */
export function bridgeSocketUrl(protocol: string, host: string, token: string): string {
  const scheme = protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${host}/bridge?token=${encodeURIComponent(token)}`;
}
