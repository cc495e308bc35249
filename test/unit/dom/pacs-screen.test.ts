// @vitest-environment jsdom
/**
 * The PACS screen rendered in jsdom with a scripted bridge, for the states the end-to-end test does not reach:
 * a server without the PACS extensions (a real Slicebox) explains itself and offers the local box; a server
 * with no nodes says where to add one; a truncated answer asks to refine the query and shows the server's
 * notes; a bad form is refused before anything is sent; the PACS's failure is shown in its words.
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type {
  ArgsOf,
  Bridge,
  Channel,
  PacsCapabilities,
  PacsNodeItem,
  ResultOf,
} from '../../../src-preload/contract.js';
import PacsScreen from '../../../src-renderer/screens/PacsScreen.svelte';
import { PacsStore } from '../../../src-renderer/stores/pacs.svelte.js';
import { RetrievesStore } from '../../../src-renderer/stores/pacs-retrieves.svelte.js';

type Handlers = { [C in Channel]?: (args: ArgsOf<C>) => Promise<ResultOf<C>> };

const ALL: PacsCapabilities = { nodes: true, query: true, retrieveMove: true, retrieveGet: true };
const NONE: PacsCapabilities = {
  nodes: false,
  query: false,
  retrieveMove: false,
  retrieveGet: false,
};

const orthanc: PacsNodeItem = {
  id: 3,
  name: 'Hospital PACS',
  aeTitle: 'ORTHANC',
  host: 'pacs.example.org',
  port: 4242,
  settings: {
    retrieveMethod: 'C-MOVE',
    callingAeTitle: null,
    destinationScpId: null,
    timeoutSeconds: 30,
    maxResults: 2,
  },
  callingAeTitle: 'SLICEBOX',
  destination: { id: 1, name: 'Receiver', aeTitle: 'SLICEBOX', port: 11112 },
};

function setup(handlers: Handlers, connectionId = 'local') {
  const calls: [Channel, unknown][] = [];
  const bridge: Bridge = {
    invoke: (channel, args) => {
      calls.push([channel, args]);
      const handler = handlers[channel] as ((a: unknown) => Promise<unknown>) | undefined;
      if (!handler) return Promise.reject(new Error(`unexpected call ${channel}`));
      return handler(args) as never;
    },
    on: () => () => undefined,
    fileRef: () => Promise.reject(new Error('no files')),
  };
  const pacs = new PacsStore(bridge);
  const retrieves = new RetrievesStore(bridge, () => undefined);
  const onSelectConnection = vi.fn();
  const onNetwork = vi.fn();
  render(PacsScreen, {
    props: {
      pacs,
      retrieves,
      connectionId,
      connectionName: connectionId === 'local' ? 'Local box' : 'Hospital Slicebox',
      localConnectionId: 'local',
      onSelectConnection,
      onNetwork,
      onOpen: vi.fn(),
      onSend: vi.fn(),
    },
  });
  return { calls, pacs, onSelectConnection, onNetwork };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
    await tick();
  }
};

afterEach(() => cleanup());

describe('PACS screen', () => {
  it('a server without the extensions (a real Slicebox) says why and offers the local box', async () => {
    const { onSelectConnection, calls } = setup(
      {
        'pacs.capabilities': async () => NONE,
        'pacs.retrieves': async () => [],
      },
      'remote-1',
    );
    await settle();
    const explain = screen.getByTestId('pacs-not-offered');
    expect(explain.textContent).toContain('Hospital Slicebox cannot query a PACS');
    expect(explain.textContent).toContain('no C-FIND, C-MOVE or C-GET');
    expect(calls.map(([c]) => c)).not.toContain('pacs.nodes');
    await fireEvent.click(within(explain).getByTestId('pacs-use-local'));
    expect(onSelectConnection).toHaveBeenCalledWith('local');
  });

  it('no nodes: says a node is an SCU and leads to the Network screen', async () => {
    const { onNetwork } = setup({
      'pacs.capabilities': async () => ALL,
      'pacs.nodes': async () => ({ nodes: [], canEditSettings: true }),
      'pacs.retrieves': async () => [],
    });
    await settle();
    const none = screen.getByTestId('pacs-no-nodes');
    expect(none.textContent?.replace(/\s+/g, ' ')).toContain(
      'add the PACS with its AE title, host and port on the Network screen',
    );
    await fireEvent.click(within(none).getByRole('button', { name: 'Go to Network' }));
    expect(onNetwork).toHaveBeenCalled();
  });

  it('a truncated answer asks to refine the query and shows the notes; settings only for administrators', async () => {
    const { calls } = setup({
      'pacs.capabilities': async () => ALL,
      'pacs.nodes': async () => ({ nodes: [orthanc], canEditSettings: false }),
      'pacs.retrieves': async () => [],
      'pacs.queryStudies': async () => ({
        ok: true,
        truncated: true,
        limit: 2,
        notes: [
          'The PACS returned no ModalitiesInStudy: the modality filter could not be checked.',
        ],
        matches: ['1.1', '1.2'].map((uid, i) => ({
          studyInstanceUid: uid,
          patientName: `Doe^Pat${i}`,
          patientId: `P${i}`,
          patientBirthDate: '',
          patientSex: '',
          studyDate: '20240101',
          studyTime: '',
          studyDescription: '',
          accessionNumber: '',
          studyId: '',
          modalities: [],
          seriesCount: null,
          imageCount: null,
        })),
      }),
    });
    await settle();
    expect(screen.getByTestId('pacs-node-address').textContent).toBe(
      'ORTHANC @ pacs.example.org:4242',
    );
    expect(screen.queryByTestId('pacs-settings-button')).toBeNull();
    await fireEvent.input(screen.getByTestId('pacs-q-modality'), { target: { value: 'mr' } });
    await fireEvent.submit(screen.getByTestId('pacs-query-form'));
    await settle();
    expect(calls.find(([c]) => c === 'pacs.queryStudies')?.[1]).toEqual({
      connectionId: 'local',
      scuId: 3,
      query: { modality: 'MR' },
    });
    expect(screen.getByTestId('pacs-truncated').textContent).toContain(
      'Truncated: 2+ matches, refine the query',
    );
    expect(screen.getByTestId('pacs-notes').textContent).toContain('ModalitiesInStudy');
    expect(screen.getAllByTestId('pacs-row')).toHaveLength(2);
    expect(screen.getByTestId('pacs-results-what').textContent).toBe('2+ studies on Hospital PACS');
  });

  it('a bad form is refused before sending; the PACS’s failure is shown in its words, not as offline', async () => {
    const { calls } = setup({
      'pacs.capabilities': async () => ALL,
      'pacs.nodes': async () => ({ nodes: [orthanc], canEditSettings: true }),
      'pacs.retrieves': async () => [],
      'pacs.queryStudies': async () => ({
        ok: false,
        error: {
          code: 'timeout',
          message:
            'ORTHANC@pacs.example.org:4242 did not answer the C-FIND within 30 s; it was asked to stop (C-CANCEL).',
          peer: 'ORTHANC@pacs.example.org:4242',
        },
      }),
    });
    await settle();
    await fireEvent.input(screen.getByTestId('pacs-q-from'), { target: { value: '2024-02-01' } });
    await fireEvent.input(screen.getByTestId('pacs-q-to'), { target: { value: '2024-01-01' } });
    await fireEvent.submit(screen.getByTestId('pacs-query-form'));
    await settle();
    expect(screen.getByTestId('pacs-query-problem').textContent).toBe(
      'The study date range ends before it starts.',
    );
    expect(calls.some(([c]) => c === 'pacs.queryStudies')).toBe(false);

    await fireEvent.input(screen.getByTestId('pacs-q-to'), { target: { value: '2024-03-01' } });
    await fireEvent.submit(screen.getByTestId('pacs-query-form'));
    await settle();
    const error = screen.getByTestId('pacs-query-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.getAttribute('data-code')).toBe('timeout');
    expect(error.textContent).toContain('The PACS did not answer in time');
    expect(error.textContent).toContain('did not answer the C-FIND within 30 s');
    expect(error.textContent).not.toMatch(/offline/i);
  });
});
