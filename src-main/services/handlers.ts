/**
 * The handler table: one function per bridge channel, each validating its arguments first. The same
 * table is registered on Electron IPC (src-main/app) and on the browser-mode WebSocket (src-main/web).
 */
import type { ArgsOf, BridgeError, Channel, ResultOf } from '../../src-preload/contract.js';
import { CHANNELS } from '../../src-preload/contract.js';
import { SliceboxHttpError, SliceboxUnreachableError } from '../slicebox/client.js';
import { schemas } from './schemas.js';
import { ServiceError } from './service-error.js';

export type Implementation = { [C in Channel]: (args: ArgsOf<C>) => Promise<ResultOf<C>> };
export type HandlerTable = { [C in Channel]: (args: unknown) => Promise<ResultOf<C>> };

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: BridgeError };

/** Wraps each implementation with its schema, so no unchecked value reaches a service. */
export function createHandlerTable(impl: Implementation): HandlerTable {
  const table = {} as Record<Channel, (args: unknown) => Promise<unknown>>;
  for (const channel of CHANNELS) {
    const schema = schemas[channel];
    const run = impl[channel] as (args: unknown) => Promise<unknown>;
    table[channel] = async (args: unknown) => {
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        const detail = parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`)
          .join('; ');
        throw new ServiceError('invalid-arguments', `Invalid arguments for ${channel}: ${detail}`);
      }
      return run(parsed.data);
    };
  }
  return table as HandlerTable;
}

function isChannel(channel: string): channel is Channel {
  return (CHANNELS as readonly string[]).includes(channel);
}

/** Runs one call and folds any failure into a BridgeError both transports can carry. */
export async function dispatch(
  handlers: HandlerTable,
  channel: string,
  args: unknown,
): Promise<DispatchResult> {
  if (!isChannel(channel)) {
    return { ok: false, error: { code: 'unknown-channel', message: `Unknown call ${channel}` } };
  }
  try {
    return { ok: true, result: await handlers[channel](args) };
  } catch (error) {
    return { ok: false, error: toBridgeError(error) };
  }
}

export function toBridgeError(error: unknown): BridgeError {
  if (error instanceof ServiceError) return { code: error.code, message: error.message };
  if (error instanceof SliceboxUnreachableError) return { code: 'offline', message: error.message };
  if (error instanceof SliceboxHttpError) {
    // A 400 with text is the server refusing the request in its own words: show just those.
    const message = error.status === 400 && error.body ? error.body : error.message;
    return { code: error.status === 404 ? 'not-found' : 'server', message };
  }
  return { code: 'internal', message: (error as Error)?.message ?? String(error) };
}
