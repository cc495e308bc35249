/** Preview rows: each identifying attribute before → after, marked removed, replaced or kept. */
import type { PrivacyChange, PrivacyRow } from '../../../src-preload/contract.js';
import { IDENTIFYING_ATTRIBUTES } from '../../localbox/anonymization/index.js';
import type { ImageAttribute, XAttributeChange } from '../../slicebox/types.js';

export function changeOf(before: string | null, after: string | null): PrivacyChange {
  if (before === after) return 'kept';
  if (after === null || after === '') return 'removed';
  return 'replaced';
}

/** Rows of an anonymization preview (the attributes come in display order). */
export function rowsOf(attributes: XAttributeChange[]): PrivacyRow[] {
  return attributes.map((a) => ({
    tag: a.tag,
    keyword: a.keyword,
    label: a.label,
    before: a.before,
    after: a.after,
    change: changeOf(a.before, a.after),
    generated: a.generated,
  }));
}

/**
 * Rows of data that goes as it is (Send to SCP, Export, flagged images sent as they are), from the image's
 * attribute list (`GET /images/{id}/attributes`): every present identifying attribute, kept.
 */
export function unchangedRows(attributes: ImageAttribute[]): PrivacyRow[] {
  const rows: PrivacyRow[] = [];
  for (const { tag, keyword, label } of IDENTIFYING_ATTRIBUTES) {
    const element = attributes.find((a) => a.tagPath.tag === tag && !a.tagPath.previous);
    if (!element) continue;
    let value: string;
    if (element.vr === 'SQ') {
      const items = new Set(
        attributes
          .filter((a) => a.tagPath.previous?.tag === tag && !a.tagPath.previous.previous)
          .map((a) => a.tagPath.previous?.item),
      ).size;
      value = `${items} item${items === 1 ? '' : 's'}`;
    } else value = element.values.join('\\');
    rows.push({
      tag,
      keyword,
      label,
      before: value,
      after: value,
      change: 'kept',
      generated: false,
    });
  }
  return rows;
}
