/**
 * The bulk actions of Slicebox's Home row menu (WEB-UI §1.2): Summary, Delete, Anonymize, Modify and Tag
 * Series, on a selection of patients, studies, series or images. Each resolves the selection the way the
 * web UI "collects the images", then makes the same server calls: one bulk `POST /images/delete`, one
 * `POST /anonymization/anonymize`, one `PUT /images/{id}/modify` per image, and the series tag links per
 * series. Server errors keep the server's text (SliceboxHttpError) all the way to the renderer.
 */
import type {
  ActionSelection,
  AnonymizationOptionItem,
  AnonymizePatientName,
  SelectionDescription,
  SelectionPatient,
  SelectionSummary,
  SeriesTagsSummary,
  TagMappingDraft,
  TagStepInfo,
} from '../../../src-preload/contract.js';
import { SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';
import type { TagPath } from '../../slicebox/types.js';
import { ServiceError } from '../service-error.js';
import { resolveImageIds, resolveImages, resolveSeriesIds } from '../selection/resolve-images.js';
import { anonymizationBody, patientsOf } from './anonymization-body.js';
import { describeSelection } from './describe-selection.js';
import { lookupTagStep } from './dictionary-lookup.js';
import { eachLimited } from './each-limited.js';
import { parseTagPath, toTagPath } from './tag-path.js';

/** What the action service needs of the connections: a client per connection. */
export interface ActionConnections {
  client(connectionId: string): SliceboxClient;
}

export class ActionService {
  constructor(private readonly connections: ActionConnections) {}

  /** Counts of patients, studies, series and images, and series per modality. */
  async summary(connectionId: string, selection: ActionSelection): Promise<SelectionSummary> {
    const client = this.connections.client(connectionId);
    const images = await resolveImages(client, selection);
    const seriesIds = [...new Set(images.map((i) => i.seriesId))];
    const studyIds = new Set<number>();
    const modalities = new Map<string, number>();
    await eachLimited(seriesIds, 8, async (id) => {
      const series = await client.seriesById(id);
      studyIds.add(series.studyId);
      const modality = series.modality.value.trim() || '(none)';
      modalities.set(modality, (modalities.get(modality) ?? 0) + 1);
    });
    const patientIds = new Set<number>();
    await eachLimited([...studyIds], 8, async (id) => {
      patientIds.add((await client.study(id)).patientId);
    });
    return {
      patients: patientIds.size,
      studies: studyIds.size,
      series: seriesIds.length,
      images: images.length,
      modalities: [...modalities]
        .map(([modality, series]) => ({ modality, series }))
        .sort((a, b) => b.series - a.series || a.modality.localeCompare(b.modality)),
    };
  }

  /** The selection by name (patients, series, counts), for the confirmations that name things. */
  describe(connectionId: string, selection: ActionSelection): Promise<SelectionDescription> {
    return describeSelection(this.connections.client(connectionId), selection);
  }

  /** Permanently deletes the selection's images with one `POST /images/delete`. */
  async delete(connectionId: string, selection: ActionSelection): Promise<{ deleted: number }> {
    const client = this.connections.client(connectionId);
    const ids = await resolveImageIds(client, selection);
    if (ids.length === 0) return { deleted: 0 };
    await client.deleteImages(ids);
    return { deleted: ids.length };
  }

  async anonymizationOptions(connectionId: string): Promise<AnonymizationOptionItem[]> {
    const options = await this.connections.client(connectionId).anonymizationOptions();
    return options
      .map(({ name, title, description, rank }) => ({ name, title, description, rank }))
      .sort((a, b) => a.rank - b.rank);
  }

  /** The distinct patients of the selection, in id order (Anonymization Details' name grid). */
  async patients(connectionId: string, selection: ActionSelection): Promise<SelectionPatient[]> {
    const client = this.connections.client(connectionId);
    const ids =
      selection.kind === 'patients'
        ? [...new Set(selection.ids)]
        : [...new Set((await patientsOf(client, await resolveImages(client, selection))).values())];
    const out: SelectionPatient[] = [];
    await eachLimited(ids, 8, async (patientId) => {
      const patient = await client.patient(patientId);
      out.push({ patientId, patientName: patient.patientName.value });
    });
    return out.sort((a, b) => a.patientId - b.patientId);
  }

  /**
   * Anonymizes the selection's images in place; BASIC_PROFILE is always part of the profile. With
   * `patientNames`, every image of such a patient gets that PatientName (`imageTagValuesSet`, as Slicebox's
   * Anonymization Details grid sends it); without, the profile decides (Keep Names).
   */
  async anonymize(
    connectionId: string,
    selection: ActionSelection,
    options: string[],
    patientNames: AnonymizePatientName[] = [],
  ): Promise<{ anonymized: number }> {
    const client = this.connections.client(connectionId);
    const images = await resolveImages(client, selection);
    if (images.length === 0) return { anonymized: 0 };
    const anonymized = await client.anonymizeImages(
      await anonymizationBody(client, images, options, patientNames),
    );
    return { anonymized: anonymized.length };
  }

  /** Dictionary keywords containing `filter` (Modify's autocomplete), at most 50. */
  async keywords(
    connectionId: string,
    filter: string,
    kind: 'all' | 'sequence' | 'nonsequence' = 'all',
  ): Promise<string[]> {
    const keywords = await this.connections.client(connectionId).dictionaryKeywords(filter, kind);
    const needle = filter.toLowerCase();
    const first = keywords.filter((k) => k.toLowerCase().startsWith(needle));
    const rest = keywords.filter((k) => !k.toLowerCase().startsWith(needle));
    return [...first, ...rest].slice(0, 50);
  }

  /** One tag-path step in the server's dictionary (Modify's row checks), with suggestions. */
  lookup(connectionId: string, step: string): Promise<TagStepInfo> {
    return lookupTagStep(this.connections.client(connectionId), step);
  }

  /** Converts keyword paths to TagPath JSON with the server's dictionary (`/dicom/dictionary/tag`). */
  async tagPaths(client: SliceboxClient, texts: string[]): Promise<TagPath[]> {
    const tags = new Map<string, number>();
    const lookup = async (keyword: string): Promise<number> => {
      const known = tags.get(keyword);
      if (known !== undefined) return known;
      try {
        const { tag } = await client.tagOfKeyword(keyword);
        tags.set(keyword, tag);
        return tag;
      } catch (error) {
        if (error instanceof SliceboxHttpError && error.status === 404) {
          throw new ServiceError('invalid-arguments', `Unknown DICOM keyword "${keyword}"`);
        }
        throw error;
      }
    };
    const out: TagPath[] = [];
    for (const text of texts) {
      const steps = [];
      for (const step of parseTagPath(text)) {
        const tag = step.keyword !== undefined ? await lookup(step.keyword) : step.tag!;
        steps.push({ tag, name: step.keyword ?? '', item: step.item });
      }
      out.push(toTagPath(steps));
    }
    return out;
  }

  /** One `PUT /images/{id}/modify` per image of the selection, with every mapping. */
  async modify(
    connectionId: string,
    selection: ActionSelection,
    mappings: TagMappingDraft[],
  ): Promise<{ modified: number }> {
    const client = this.connections.client(connectionId);
    const paths = await this.tagPaths(
      client,
      mappings.map((m) => m.tagPath),
    );
    const body = mappings.map((m, i) => ({ tagPath: paths[i]!, value: m.value }));
    const ids = await resolveImageIds(client, selection);
    let modified = 0;
    try {
      await eachLimited(ids, 4, async (id) => {
        await client.modifyImage(id, body);
        modified++;
      });
    } catch (error) {
      if (modified === 0) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new ServiceError(
        'server',
        `Modified ${modified} of ${ids.length} images, then: ${detail}`,
      );
    }
    return { modified };
  }

  /** Every series tag, and how many of the selection's series carry each. */
  async seriesTags(connectionId: string, selection: ActionSelection): Promise<SeriesTagsSummary> {
    const client = this.connections.client(connectionId);
    const seriesIds = await resolveSeriesIds(client, selection);
    return this.seriesTagsOf(client, seriesIds);
  }

  async seriesTagsOf(client: SliceboxClient, seriesIds: number[]): Promise<SeriesTagsSummary> {
    const allTags = (
      await client.seriesTags({ startindex: 0, count: 100_000, orderby: 'name' })
    ).map(({ id, name }) => ({ id, name }));
    const counts = new Map<number, { id: number; name: string; count: number }>();
    await eachLimited(seriesIds, 8, async (seriesId) => {
      for (const tag of await client.seriesTagsOf(seriesId)) {
        const entry = counts.get(tag.id) ?? { id: tag.id, name: tag.name, count: 0 };
        entry.count++;
        counts.set(tag.id, entry);
      }
    });
    return {
      series: seriesIds.length,
      allTags,
      tagCounts: [...counts.values()].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** Adds the named tags to (creating new ones) and removes the tag ids from every series. */
  async tagSeries(
    connectionId: string,
    selection: ActionSelection,
    add: string[],
    remove: number[],
  ): Promise<{ series: number }> {
    const client = this.connections.client(connectionId);
    return this.tagSeriesIds(client, await resolveSeriesIds(client, selection), add, remove);
  }

  async tagSeriesIds(
    client: SliceboxClient,
    seriesIds: number[],
    add: string[],
    remove: number[],
  ): Promise<{ series: number }> {
    const names = [...new Set(add.map((n) => n.trim()).filter(Boolean))];
    await eachLimited(seriesIds, 4, async (seriesId) => {
      for (const name of names) await client.addSeriesTag(seriesId, name);
      for (const tagId of new Set(remove)) await client.removeSeriesTag(seriesId, tagId);
    });
    return { series: seriesIds.length };
  }
}
