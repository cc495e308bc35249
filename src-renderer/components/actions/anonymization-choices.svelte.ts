/**
 * What Send and Anonymize share: Slicebox's Anonymization Details (the options, BASIC_PROFILE always on,
 * the name prefix and numbering, names typed per patient, Keep Names), the choice for images flagged as
 * already anonymous (Send), and the privacy preview computed for exactly those choices. The bodies act
 * only when the preview shown is fresh for the current inputs.
 */
import type {
  AnonymizationOptionItem,
  AnonymizePatientName,
  FlaggedChoice,
  SelectionPatient,
} from '../../../src-preload/contract.js';
import type { ActionContext } from './action-body.js';
import { PrivacyPreviewState, type PreviewInputs } from './privacy-preview.svelte.js';

const BASIC_PROFILE: AnonymizationOptionItem = {
  name: 'BASIC_PROFILE',
  title: 'Basic Profile',
  description: 'Basic Profile',
  rank: 10,
};

export class AnonymizationChoices {
  options = $state<AnonymizationOptionItem[]>([]);
  chosen = $state<string[]>([]);
  /** The selection's patients and the PatientName each one gets. */
  patients = $state<SelectionPatient[]>([]);
  prefix = $state('anon');
  numberLength = $state(3);
  numberStart = $state(1);
  /** Anonymized names typed by hand, by patient id (the rest follow prefix and numbering). */
  typedNames = $state<Record<number, string>>({});
  /** Keep Names: no PatientName values are sent; the profile decides. */
  keepNames = $state(false);
  /** Send: what happens to images flagged as already anonymous (the safe choice first). */
  flaggedChoice = $state<FlaggedChoice>('anonymize');
  readonly preview: PrivacyPreviewState;

  constructor(private readonly context: ActionContext & { kind: 'send' | 'anonymize' }) {
    this.preview = new PrivacyPreviewState(
      context.bridge,
      context.connectionId,
      context.selection,
      context.kind,
    );
  }

  /** `<prefix> <zero-padded number>`, numbered from `numberStart` in the grid's order. */
  defaultName(index: number): string {
    const length = Math.min(6, Math.max(1, Math.trunc(this.numberLength) || 1));
    const start = Math.max(0, Math.trunc(this.numberStart) || 0);
    return `${this.prefix} ${String(start + index).padStart(length, '0')}`.trim();
  }

  readonly anonymizedNames = $derived<AnonymizePatientName[]>(
    this.patients.map((p, i) => ({
      patientId: p.patientId,
      name: this.typedNames[p.patientId] ?? this.defaultName(i),
    })),
  );

  /** The options as the server takes them (BASIC_PROFILE is implied). */
  readonly optionNames = $derived(this.chosen.filter((o) => o !== 'BASIC_PROFILE'));

  /** What the preview and the action are computed from, for the current choices. */
  readonly inputs = $derived.by<PreviewInputs>(() => ({
    options: this.optionNames,
    ...(this.keepNames ? {} : { patientNames: this.anonymizedNames }),
    flagged: this.context.kind === 'send' ? this.flaggedChoice : 'anonymize',
  }));

  readonly fresh = $derived.by(() => this.preview.isFreshFor(this.inputs));

  /** Send as is: patients whose every image is flagged go unchanged, so their names are not applied. */
  readonly sentAsIs = $derived.by(() => {
    const scan = this.preview.scan;
    if (this.context.kind !== 'send' || this.flaggedChoice !== 'asIs' || !scan) return [];
    return scan.flagged.patients
      .filter((f) => f.images === scan.patients.find((p) => p.patientId === f.patientId)?.images)
      .map((f) => f.patientId);
  });

  /** Reads the options, preselects `defaults`, reads the patients, then computes the first preview. */
  async load(defaults: string[]): Promise<void> {
    const { bridge, connectionId, selection } = this.context;
    const all = await bridge.invoke('anonymization.options', { connectionId });
    this.options = all.some((o) => o.name === 'BASIC_PROFILE') ? all : [BASIC_PROFILE, ...all];
    this.chosen = ['BASIC_PROFILE', ...defaults.filter((o) => all.some((a) => a.name === o))];
    this.patients = await bridge.invoke('actions.patients', { connectionId, selection });
    await this.preview.loadScan();
    await this.preview.update(this.inputs);
    if (this.preview.error) throw new Error(this.preview.error);
  }

  /** The anonymization arguments of `actions.send` and `actions.anonymize`. */
  get actionArgs(): { options: string[]; patientNames?: AnonymizePatientName[] } {
    return {
      options: this.optionNames,
      ...(this.keepNames ? {} : { patientNames: this.anonymizedNames }),
    };
  }
}
