/**
 * The PACS screen's stores with a scripted bridge: the query answered, refused by the PACS (an answer, not an
 * error) or by the server; a newer query wins over an older answer; series expanded, failed and folded; the
 * selection becomes retrieve items; the retrieve jobs report the ones that ended.
 */
import { describe, expect, it } from 'vitest';
import type {
  ArgsOf,
  Bridge,
  Channel,
  PacsNodeItem,
  PacsQueryAnswer,
  PacsStudyItem,
  ResultOf,
  RetrieveJob,
} from '../../../src-preload/contract.js';
import { PacsStore } from '../../../src-renderer/stores/pacs.svelte.js';
import { RetrievesStore } from '../../../src-renderer/stores/pacs-retrieves.svelte.js';
import { seriesRowId } from '../../../src-renderer/lib/pacs/result-rows.js';

type Handlers = { [C in Channel]?: (args: ArgsOf<C>) => Promise<ResultOf<C>> };

function bridgeOf(handlers: Handlers): Bridge {
  return {
    invoke: (channel, args) => {
      const handler = handlers[channel] as ((a: unknown) => Promise<unknown>) | undefined;
      if (!handler) return Promise.reject(new Error(`unexpected call ${channel}`));
      return handler(args) as never;
    },
    on: () => () => undefined,
    fileRef: () => Promise.reject(new Error('no files')),
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const node = (id: number, name: string): PacsNodeItem => ({
  id,
  name,
  aeTitle: name.toUpperCase(),
  host: '127.0.0.1',
  port: 104,
  settings: {
    retrieveMethod: 'C-MOVE',
    callingAeTitle: null,
    destinationScpId: null,
    timeoutSeconds: 30,
    maxResults: 500,
  },
  callingAeTitle: 'SLICEBOX',
  destination: { id: 1, name: 'Receiver', aeTitle: 'SLICEBOX', port: 11112 },
});

const study = (uid: string, name: string): PacsStudyItem => ({
  studyInstanceUid: uid,
  patientName: name,
  patientId: 'ID',
  patientBirthDate: '',
  patientSex: '',
  studyDate: '20010101',
  studyTime: '',
  studyDescription: '',
  accessionNumber: '',
  studyId: '',
  modalities: ['CT'],
  seriesCount: 1,
  imageCount: 3,
});

const ok = (matches: PacsStudyItem[]): PacsQueryAnswer<PacsStudyItem> => ({
  ok: true,
  matches,
  truncated: false,
  limit: 500,
  notes: [],
});

async function loaded(handlers: Handlers): Promise<PacsStore> {
  const store = new PacsStore(
    bridgeOf({
      'pacs.capabilities': async () => ({
        nodes: true,
        query: true,
        retrieveMove: true,
        retrieveGet: true,
      }),
      'pacs.nodes': async () => ({
        nodes: [node(1, 'Orthanc'), node(2, 'dcmqrscp')],
        canEditSettings: true,
      }),
      ...handlers,
    }),
  );
  store.setConnection('local');
  await store.load();
  return store;
}

describe('PacsStore', () => {
  it('loads the capabilities and nodes and picks the first node', async () => {
    const store = await loaded({});
    expect(store.capabilitiesKnown).toBe(true);
    expect(store.nodes.map((n) => n.name)).toEqual(['Orthanc', 'dcmqrscp']);
    expect(store.node?.name).toBe('Orthanc');
    expect(store.canEditSettings).toBe(true);
  });

  it('a query answers studies with the form’s keys; the PACS refusing is shown as its answer', async () => {
    const asked: unknown[] = [];
    let refuse = false;
    const store = await loaded({
      'pacs.queryStudies': async (args) => {
        asked.push(args);
        return refuse
          ? {
              ok: false,
              error: {
                code: 'association-rejected',
                message: 'ORTHANC rejected the association: calling AE title not recognized',
                peer: 'ORTHANC@127.0.0.1:104',
              },
            }
          : ok([study('1.1', 'Doe^Peter')]);
      },
    });
    store.form.patientName = 'Doe';
    await store.search();
    expect(asked).toEqual([{ connectionId: 'local', scuId: 1, query: { patientName: 'Doe*' } }]);
    expect(store.result).toEqual({ kind: 'answer', truncated: false, limit: 500, notes: [] });
    expect(store.rows.map((r) => r.kind)).toEqual(['study']);

    refuse = true;
    await store.search();
    expect(store.result).toMatchObject({
      kind: 'pacs-error',
      error: { code: 'association-rejected' },
    });
    expect(store.rows).toEqual([]);
  });

  it('the server refusing (bad input, unreachable) is an error; a newer query wins over an older answer', async () => {
    const first = deferred<PacsQueryAnswer<PacsStudyItem>>();
    let calls = 0;
    const store = await loaded({
      'pacs.queryStudies': async () => {
        calls++;
        if (calls === 1) return first.promise;
        if (calls === 2) return ok([study('2.2', 'New^One')]);
        throw new Error('studyDateFrom: must be a date YYYYMMDD');
      },
    });
    const older = store.search();
    await store.search();
    first.resolve(ok([study('1.1', 'Old^One')]));
    await older;
    expect(store.studies.map((s) => s.study.studyInstanceUid)).toEqual(['2.2']);
    await store.search();
    expect(store.result).toEqual({
      kind: 'error',
      message: 'studyDateFrom: must be a date YYYYMMDD',
    });
  });

  it('a study expands into its series (a note while they come or when they fail), folds, and the selection becomes items', async () => {
    const series = deferred<ResultOf<'pacs.querySeries'>>();
    const store = await loaded({
      'pacs.queryStudies': async () => ok([study('1.1', 'Doe^Peter'), study('1.2', 'Roe^Ann')]),
      'pacs.querySeries': async ({ studyInstanceUid }) =>
        studyInstanceUid === '1.1'
          ? series.promise
          : { ok: false, error: { code: 'timeout', message: 'no answer in 30 s', peer: 'X@h:1' } },
    });
    await store.search();
    const expanding = store.expand(1);
    expect(store.rows.map((r) => r.kind)).toEqual(['study', 'note', 'study']);
    series.resolve({
      ok: true,
      matches: [
        {
          studyInstanceUid: '1.1',
          seriesInstanceUid: '1.1.5',
          modality: 'CT',
          seriesNumber: 5,
          seriesDescription: 'Chest',
          seriesDate: '',
          bodyPartExamined: '',
          imageCount: 3,
        },
      ],
      truncated: false,
      limit: 500,
      notes: [],
    });
    await expanding;
    await store.expand(2);
    expect(store.rows.map((r) => [r.kind, r.id])).toEqual([
      ['study', 1],
      ['series', seriesRowId(1, 0)],
      ['study', 2],
      ['note', -2],
    ]);
    const note = store.rows[3];
    expect(note?.kind === 'note' && note.text).toBe(
      'The PACS did not answer in time: no answer in 30 s',
    );

    store.selection.select(seriesRowId(1, 0));
    store.selection.toggle(2);
    expect(store.items.map((i) => [i.level, i.studyInstanceUid, i.seriesInstanceUid])).toEqual([
      ['SERIES', '1.1', '1.1.5'],
      ['STUDY', '1.2', undefined],
    ]);
    store.collapse(1);
    expect(store.rows.map((r) => r.kind)).toEqual(['study', 'study', 'note']);
  });

  it('another node: the results of the last one go', async () => {
    const store = await loaded({
      'pacs.queryStudies': async () => ok([study('1.1', 'Doe^Peter')]),
    });
    await store.search();
    expect(store.rows).toHaveLength(1);
    store.selectNode(2);
    expect(store.node?.name).toBe('dcmqrscp');
    expect(store.result).toEqual({ kind: 'idle' });
    expect(store.rows).toEqual([]);
  });
});

describe('RetrievesStore', () => {
  const job = (id: number, status: RetrieveJob['status'], received = 0): RetrieveJob => ({
    id,
    scuId: 1,
    nodeName: 'Orthanc',
    method: 'C-MOVE',
    destinationAeTitle: 'SLICEBOX',
    status,
    created: id,
    updated: id,
    items: [],
    totals: { completed: received, remaining: 0, failed: 0, warning: 0, received },
    error: null,
  });

  it('lists the jobs, selects a new one, and reports a job it saw running once it ended', async () => {
    let listed: RetrieveJob[] = [job(1, 'completed', 2)];
    const ended: [string, number, string][] = [];
    const store = new RetrievesStore(
      bridgeOf({
        'pacs.retrieves': async () => listed,
        'pacs.retrieve': async () => job(2, 'queued'),
      }),
      (connectionId, j) => ended.push([connectionId, j.id, j.status]),
    );
    store.setConnection('local');
    await store.load();
    expect(store.jobs.map((j) => j.id)).toEqual([1]);
    expect(store.active).toBe(false);

    await store.retrieve(1, undefined, [{ level: 'STUDY', studyInstanceUid: '1.1' }]);
    expect(store.jobs.map((j) => j.id)).toEqual([2, 1]);
    expect(store.selected?.id).toBe(2);
    expect(store.active).toBe(true);

    listed = [job(2, 'running'), job(1, 'completed', 2)];
    await store.load();
    expect(ended).toEqual([]);
    listed = [job(2, 'completed', 7), job(1, 'completed', 2)];
    await store.load();
    expect(ended).toEqual([['local', 2, 'completed']]);
    expect(store.active).toBe(false);
  });
});
