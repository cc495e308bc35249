/**
 * The desktop's Network service for watched folders and forwarding against a real local box over HTTP:
 * a watched folder imports what is in it; sources and destinations list what the server has; a
 * forwarding rule from that folder to an SCU is created once (an equal rule answers the existing one),
 * listed with names and removed; the server's refusals keep their text.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { NetworkService } from '../../src-main/services/network/network-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { freePort } from '../fixtures/free-port.js';
import { pydicomFile } from '../fixtures/paths.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('desktop Network service: watched folders and forwarding', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let client: SliceboxClient;
  let network: NetworkService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-network-'));
    box = await startLocalbox({
      dataDir: join(dir, 'box'),
      port: 0,
      watches: { pollMs: 200, stableMs: 200 },
    });
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
    network = new NetworkService(connections);
  });

  afterEach(async () => {
    await box?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('watches a folder: what is in it is imported with the folder as its source', async () => {
    const inbox = join(dir, 'inbox');
    await mkdir(inbox);
    await copyFile(pydicomFile('CT_small.dcm'), join(inbox, 'ct.dcm'));
    const watch = await network.addWatch('local', 'Inbox', inbox);
    expect(watch).toMatchObject({ name: 'Inbox', path: inbox });
    expect(await network.watches('local')).toEqual([watch]);
    const patient = await until(
      'the folder to be imported',
      async () => (await client.patients())[0],
    );
    expect(patient.patientName.value).toBe('CompressedSamples^CT1');
    const { sources } = await network.endpoints('local');
    expect(sources).toContainEqual({ type: 'directory', id: watch.id, name: 'Inbox' });

    await expect(network.addWatch('local', 'Inner', join(inbox, 'ct.dcm'))).rejects.toThrow(
      /Not a directory/,
    );
    await network.removeWatch('local', watch.id);
    expect(await network.watches('local')).toEqual([]);
  });

  it('forwarding rules: created once, listed with names, removed', async () => {
    const inbox = join(dir, 'inbox');
    await mkdir(inbox);
    const watch = await network.addWatch('local', 'Inbox', inbox);
    const scu = await network.addScu('local', {
      name: 'Archive',
      aeTitle: 'ARCHIVE',
      host: '127.0.0.1',
      port: await freePort(),
    });
    const { sources, destinations } = await network.endpoints('local');
    expect(destinations).toEqual([{ type: 'scu', id: scu.id, name: 'Archive' }]);
    const source = sources.find((s) => s.type === 'directory')!;
    const rule = await network.addForwardingRule('local', source, destinations[0]!, true);
    expect(rule).toMatchObject({
      source: { type: 'directory', id: watch.id, name: 'Inbox' },
      destination: { type: 'scu', id: scu.id, name: 'Archive' },
      keepImages: true,
    });
    // An equal rule answers the existing one (BEHAVIOR §18), even with another keepImages.
    const again = await network.addForwardingRule('local', source, destinations[0]!, false);
    expect(again).toEqual(rule);
    expect(await network.forwardingRules('local')).toEqual([rule]);
    await network.removeForwardingRule('local', rule.id);
    expect(await network.forwardingRules('local')).toEqual([]);
  });
});
