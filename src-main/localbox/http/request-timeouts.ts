/**
 * Timeouts for requests that stop arriving (issue 9; DECISIONS.md "HTTP hardening"):
 *
 * - headers: a connection whose request headers are not complete within `headersTimeoutMs` (nothing sent, or
 *   headers cut short) is answered 408 and closed — Node's own `headersTimeout`, checked every second;
 * - body: while a request body is incomplete, a connection on which no byte arrives for `bodyIdleTimeoutMs` is
 *   closed. This is an inactivity limit, not a total one, so a multi-gigabyte upload that keeps sending is never
 *   cut off. Bytes that arrived but wait in the server's buffers (the server is the slow side, e.g. a busy disk)
 *   count as progress. The interrupted upload fails like any aborted one: its temp file is removed.
 *
 * There is no limit on how long a handler may take once the request has arrived (bulk operations can be long).
 */
import type { IncomingMessage, Server, ServerOptions } from 'node:http';

export interface RequestTimeouts {
  /** Request headers must be complete within this time. Default 20 s. */
  headersTimeoutMs: number;
  /** A request body may go this long without a byte arriving. Default 20 s. */
  bodyIdleTimeoutMs: number;
}

export const DEFAULT_REQUEST_TIMEOUTS: RequestTimeouts = {
  headersTimeoutMs: 20_000,
  bodyIdleTimeoutMs: 20_000,
};

/** How often timeouts are checked, at most: stalled connections close within the timeout plus this. */
const CHECK_INTERVAL_MS = 1000;

function checkInterval(timeoutMs: number): number {
  return Math.max(25, Math.min(CHECK_INTERVAL_MS, Math.floor(timeoutMs / 4)));
}

/** Node http server options for the headers timeout (Fastify's `http` option). */
export function headersTimeoutOptions(t: RequestTimeouts): ServerOptions {
  return {
    headersTimeout: t.headersTimeoutMs,
    connectionsCheckingInterval: checkInterval(t.headersTimeoutMs),
  };
}

function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return length !== undefined && length.trim() !== '0';
}

/** Closes connections whose request body stops arriving for `idleMs` (see the module comment). */
export function closeStalledBodies(server: Server, idleMs: number): void {
  const every = checkInterval(idleMs);
  server.on('request', (req: IncomingMessage) => {
    if (req.complete || !declaresBody(req)) return;
    const socket = req.socket;
    let lastBytes = socket.bytesRead;
    let lastProgress = Date.now();
    const timer = setInterval(() => {
      if (req.complete || socket.destroyed) return void clearInterval(timer);
      const now = Date.now();
      if (socket.bytesRead !== lastBytes || req.readableLength > 0) {
        lastBytes = socket.bytesRead;
        lastProgress = now;
        return;
      }
      if (now - lastProgress >= idleMs) {
        clearInterval(timer);
        socket.destroy();
      }
    }, every);
    timer.unref();
    req.once('end', () => clearInterval(timer));
    req.once('close', () => clearInterval(timer));
  });
}
