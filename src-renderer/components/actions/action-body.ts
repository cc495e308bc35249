/**
 * The contract between the action dialog's frame (ActionDialog.svelte: the <dialog>, keys, phase, focus)
 * and the body of one kind of action (bodies/*Body.svelte), after Immich's one-modal-per-action. A body
 * registers itself with the frame once, when it is created; the frame then calls `load`, shows the body,
 * and calls `run` when the confirm button (or Enter) is pressed. Getters are read reactively.
 */
import type { Snippet } from 'svelte';
import type { ActionSelection, Bridge } from '../../../src-preload/contract.js';
import type { ActionKind } from '../../stores/actions.svelte.js';

/** `ready`: the body's step is shown and waits for the user. */
export type FramePhase = 'loading' | 'ready' | 'running' | 'done' | 'error';

/** What every body works with; fixed for the dialog's life. */
export interface ActionContext {
  bridge: Bridge;
  connectionId: string;
  selection: ActionSelection;
  kind: ActionKind;
  /** Unique per opened dialog (ids of datalists and the like). */
  serial: number;
}

/**
 * What confirming did: the action ran (`result` is said in the dialog), the body moved to its next step
 * (`next`), nothing was done and the form stays (`stay`, e.g. rows that turned out invalid), or the dialog
 * handed over and closed (`closed`, Export).
 */
export type RunOutcome = { result: string } | 'next' | 'stay' | 'closed';

export interface ActionBody {
  /** Reads what the body needs; a throw shows the error. `done`: nothing to confirm (Summary). */
  load(): Promise<'ready' | 'done'>;
  /** The step shown while ready, as the dialog's `data-phase` (`confirm`, `receiver`, `details`). */
  readonly step: string;
  readonly canConfirm: boolean;
  readonly confirmLabel: string;
  /** Confirming this step only leads to the next one (the frame shows loading, not running). */
  readonly advances?: boolean;
  run(): Promise<RunOutcome>;
  /** The confirm button is red: the action destroys or replaces data. */
  readonly danger?: boolean;
  /** The dialog is wide (a privacy preview beside the fields). */
  readonly wide?: boolean;
  /** The action changes data on the server: lists reload after it ran, also after a failure. */
  readonly changesData?: boolean;
  /** A failed run keeps the form, with the error above it (Modify); else the error replaces it. */
  readonly keepsFormOnError?: boolean;
  /** Extra footer controls, left of Cancel (Keep Names). */
  readonly footer?: Snippet;
  /** Focuses the step's first field; false when the confirm button should take focus. */
  focus?(): boolean;
}

/** The props of every body component. */
export interface BodyProps {
  context: ActionContext;
  phase: FramePhase;
  register: (body: ActionBody) => void;
}
