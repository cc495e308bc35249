/**
 * Details of an image and its series for the viewer's side panels: the attribute (tag) table, the image
 * information (frames, pixel range) and the series' source, series types and series tags.
 */
import type {
  ImageAttributeItem,
  ImageInformationItem,
  SeriesDetails,
} from '../../../src-preload/contract.js';
import { SliceboxHttpError } from '../../slicebox/client.js';
import type { ImageAttribute, TagPath } from '../../slicebox/types.js';
import type { ConnectionService } from '../connections/connection-service.js';

export function formatTag(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

/** The steps of a tag path, root first. */
function steps(path: TagPath): TagPath[] {
  const out: TagPath[] = [];
  for (let step: TagPath | undefined = path; step; step = step.previous) out.unshift(step);
  return out;
}

/** Flattens Slicebox's linked-list tag path into strings a table can show and filter. */
export function toAttributeItem(attribute: ImageAttribute): ImageAttributeItem {
  const path = steps(attribute.tagPath);
  const last = path[path.length - 1];
  return {
    tag: formatTag(last?.tag ?? 0),
    tagPath: path.map((s) => formatTag(s.tag) + (s.item ? `[${s.item}]` : '')).join('.'),
    namePath: attribute.namePath.join('.'),
    depth: Math.max(0, path.length - 1),
    vr: attribute.vr,
    length: attribute.length,
    values: attribute.values,
  };
}

export class ImageDetailsService {
  constructor(private readonly connections: ConnectionService) {}

  async attributes(connectionId: string, imageId: number): Promise<ImageAttributeItem[]> {
    const rows = await this.connections.client(connectionId).imageAttributes(imageId);
    return rows.map(toAttributeItem);
  }

  async information(connectionId: string, imageId: number): Promise<ImageInformationItem> {
    const info = await this.connections.client(connectionId).imageInformation(imageId);
    return {
      numberOfFrames: info.numberOfFrames,
      frameIndex: info.frameIndex,
      minimumPixelValue: info.minimumPixelValue,
      maximumPixelValue: info.maximumPixelValue,
    };
  }

  async series(connectionId: string, seriesId: number): Promise<SeriesDetails> {
    const client = this.connections.client(connectionId);
    const [source, seriesTypes, seriesTags] = await Promise.all([
      client.seriesSource(seriesId).catch((error: unknown) => {
        // A series without a recorded source answers 404: that is "unknown", not a failure.
        if (error instanceof SliceboxHttpError && error.status === 404) return null;
        throw error;
      }),
      client.seriesTypesOf(seriesId),
      client.seriesTagsOf(seriesId),
    ]);
    return {
      source: source
        ? {
            sourceType: source.sourceType,
            sourceName: source.sourceName,
            sourceId: source.sourceId,
          }
        : null,
      seriesTypes: seriesTypes.map(({ id, name }) => ({ id, name })),
      seriesTags: seriesTags.map(({ id, name }) => ({ id, name })),
    };
  }

  async addSeriesType(
    connectionId: string,
    seriesId: number,
    seriesTypeId: number,
  ): Promise<SeriesDetails> {
    await this.connections.client(connectionId).addSeriesType(seriesId, seriesTypeId);
    return this.series(connectionId, seriesId);
  }

  async removeSeriesType(
    connectionId: string,
    seriesId: number,
    seriesTypeId: number,
  ): Promise<SeriesDetails> {
    await this.connections.client(connectionId).removeSeriesType(seriesId, seriesTypeId);
    return this.series(connectionId, seriesId);
  }

  /** `POST …/seriestags {"id":-1,"name"}`: links the tag of that name, created when new. */
  async addSeriesTag(connectionId: string, seriesId: number, name: string): Promise<SeriesDetails> {
    await this.connections.client(connectionId).addSeriesTag(seriesId, name.trim());
    return this.series(connectionId, seriesId);
  }

  async removeSeriesTag(
    connectionId: string,
    seriesId: number,
    seriesTagId: number,
  ): Promise<SeriesDetails> {
    await this.connections.client(connectionId).removeSeriesTag(seriesId, seriesTagId);
    return this.series(connectionId, seriesId);
  }
}
