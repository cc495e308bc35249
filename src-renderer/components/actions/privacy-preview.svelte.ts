/**
 * The state of one dialog's privacy preview: the scan of the selection (patients, flagged images,
 * samples), then the preview for the current inputs (options, names, flagged choice). Every answer is
 * tagged with the inputs it was computed for, so the dialog can refuse to act on a preview that no longer
 * matches what the user set: what is shown is always what will be done.
 */
import type {
  ActionSelection,
  AnonymizePatientName,
  Bridge,
  FlaggedChoice,
  PrivacyAction,
  PrivacyScan,
  SamplePreview,
} from '../../../src-preload/contract.js';
import { errorMessage } from '../../lib/format.js';

export interface PreviewInputs {
  options: string[];
  /** Absent: Keep Names (the profile decides). */
  patientNames?: AnonymizePatientName[];
  flagged: FlaggedChoice;
}

export function inputsKey(inputs: PreviewInputs): string {
  return JSON.stringify([inputs.options, inputs.patientNames ?? null, inputs.flagged]);
}

export class PrivacyPreviewState {
  scan = $state.raw<PrivacyScan | null>(null);
  samples = $state.raw<SamplePreview[]>([]);
  error = $state<string | null>(null);
  loading = $state(false);
  /** The inputs the shown samples were computed for (`inputsKey`). */
  shownKey = $state<string | null>(null);
  #serial = 0;

  constructor(
    private readonly bridge: Bridge,
    private readonly connectionId: string,
    private readonly selection: ActionSelection,
    readonly action: PrivacyAction,
  ) {}

  /** Scans the selection (throws the bridge's error). */
  async loadScan(): Promise<PrivacyScan> {
    const scan = await this.bridge.invoke('privacy.scan', {
      connectionId: this.connectionId,
      selection: this.selection,
      action: this.action,
    });
    this.scan = scan;
    return scan;
  }

  /** Computes the preview for `inputs`; a later call wins over an earlier one still running. */
  async update(inputs: PreviewInputs): Promise<void> {
    const scan = this.scan;
    if (!scan) return;
    const serial = ++this.#serial;
    const key = inputsKey(inputs);
    this.loading = true;
    try {
      const samples = await this.bridge.invoke('privacy.preview', {
        connectionId: this.connectionId,
        action: this.action,
        samples: scan.samples.map(({ imageId, patientId, flagged }) => ({
          imageId,
          patientId,
          flagged,
        })),
        options: inputs.options,
        ...(inputs.patientNames ? { patientNames: inputs.patientNames } : {}),
        flagged: inputs.flagged,
      });
      if (serial !== this.#serial) return;
      this.samples = samples;
      this.shownKey = key;
      this.error = null;
    } catch (e) {
      if (serial !== this.#serial) return;
      this.error = errorMessage(e);
    } finally {
      if (serial === this.#serial) this.loading = false;
    }
  }

  /** The shown preview is complete and was computed for exactly these inputs. */
  isFreshFor(inputs: PreviewInputs): boolean {
    return !this.loading && this.error === null && this.shownKey === inputsKey(inputs);
  }
}
