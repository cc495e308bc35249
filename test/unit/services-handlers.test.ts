import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src-preload/contract.js';
import {
  createHandlerTable,
  dispatch,
  toBridgeError,
  type Implementation,
} from '../../src-main/services/handlers.js';
import { SliceboxHttpError, SliceboxUnreachableError } from '../../src-main/slicebox/client.js';

function recordingImplementation(calls: [string, unknown][]): Implementation {
  const impl = {} as Record<string, (args: unknown) => Promise<unknown>>;
  for (const channel of CHANNELS) {
    impl[channel] = async (args) => {
      calls.push([channel, args]);
      return channel === 'connections.list' ? [] : { channel };
    };
  }
  return impl as unknown as Implementation;
}

describe('handler table', () => {
  it('passes valid arguments through to the implementation', async () => {
    const calls: [string, unknown][] = [];
    const table = createHandlerTable(recordingImplementation(calls));
    const args = { connectionId: 'local', startIndex: 0, count: 100, filter: 'anon' };
    const outcome = await dispatch(table, 'browse.patients', args);
    expect(outcome).toEqual({ ok: true, result: { channel: 'browse.patients' } });
    expect(calls).toEqual([['browse.patients', args]]);
  });

  it('rejects wrong arguments before any service sees them', async () => {
    const calls: [string, unknown][] = [];
    const table = createHandlerTable(recordingImplementation(calls));
    const bad = [
      ['browse.patients', { connectionId: 'local', startIndex: -1, count: 10 }],
      ['browse.patients', { connectionId: 'local', startIndex: 0, count: 10, orderBy: 'x; drop' }],
      ['browse.studies', { connectionId: 'local', startIndex: 0, count: 10 }],
      ['imports.start', { connectionId: 'local', name: 'drop', files: [] }],
      [
        'imports.start',
        { connectionId: 'local', name: 'drop', files: [{ path: '/a', name: 'a' }] },
      ],
      ['connections.check', { connectionId: 'local', extra: true }],
      ['connections.list', 'surprise'],
    ] as const;
    for (const [channel, args] of bad) {
      const outcome = await dispatch(table, channel, args);
      expect(outcome.ok, `${channel} ${JSON.stringify(args)}`).toBe(false);
      if (!outcome.ok) {
        expect(outcome.error.code).toBe('invalid-arguments');
        expect(outcome.error.message).toContain(channel);
      }
    }
    expect(calls).toEqual([]);
  });

  it('answers unknown channels with a clear error', async () => {
    const table = createHandlerTable(recordingImplementation([]));
    expect(await dispatch(table, 'fs.readFile', { path: '/etc/passwd' })).toEqual({
      ok: false,
      error: { code: 'unknown-channel', message: 'Unknown call fs.readFile' },
    });
    expect((await dispatch(table, '__proto__', {})).ok).toBe(false);
  });

  it('maps client failures to bridge error codes', () => {
    expect(
      toBridgeError(new SliceboxUnreachableError('list patients', new Error('ECONNREFUSED'))),
    ).toMatchObject({ code: 'offline' });
    expect(toBridgeError(new SliceboxHttpError(404, 'gone', 'get patient'))).toMatchObject({
      code: 'not-found',
    });
    expect(toBridgeError(new SliceboxHttpError(500, 'boom', 'x')).message).toContain('HTTP 500');
    // A refusal (400 with the server's text) is shown in the server's words alone.
    expect(
      toBridgeError(new SliceboxHttpError(400, 'Port 104 is already in use', 'add SCP')),
    ).toEqual({ code: 'server', message: 'Port 104 is already in use' });
    expect(toBridgeError(new SliceboxHttpError(400, '', 'add SCP')).message).toContain('HTTP 400');
    expect(toBridgeError(new Error('plain'))).toEqual({ code: 'internal', message: 'plain' });
  });
});
