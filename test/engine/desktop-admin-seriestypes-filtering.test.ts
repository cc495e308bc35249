/**
 * The desktop's Admin services for series types and tag filters against a real local box over HTTP:
 * types are added, renamed (a name in use is refused) and deleted; rules hold attributes entered as keyword
 * paths (a sequence path becomes the decimal `tagPath`); a CT rule assigns the type to an uploaded CT series;
 * filters hold keyword tag paths shown as `(gggg,eeee)` and names; a blacklist associated with an import
 * session's source removes PatientBirthDate from what that session imports.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../src-main/services/connections/connection-service.js';
import { FilteringService } from '../../src-main/services/admin/filtering-service.js';
import { SeriesTypesService } from '../../src-main/services/admin/series-types-service.js';
import type { SliceboxClient } from '../../src-main/slicebox/client.js';
import { startLocalbox } from '../../src-main/localbox/server.js';
import { pydicomFile } from '../fixtures/paths.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe('desktop Admin services: series types and filtering', () => {
  let dir: string;
  let box: Awaited<ReturnType<typeof startLocalbox>>;
  let client: SliceboxClient;
  let seriesTypes: SeriesTypesService;
  let filtering: FilteringService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sbx-admin-st-'));
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
    seriesTypes = new SeriesTypesService(connections);
    filtering = new FilteringService(connections);
  });

  afterEach(async () => {
    await box?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds, renames and deletes series types', async () => {
    const head = await seriesTypes.add('local', '  CT head ');
    expect(head).toMatchObject({ name: 'CT head' });
    const body = await seriesTypes.add('local', 'CT body');
    await expect(seriesTypes.add('local', 'CT head')).rejects.toThrow(/already exists/);
    await expect(seriesTypes.rename('local', body.id, 'CT head')).rejects.toThrow(/already exists/);
    await seriesTypes.rename('local', body.id, 'CT thorax');
    expect(await seriesTypes.list('local')).toEqual([head, { id: body.id, name: 'CT thorax' }]);
    await seriesTypes.remove('local', head.id);
    expect(await seriesTypes.list('local')).toEqual([{ id: body.id, name: 'CT thorax' }]);
    expect(await seriesTypes.updateStatus('local')).toEqual({ running: expect.any(Boolean) });
  });

  it('keeps rules with keyword-path attributes and assigns the type to a matching series', async () => {
    const type = await seriesTypes.add('local', 'CT head');
    const rule = await seriesTypes.addRule('local', type.id);
    expect(rule).toMatchObject({ seriesTypeId: type.id, attributes: [] });
    const modality = await seriesTypes.addAttribute('local', rule.id, 'Modality', 'CT');
    expect(modality).toMatchObject({
      ruleId: rule.id,
      tag: 0x00080060,
      path: 'Modality',
      value: 'CT',
    });
    const nested = await seriesTypes.addAttribute(
      'local',
      rule.id,
      'ReferencedImageSequence[1].ReferencedSOPClassUID',
      'x',
    );
    expect(nested.path).toBe('ReferencedImageSequence[1].ReferencedSOPClassUID');
    const [wire] = (await client.seriesTypeRuleAttributes(rule.id)).filter(
      (a) => a.id === nested.id,
    );
    expect(wire).toMatchObject({ tag: 0x00081150, tagPath: String(0x00081140) });
    await expect(
      seriesTypes.addAttribute(
        'local',
        rule.id,
        'ReferencedImageSequence[2].ReferencedSOPClassUID',
        'x',
      ),
    ).rejects.toThrow(/item 1/);
    await expect(seriesTypes.addAttribute('local', rule.id, 'NoSuchKeyword', 'x')).rejects.toThrow(
      /Unknown DICOM keyword/,
    );
    expect(await seriesTypes.rules('local', type.id)).toEqual([
      { ...rule, attributes: [modality, nested] },
    ]);
    await seriesTypes.removeAttribute('local', rule.id, nested.id);
    expect((await seriesTypes.rules('local', type.id))[0]?.attributes).toEqual([modality]);

    const { image } = await client.uploadImage(await readFile(pydicomFile('CT_small.dcm')));
    const types = await until('the series to get its type', async () => {
      const of = await client.seriesTypesOf(image.seriesId);
      return of.length > 0 ? of : undefined;
    });
    expect(types).toEqual([{ id: type.id, name: 'CT head' }]);

    const other = await seriesTypes.addRule('local', type.id);
    await seriesTypes.removeRule('local', other.id);
    expect((await seriesTypes.rules('local', type.id)).map((r) => r.id)).toEqual([rule.id]);
  });

  it('keeps filters with tag paths and source associations', async () => {
    const black = await filtering.add('local', 'No birth dates', 'BLACKLIST');
    const white = await filtering.add('local', 'Only basics', 'WHITELIST');
    expect(await filtering.filters('local')).toEqual([
      { id: black.id, name: 'No birth dates', type: 'BLACKLIST' },
      { id: white.id, name: 'Only basics', type: 'WHITELIST' },
    ]);
    expect(await filtering.tagPaths('local', white.id)).toEqual([]);
    const birth = await filtering.addTagPath('local', black.id, 'PatientBirthDate');
    expect(birth).toMatchObject({
      filterId: black.id,
      tags: '(0010,0030)',
      names: 'PatientBirthDate',
    });
    const nested = await filtering.addTagPath(
      'local',
      black.id,
      'ReferencedImageSequence[1].(0008,1155)',
    );
    expect(nested).toMatchObject({
      tags: '(0008,1140)[1].(0008,1155)',
      names: 'ReferencedImageSequence[1].ReferencedSOPInstanceUID',
    });
    await filtering.removeTagPath('local', black.id, nested.id);
    expect(await filtering.tagPaths('local', black.id)).toEqual([birth]);

    const session = await client.createImportSession('Filtered');
    const source = { type: 'import' as const, id: session.id, name: 'Filtered' };
    const link = await filtering.addAssociation('local', black.id, source);
    expect(link).toMatchObject({ source, filterId: black.id, filterName: 'No birth dates' });
    expect(await filtering.addAssociation('local', black.id, source)).toEqual(link);
    const other = await filtering.addAssociation('local', white.id, source);
    expect(await filtering.associations('local')).toEqual([link, other]);
    await filtering.removeAssociation('local', other.id);

    const { image } = await client.uploadFileToImportSession(
      session.id,
      pydicomFile('CT_small.dcm'),
    );
    const attributes = await client.imageAttributes(image.id);
    expect(attributes.some((a) => a.tagPath.tag === 0x00100030)).toBe(false);
    expect(attributes.some((a) => a.tagPath.tag === 0x00100010)).toBe(true);

    await filtering.remove('local', black.id);
    expect(await filtering.filters('local')).toEqual([white]);
    expect(await filtering.associations('local')).toEqual([]);
  });
});
