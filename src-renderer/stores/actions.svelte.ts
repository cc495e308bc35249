/**
 * The bulk actions of Slicebox's row menu (Summary, Send, Send to SCP, Download, Tag Series, Anonymize,
 * Modify, Delete) on a selection of patients, studies, series or images. Any screen calls
 * `actions.open(kind, connectionId, selection)`; `ActionDialogs` (rendered once by App) shows the dialog of the open action. `completed`
 * increases after every action that changed data, so lists can reload. Export, too, opens a dialog
 * first (what the zip will contain); its Export button starts the host's export flow.
 */
import type { ActionSelection, Bridge } from '../../src-preload/contract.js';

export type ActionKind =
  'summary' | 'send' | 'sendToScu' | 'export' | 'tagSeries' | 'anonymize' | 'modify' | 'delete';

export interface OpenAction {
  /** Increases with every open, so a dialog reopened for the same selection starts afresh. */
  serial: number;
  kind: ActionKind;
  connectionId: string;
  selection: ActionSelection;
}

export interface ActionsHost {
  bridge: Bridge;
  /** Starts the existing export flow (`exports.start`, progress, download). */
  onExport: (connectionId: string, selection: ActionSelection) => void;
}

class ActionsStore {
  /** The action whose dialog is open, if any. */
  current = $state.raw<OpenAction | null>(null);
  /** Increased after any action that changed data (delete, anonymize, modify, tag series). */
  completed = $state(0);

  #host: ActionsHost | null = null;
  #serial = 0;

  /** App wires the bridge and the export flow in once. */
  attach(host: ActionsHost): void {
    this.#host = host;
  }

  get bridge(): Bridge {
    if (!this.#host) throw new Error('The actions store is not attached to the bridge');
    return this.#host.bridge;
  }

  open(
    kind: ActionKind,
    connectionId: string,
    selection: { kind: 'patients' | 'studies' | 'series' | 'images'; ids: number[] },
  ): void {
    if (!connectionId || selection.ids.length === 0) return;
    const copy: ActionSelection = { kind: selection.kind, ids: [...selection.ids] };
    this.current = { serial: ++this.#serial, kind, connectionId, selection: copy };
  }

  close(): void {
    this.current = null;
  }

  /** Starts the existing export flow (after the Export dialog's preview). */
  startExport(connectionId: string, selection: ActionSelection): void {
    this.#host?.onExport(connectionId, selection);
  }

  /** Called by the dialogs when an action changed data on the server. */
  markCompleted(): void {
    this.completed++;
  }
}

export const actions = new ActionsStore();
