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
