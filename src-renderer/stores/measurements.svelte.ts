/**
 * The viewer's measurements: those of the series open in the viewports (read from the app's cache database when a
 * series opens), the selected one, and saving, removing and exporting them through the bridge. A change shows at
 * once; if the database refuses it, the list is read again and the error is shown.
 */
import type {
  Bridge,
  Measurement,
  MeasurementDraft,
  MeasurementCsvExport,
} from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';

export class MeasurementsStore {
  /** Every measurement known for the series open, oldest first. */
  items = $state.raw<Measurement[]>([]);
  selectedId = $state<string | null>(null);
  error = $state('');
  /** The last CSV export (its file name and where it went), for the panel's note. */
  exported = $state.raw<MeasurementCsvExport | null>(null);

  #bridge: Bridge;

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
  }

  get selected(): Measurement | null {
    return this.items.find((m) => m.id === this.selectedId) ?? null;
  }

  /** Reads the measurements of these images (a series just opened), replacing what was known of them. */
  async load(connectionId: string, sopInstanceUids: readonly string[]): Promise<void> {
    if (sopInstanceUids.length === 0) return;
    try {
      const found = await this.#bridge.invoke('measurements.list', {
        connectionId,
        sopInstanceUids: [...sopInstanceUids],
      });
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, not state
      const asked = new Set(sopInstanceUids);
      this.items = [
        ...this.items.filter(
          (m) => !(m.connectionId === connectionId && asked.has(m.sopInstanceUid)),
        ),
        ...found,
      ].sort((a, b) => a.createdAt - b.createdAt);
    } catch (error) {
      this.error = `Reading the measurements: ${errorMessage(error)}`;
    }
  }

  /** The measurements on one frame of one image. */
  on(
    connectionId: string | null,
    sopInstanceUid: string | undefined,
    frame: number,
  ): Measurement[] {
    if (!connectionId || !sopInstanceUid) return [];
    return this.items.filter(
      (m) =>
        m.connectionId === connectionId && m.sopInstanceUid === sopInstanceUid && m.frame === frame,
    );
  }

  /** The measurements of a series' images (by their SOP Instance UIDs). */
  of(connectionId: string | null, sopInstanceUids: ReadonlySet<string>): Measurement[] {
    if (!connectionId) return [];
    return this.items.filter(
      (m) => m.connectionId === connectionId && sopInstanceUids.has(m.sopInstanceUid),
    );
  }

  /** Shows the measurement at once and stores it (new, or replacing the one with its id). */
  async save(draft: MeasurementDraft): Promise<void> {
    const now = Date.now();
    const before = this.items.find((m) => m.id === draft.id);
    const shown: Measurement = {
      ...draft,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    };
    this.items = before
      ? this.items.map((m) => (m.id === draft.id ? shown : m))
      : [...this.items, shown];
    try {
      const saved = await this.#bridge.invoke('measurements.save', draft);
      this.items = this.items.map((m) => (m.id === saved.id ? saved : m));
      this.error = '';
    } catch (error) {
      this.error = `The measurement was not saved: ${errorMessage(error)}`;
      await this.load(draft.connectionId, [draft.sopInstanceUid]);
    }
  }

  async remove(measurement: Measurement): Promise<void> {
    this.items = this.items.filter((m) => m.id !== measurement.id);
    if (this.selectedId === measurement.id) this.selectedId = null;
    try {
      await this.#bridge.invoke('measurements.remove', {
        connectionId: measurement.connectionId,
        id: measurement.id,
      });
      this.error = '';
    } catch (error) {
      this.error = `The measurement was not deleted: ${errorMessage(error)}`;
      await this.load(measurement.connectionId, [measurement.sopInstanceUid]);
    }
  }

  /** Saves the measurements of a series as CSV (browser mode: also downloads it). */
  async exportCsv(
    connectionId: string,
    sopInstanceUids: readonly string[],
    fileName?: string,
  ): Promise<MeasurementCsvExport | null> {
    try {
      const result = await this.#bridge.invoke('measurements.exportCsv', {
        connectionId,
        sopInstanceUids: [...sopInstanceUids],
        ...(fileName ? { fileName } : {}),
      });
      this.exported = result;
      this.error = '';
      if (result.csv !== undefined) {
        const url = URL.createObjectURL(new Blob([result.csv], { type: 'text/csv;charset=utf-8' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = result.fileName;
        a.rel = 'noopener';
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
      return result;
    } catch (error) {
      this.error = `Export: ${errorMessage(error)}`;
      return null;
    }
  }
}
