/**
 * Browser mode: serves the built renderer and carries the bridge over a WebSocket on 127.0.0.1, guarded
 * by a per-launch token. The same handler table as Electron's IPC answers every call.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BRIDGE_TOKEN_HEADER,
  type WsClientMessage,
  type WsServerMessage,
} from '../../src-preload/contract.js';
import { dispatch, type HandlerTable } from '../services/handlers.js';
import type { MediaRoutes } from './media-routes.js';
import { stageUpload } from './staging.js';
import { serveStatic } from './static-files.js';

export interface WebHostOptions {
  rendererDir: string;
  stagingDir: string;
  handlers: HandlerTable;
  port?: number;
  token?: string;
  /** Extra token-guarded routes (media and downloads, see media-routes.ts); true when handled. */
  routes?: MediaRoutes;
}

export interface WebHost {
  /** The address to open, token included (in the fragment, so it never reaches a server log). */
  url: string;
  port: number;
  token: string;
  broadcast(event: string, payload: unknown): void;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const tokenMatches = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };
  let port = 0;
  const hostAllowed = (req: IncomingMessage): boolean =>
    req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Internal error: ${(error as Error).message}`);
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (options.routes && (await options.routes(req, res, url))) return;
    if (url.pathname === '/stage') {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      if (!tokenMatches(req.headers[BRIDGE_TOKEN_HEADER] as string | undefined)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Missing or wrong bridge token');
        return;
      }
      const name = url.searchParams.get('name') ?? 'file';
      const ref = await stageUpload(options.stagingDir, name, req);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ref));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    await serveStatic(options.rendererDir, url.pathname, res);
  }

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const origin = req.headers.origin;
    const originOk =
      origin === undefined ||
      origin === `http://127.0.0.1:${port}` ||
      origin === `http://localhost:${port}`;
    if (
      url.pathname !== '/bridge' ||
      !hostAllowed(req) ||
      !originOk ||
      !tokenMatches(url.searchParams.get('token'))
    ) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => void answer(ws, data.toString()));
    });
  });

  async function answer(ws: WebSocket, text: string): Promise<void> {
    let message: WsClientMessage;
    try {
      message = JSON.parse(text) as WsClientMessage;
    } catch {
      return;
    }
    if (message?.type !== 'invoke' || typeof message.id !== 'number') return;
    const outcome = await dispatch(options.handlers, String(message.channel), message.args);
    const reply: WsServerMessage = outcome.ok
      ? { type: 'result', id: message.id, ok: true, result: outcome.result }
      : { type: 'result', id: message.id, ok: false, error: outcome.error };
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    broadcast(event, payload) {
      const text = JSON.stringify({ type: 'event', event, payload } satisfies WsServerMessage);
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
