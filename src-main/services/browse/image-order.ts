/**
 * The order of a series' images in the browser. Slicebox stores InstanceNumber as a string and orders it
 * lexicographically (BEHAVIOR.md §9.5: 10 before 6), and its database order is the order images arrived in
 * (6, 10, 8, 7, 9), so the browse service sorts a series itself: instance numbers as numbers (the order the
 * viewer shows the slices in), SOP Instance UIDs component by component. Ties, and values that are not
 * numbers (after every number), fall back to the image id: the order of arrival.
 */
import type { ImageItem, ImageOrder } from '../../../src-preload/contract.js';
import { compareInstanceNumbers } from '../../slicebox/instance-order.js';

/** Two dotted-decimal UIDs component by component (`1.2.10` after `1.2.9`); anything else as text. */
function compareUids(a: string, b: string): number {
  const pa = a.trim().split('.');
  const pb = b.trim().split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      const cx = x.replace(/^0+(?=\d)/, '');
      const cy = y.replace(/^0+(?=\d)/, '');
      if (cx.length !== cy.length) return cx.length - cy.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function ascending(order: ImageOrder): (a: ImageItem, b: ImageItem) => number {
  switch (order) {
    case 'instanceNumber':
      return compareInstanceNumbers;
    case 'sopInstanceUID':
      return (a, b) => compareUids(a.sopInstanceUID, b.sopInstanceUID) || a.id - b.id;
    case 'id':
      return (a, b) => a.id - b.id;
  }
}

/** A sorted copy; descending is the exact reverse of ascending. */
export function sortImages(
  items: readonly ImageItem[],
  order: ImageOrder,
  orderAscending = true,
): ImageItem[] {
  const compare = ascending(order);
  return [...items].sort(orderAscending ? compare : (a, b) => compare(b, a));
}
