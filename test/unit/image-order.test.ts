/** The browser's order of a series' images (src-main/services/browse/image-order.ts). */
import { describe, expect, it } from 'vitest';
import type { ImageItem } from '../../src-preload/contract.js';
import { sortImages } from '../../src-main/services/browse/image-order.js';

const image = (id: number, instanceNumber: string, sopInstanceUID = `1.2.${id}`): ImageItem => ({
  id,
  seriesId: 1,
  sopInstanceUID,
  imageType: 'ORIGINAL\\PRIMARY',
  instanceNumber,
});

const numbers = (items: ImageItem[]) => items.map((i) => i.instanceNumber);
const ids = (items: ImageItem[]) => items.map((i) => i.id);

describe('sortImages', () => {
  // The order of arrival of issue 10: 6, 10, 8, 7, 9.
  const arrived = [image(1, '6'), image(2, '10'), image(3, '8'), image(4, '7'), image(5, '9')];

  it('orders instance numbers as numbers, not as text (10 after 9)', () => {
    expect(numbers(sortImages(arrived, 'instanceNumber'))).toEqual(['6', '7', '8', '9', '10']);
    expect(numbers(sortImages(arrived, 'instanceNumber', false))).toEqual([
      '10',
      '9',
      '8',
      '7',
      '6',
    ]);
    expect(numbers(arrived)).toEqual(['6', '10', '8', '7', '9']); // the input is left alone
  });

  it('puts numbers first, then other values as text, ties by arrival; spaces and signs are numbers', () => {
    const mixed = [
      image(1, ''),
      image(2, ' 2 '),
      image(3, 'x'),
      image(4, '-1'),
      image(5, '2'),
      image(6, 'a'),
    ];
    expect(ids(sortImages(mixed, 'instanceNumber'))).toEqual([4, 2, 5, 1, 6, 3]);
    expect(ids(sortImages(mixed, 'instanceNumber', false))).toEqual([3, 6, 1, 5, 2, 4]);
  });

  it('orders SOP Instance UIDs component by component (…2.10 after …2.9)', () => {
    const uids = [
      image(1, '1', '1.2.840.10.2.10'),
      image(2, '1', '1.2.840.10.2.9'),
      image(3, '1', '1.2.840.9.5'),
      image(4, '1', '1.2.840.10.2'),
    ];
    expect(sortImages(uids, 'sopInstanceUID').map((i) => i.sopInstanceUID)).toEqual([
      '1.2.840.9.5',
      '1.2.840.10.2',
      '1.2.840.10.2.9',
      '1.2.840.10.2.10',
    ]);
  });

  it('orders by id: the order of arrival', () => {
    expect(ids(sortImages([...arrived].reverse(), 'id'))).toEqual([1, 2, 3, 4, 5]);
  });
});
