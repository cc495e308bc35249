/** Helpers for the box tests (BEHAVIOR.md §12, §13). */
import { deflateSync } from 'node:zlib';
import type {
  Box,
  IncomingTransaction,
  OutgoingTransaction,
  OutgoingTransactionImage,
} from '../../src-main/slicebox/types.js';
import type { TestBox } from './support.js';

export type { Box, IncomingTransaction, OutgoingTransaction, OutgoingTransactionImage };

export function postJson(
  t: TestBox,
  path: string,
  body: unknown,
  init: { method?: string; auth?: string | null } = {},
): Promise<Response> {
  return t.api(path, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(init.auth !== undefined ? { auth: init.auth } : {}),
  });
}

export const profile = (...names: string[]) => ({ options: names.map((name) => ({ name })) });

export async function createConnection(t: TestBox, name: string): Promise<Box> {
  const res = await postJson(t, '/api/boxes/createconnection', { name, defaultProfile: profile() });
  if (res.status !== 201) throw new Error(`createconnection → ${res.status} ${await res.text()}`);
  return (await res.json()) as Box;
}

export async function connect(t: TestBox, name: string, baseUrl: string): Promise<Box> {
  const res = await postJson(t, '/api/boxes/connect', { name, baseUrl, defaultProfile: profile() });
  if (res.status !== 201) throw new Error(`connect → ${res.status} ${await res.text()}`);
  return (await res.json()) as Box;
}

export interface SendEntry {
  imageId: number;
  tagValues?: Array<{ tagPath: { tag: number; name: string }; value: string }>;
}

export function send(
  t: TestBox,
  boxId: number,
  entries: SendEntry[],
  options: string[] = [],
): Promise<Response> {
  return postJson(t, `/api/boxes/${boxId}/send`, {
    profile: profile(...options),
    imageTagValuesSet: entries.map((e) => ({ imageId: e.imageId, tagValues: e.tagValues ?? [] })),
  });
}

export const tagValue = (tag: number, name: string, value: string) => ({
  tagPath: { tag, name },
  value,
});

export function compress(data: Uint8Array): Buffer {
  return deflateSync(data);
}

/** The path of a POLL box's transaction routes on this server (`/api/transactions/<token>`). */
export function tokenPath(box: Box): string {
  return `/api/transactions/${box.token}`;
}

/** Polls `probe` until it returns a value that is not undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
