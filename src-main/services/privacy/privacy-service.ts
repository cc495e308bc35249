/**
 * "What the receiver will get", before anything leaves (issue 10): for a selection and an action (Send,
 * Anonymize, Send to SCP, Export), who is in it, which images are flagged already anonymous, and per
 * series the identifying attributes before → after, computed with the same anonymization the action runs:
 *
 * - Send: profile = BASIC_PROFILE + options, PatientName per patient (none with Keep Names), the server's
 *   keys; flagged images go unchanged (`asIs`), or are anonymized in place first (`anonymize`: forced).
 * - Anonymize: the same, always forced (in-place anonymization ignores the flag, BEHAVIOR §11.1).
 * - Send to SCP, Export: the stored bytes go as they are; the rows show the stored values.
 *
 * The local box computes previews itself (extension route, its anonymizer and key store); other servers
 * get them from the app (app-preview.ts). See README.md.
 */
import type {
  ActionSelection,
  AnonymizePatientName,
  FlaggedChoice,
  PrivacyAction,
  PrivacyPatient,
  PrivacySample,
  PrivacyScan,
  SamplePreview,
} from '../../../src-preload/contract.js';
import type { SliceboxClient } from '../../slicebox/client.js';
import { SliceboxHttpError } from '../../slicebox/client.js';
import type { Patient, Series, Study, XAnonymizationPreview } from '../../slicebox/types.js';
import type { ActionConnections } from '../actions/action-service.js';
import { patientNameValue, profileOf } from '../actions/anonymization-body.js';
import { eachLimited } from '../actions/each-limited.js';
import { resolveImages } from '../selection/resolve-images.js';
import { previewInApp } from './app-preview.js';
import { hasPrivacyExtension } from './extension.js';
import { identityFlags } from './identity-flags.js';
import { rowsOf, unchangedRows } from './rows.js';

/** Series previewed at most; the rest are counted (`omittedSeries`). */
export const MAX_PREVIEW_SERIES = 50;
/** Images per extension request (the route's limit). */
const PREVIEW_BATCH = 200;

export interface PreviewRequest {
  action: PrivacyAction;
  samples: { imageId: number; patientId: number; flagged: boolean }[];
  options: string[];
  patientNames?: AnonymizePatientName[];
  flagged: FlaggedChoice;
}

const anonymizes = (action: PrivacyAction): boolean => action === 'send' || action === 'anonymize';

export class PrivacyService {
  constructor(private readonly connections: ActionConnections) {}

  async scan(
    connectionId: string,
    selection: ActionSelection,
    action: PrivacyAction,
  ): Promise<PrivacyScan> {
    const client = this.connections.client(connectionId);
    const images = await resolveImages(client, selection);
    const seriesIds = [...new Set(images.map((i) => i.seriesId))];
    const series = new Map<number, Series>();
    await eachLimited(seriesIds, 8, async (id) => {
      series.set(id, await client.seriesById(id));
    });
    const studies = new Map<number, Study>();
    await eachLimited([...new Set([...series.values()].map((s) => s.studyId))], 8, async (id) => {
      studies.set(id, await client.study(id));
    });
    const patients = new Map<number, Patient>();
    await eachLimited(
      [...new Set([...studies.values()].map((s) => s.patientId))],
      8,
      async (id) => {
        patients.set(id, await client.patient(id));
      },
    );
    const { flagged, unreadable } = anonymizes(action)
      ? await identityFlags(
          client,
          images.map((i) => i.id),
        )
      : { flagged: new Set<number>(), unreadable: 0 };
    const method = !anonymizes(action)
      ? 'none'
      : (await hasPrivacyExtension(client))
        ? 'server'
        : 'app';

    const patientOfSeries = (seriesId: number): number | undefined => {
      const study = studies.get(series.get(seriesId)?.studyId ?? -1);
      return study?.patientId;
    };
    const perPatient = new Map<number, { images: number; flagged: number }>();
    const groups = new Map<string, PrivacySample>();
    for (const image of images) {
      const patientId = patientOfSeries(image.seriesId) ?? -1;
      const isFlagged = flagged.has(image.id);
      const count = perPatient.get(patientId) ?? { images: 0, flagged: 0 };
      count.images++;
      if (isFlagged) count.flagged++;
      perPatient.set(patientId, count);
      const key = `${image.seriesId}:${isFlagged}`;
      const group = groups.get(key);
      if (group) {
        group.images++;
        continue;
      }
      const s = series.get(image.seriesId);
      const study = studies.get(s?.studyId ?? -1);
      const patient = patients.get(patientId);
      groups.set(key, {
        seriesId: image.seriesId,
        imageId: image.id,
        patientId,
        flagged: isFlagged,
        images: 1,
        patientName: patient?.patientName.value ?? '',
        patientID: patient?.patientID.value ?? '',
        modality: s?.modality.value ?? '',
        seriesDescription: s?.seriesDescription.value || s?.protocolName.value || '',
        studyDate: study?.studyDate.value ?? '',
      });
    }
    const shown = new Set(seriesIds.slice(0, MAX_PREVIEW_SERIES));
    const samples = [...groups.values()]
      .filter((g) => shown.has(g.seriesId))
      .sort(
        (a, b) =>
          seriesIds.indexOf(a.seriesId) - seriesIds.indexOf(b.seriesId) ||
          Number(a.flagged) - Number(b.flagged),
      );
    const patientList = (pick: 'images' | 'flagged'): PrivacyPatient[] =>
      [...perPatient]
        .filter(([, c]) => c[pick] > 0)
        .map(([patientId, c]) => ({
          patientId,
          patientName: patients.get(patientId)?.patientName.value ?? '',
          patientID: patients.get(patientId)?.patientID.value ?? '',
          images: c[pick],
        }))
        .sort((a, b) => a.patientName.localeCompare(b.patientName) || a.patientId - b.patientId);
    return {
      action,
      images: images.length,
      series: seriesIds.length,
      patients: patientList('images'),
      flagged: { images: flagged.size, patients: patientList('flagged') },
      unreadable,
      samples,
      omittedSeries: seriesIds.length - shown.size,
      method,
    };
  }

