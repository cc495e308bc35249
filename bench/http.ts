/**
 * A lean HTTP/1.1 client for the benchmark (node:http with keep-alive and TCP_NODELAY), so that client
 * overhead is small and identical for both servers. Every request has a timeout.
 */
import http from 'node:http';

const agent = new http.Agent({
  keepAlive: true,
  maxSockets: 64,
  noDelay: true,
} as http.AgentOptions);

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body, unless `discard` was asked for. */
  body: Buffer;
  /** Body bytes received. */
  bytes: number;
}

export interface HttpOptions {
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Count the body bytes and drop them (downloads). */
  discard?: boolean;
  timeoutMs?: number;
}

export function request(
  method: string,
  url: string,
  options: HttpOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined)
      headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!options.discard) chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          bytes,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 120_000, () =>
      req.destroy(new Error(`timeout: ${method} ${url}`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function basicAuth(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

/** Runs `work` over `count` items with at most `limit` in flight. */
export async function pool(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
}

export function closeConnections(): void {
  agent.destroy();
}

/** The result, or an error naming `what` when its status is not one of `ok`. */
export function expectStatus(res: HttpResult, what: string, ok: number[]): HttpResult {
  if (!ok.includes(res.status))
    throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8', 0, 300)}`);
  return res;
}

/** The body as JSON. */
export const parseJson = <T>(res: HttpResult): T => JSON.parse(res.body.toString('utf8')) as T;

/** A JSON requester for one server: `(method, path, body?, timeoutMs?)` with its authorization. */
export function jsonClient(server: { url: string; auth: string }) {
  return (method: string, path: string, body?: unknown, timeoutMs?: number) =>
    request(method, `${server.url}${path}`, {
      headers: {
        authorization: server.auth,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs,
    });
}
