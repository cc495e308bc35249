/**
 * Keyword paths of the Modify dialog (`PatientName`, `EnergyWindowInformationSequence[1].EnergyWindowRangeSequence[2].EnergyWindowUpperLimit`,
 * or literal `(gggg,eeee)` steps) parsed and turned into Slicebox's TagPath JSON (BEHAVIOR §5.3), a linked
 * list from the addressed element up to the root.
 */
import type { TagPath } from '../../slicebox/types.js';
import { ServiceError } from '../service-error.js';

export interface PathStep {
  /** A dictionary keyword, or undefined when the step is a literal tag. */
  keyword?: string;
  /** The tag of a literal `(gggg,eeee)` step. */
  tag?: number;
  /** 1-based item index; on sequence steps only (every step but the last). */
  item?: number;
}

const STEP = /^(?:\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)|([A-Za-z][A-Za-z0-9]*))(?:\[(\d+)\])?$/;

/** Parses a keyword path; throws an invalid-arguments ServiceError saying what is wrong. */
export function parseTagPath(text: string): PathStep[] {
  const parts = text.trim().split('.');
  const steps = parts.map((part, index): PathStep => {
    const match = STEP.exec(part.trim());
    if (!match) {
      throw new ServiceError(
        'invalid-arguments',
        `"${text}": "${part}" is not a keyword or (gggg,eeee)`,
      );
    }
    const [, group, element, keyword, item] = match;
    const last = index === parts.length - 1;
    if (last && item !== undefined) {
      throw new ServiceError(
        'invalid-arguments',
        `"${text}": the last step must name an element, not an item`,
      );
    }
    if (!last && item === undefined) {
      throw new ServiceError(
        'invalid-arguments',
        `"${text}": sequence step "${part}" needs an item index, e.g. [1]`,
      );
    }
    if (item !== undefined && Number(item) < 1) {
      throw new ServiceError('invalid-arguments', `"${text}": item indexes start at 1`);
    }
    return {
      ...(keyword ? { keyword } : { tag: parseInt(`${group}${element}`, 16) }),
      ...(item !== undefined ? { item: Number(item) } : {}),
    };
  });
  return steps;
}

/** Builds the TagPath JSON of parsed steps once each keyword has a tag. */
export function toTagPath(steps: { tag: number; name: string; item?: number }[]): TagPath {
  let previous: TagPath | undefined;
  for (const step of steps) {
    const node: TagPath = { tag: step.tag, name: step.name };
    if (step.item !== undefined) node.item = String(step.item);
    if (previous) node.previous = previous;
    previous = node;
  }
  if (!previous) throw new ServiceError('invalid-arguments', 'An empty tag path');
  return previous;
}
