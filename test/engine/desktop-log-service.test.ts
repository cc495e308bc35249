/**
 * The desktop's Log service against a real local box over HTTP: pages newest first with the `count + 1`
 * look-ahead, narrowed by subject and type, and deletion of entries.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogService } from '../../src-main/services/admin/log-service.js';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';

describe('desktop Log service', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let client: SliceboxClient;
  let log: LogService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-log-'));
    box = await startLocalbox({ dataDir: join(dir, 'box'), port: 0 });
    const connections = new ConnectionService(() => undefined);
    connections.add({
      id: 'local',
      name: 'Local box',
      url: box.url,
      kind: 'local',
      user: 'admin',
      password: 'admin',
    });
    client = connections.client('local');
    log = new LogService(connections);
  });

  afterEach(async () => {
    await box?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pages newest first, filters by subject and type, and deletes', async () => {
    // Three rejected uploads into an import session write three ERROR entries (subject Import).
    const session = await client.createImportSession('log test');
    for (let i = 0; i < 3; i++) {
      await client
        .uploadToImportSession(session.id, Buffer.from(`not dicom ${i}`))
        .catch(() => undefined);
    }
    const first = await log.page({
      connectionId: 'local',
      startIndex: 0,
      count: 2,
      subject: 'Import',
    });
    expect(first.items).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    expect(first.items.every((e) => e.type === 'ERROR' && e.subject === 'Import')).toBe(true);
    expect(first.items[0]!.created).toBeGreaterThanOrEqual(first.items[1]!.created);
    const rest = await log.page({
      connectionId: 'local',
      startIndex: 2,
      count: 2,
      subject: 'Import',
    });
    expect(rest.items).toHaveLength(1);
    expect(rest.hasMore).toBe(false);
    expect(
      (await log.page({ connectionId: 'local', startIndex: 0, count: 10, type: 'WARN' })).items,
    ).toEqual([]);

    await log.remove(
      'local',
      first.items.map((e) => e.id),
    );
    const left = await log.page({
      connectionId: 'local',
      startIndex: 0,
      count: 10,
      subject: 'Import',
    });
    expect(left.items.map((e) => e.id)).toEqual(rest.items.map((e) => e.id));
  });
});
