/** Keyword paths of the Modify dialog → Slicebox TagPath JSON (BEHAVIOR §5.3). */
import { describe, expect, it } from 'vitest';
import { parseTagPath, toTagPath } from '../../src-main/services/actions/tag-path.js';
import { ServiceError } from '../../src-main/services/service-error.js';

describe('Modify tag paths', () => {
  it('parses keywords, item indexes and literal tags', () => {
    expect(parseTagPath('PatientName')).toEqual([{ keyword: 'PatientName' }]);
    expect(parseTagPath(' Seq[2].(0010,0010) ')).toEqual([
      { keyword: 'Seq', item: 2 },
      { tag: 0x00100010 },
    ]);
  });

  it('rejects what cannot address an element, saying why', () => {
    expect(() => parseTagPath('PatientName[1]')).toThrow(/last step/);
    expect(() => parseTagPath('Seq.PatientName')).toThrow(/needs an item index/);
    expect(() => parseTagPath('Seq[0].PatientName')).toThrow(/start at 1/);
    expect(() => parseTagPath('Patient Name')).toThrow(ServiceError);
    expect(() => parseTagPath('')).toThrow(ServiceError);
  });

  it('builds the linked list from the element up to the root', () => {
    expect(
      toTagPath([
        { tag: 1, name: 'A', item: 1 },
        { tag: 2, name: 'B' },
      ]),
    ).toEqual({ tag: 2, name: 'B', previous: { tag: 1, name: 'A', item: '1' } });
  });
});