  async preview(connectionId: string, request: PreviewRequest): Promise<SamplePreview[]> {
    const client = this.connections.client(connectionId);
    if (!anonymizes(request.action)) return this.unchanged(client, request.samples);
    const profile = profileOf(request.options).options.map((o) => o.name);
    const nameOf = new Map((request.patientNames ?? []).map((p) => [p.patientId, p.name]));
    const forced = (flagged: boolean) =>
      request.action === 'anonymize' || (flagged && request.flagged === 'anonymize');
    const byImage = new Map<number, XAnonymizationPreview>();
    for (const force of [false, true]) {
      const items = request.samples
        .filter((s) => forced(s.flagged) === force)
        .map((s) => {
          const name = nameOf.get(s.patientId);
          return {
            imageId: s.imageId,
            tagValues: name === undefined ? [] : [patientNameValue(name)],
          };
        });
      for (const answer of await this.anonymizationPreviews(client, items, profile, force))
        byImage.set(answer.imageId, answer);
    }
    return request.samples.flatMap((sample): SamplePreview[] => {
      const answer = byImage.get(sample.imageId);
      if (!answer) return [];
      if (answer.error !== undefined) {
        return [
          {
            imageId: sample.imageId,
            outcome: 'anonymized',
            matchLevel: null,
            rows: [],
            error: answer.error,
          },
        ];
      }
      return [
        {
          imageId: sample.imageId,
          outcome: answer.anonymized ? 'anonymized' : 'unchanged',
          matchLevel: answer.matchLevel ?? null,
          rows: rowsOf(answer.attributes ?? []),
        },
      ];
    });
  }

  private async anonymizationPreviews(
    client: SliceboxClient,
    items: { imageId: number; tagValues: ReturnType<typeof patientNameValue>[] }[],
    profile: string[],
    force: boolean,
  ): Promise<XAnonymizationPreview[]> {
    if (items.length === 0) return [];
    if (!(await hasPrivacyExtension(client))) return previewInApp(client, items, profile, force);
    const out: XAnonymizationPreview[] = [];
    for (let start = 0; start < items.length; start += PREVIEW_BATCH) {
      out.push(
        ...(await client.previewAnonymization({
          profile: { options: profile.map((name) => ({ name })) },
          force,
          imageTagValuesSet: items.slice(start, start + PREVIEW_BATCH),
        })),
      );
    }
    return out;
  }

  /** The stored values of each sample, all kept (the bytes go as they are). */
  private async unchanged(
    client: SliceboxClient,
    samples: PreviewRequest['samples'],
  ): Promise<SamplePreview[]> {
    const out = new Map<number, SamplePreview>();
    await eachLimited(samples, 8, async ({ imageId }) => {
      try {
        const rows = unchangedRows(await client.imageAttributes(imageId));
        out.set(imageId, { imageId, outcome: 'unchanged', matchLevel: null, rows });
      } catch (error) {
        if (error instanceof SliceboxHttpError && error.status === 404) return;
        throw error;
      }
    });
    return samples.flatMap((s) => out.get(s.imageId) ?? []);
  }
}
