/**
 * Copies of one image in one drop (files with the same SOP Instance UID: re-encodings, backups, a
 * damaged copy) and the order in which they are tried. Exactly one copy of an image is stored: the
 * copies are sent one after the other in this order until the server accepts one; the rest are then
 * not sent. A copy the server rejects never stands in the way of the next one.
 *
 * The order depends only on the files themselves, never on the order they were dropped or read in:
 * 1. copies whose SOP class and transfer syntax Slicebox's import accepts by default (BEHAVIOR.md
 *    Appendix B) come first, then copies whose header could not be read, then copies Slicebox would
 *    refuse (they are still tried, last: a server may be configured to accept more);
 * 2. then by relative path in the drop (`folder/sub/a.dcm`), compared character by character
 *    (UTF-16 code units: the same on every machine and locale);
 * 3. then by size, then by position in the drop (only identical paths of identical sizes get here).
 * So among the copies the server accepts, the preferred one is the first of the predicted-acceptable
 * copies in path order.
 */
import { ACCEPTED_TRANSFER_SYNTAXES, IMAGE_DATA_SOP_CLASSES } from '../../localbox/dicom/uids.js';
import type { FileRow } from './job-store.js';

/** 0: Slicebox's import accepts it by default; 1: unknown (header unreadable); 2: would be refused. */
export function predictedRank(file: Pick<FileRow, 'sopClassUID' | 'transferSyntaxUID'>): number {
  const { sopClassUID: sop, transferSyntaxUID: ts } = file;
  if (!sop || !ts) return 1;
  return IMAGE_DATA_SOP_CLASSES.has(sop) && ACCEPTED_TRANSFER_SYNTAXES.has(ts) ? 0 : 2;
}

/** Negative when copy `a` is to be tried before copy `b`. */
export function compareCopies(a: FileRow, b: FileRow): number {
  return (
    predictedRank(a) - predictedRank(b) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    a.size - b.size ||
    a.seq - b.seq
  );
}

/**
 * The job's files as groups of copies of one image (a file without a SOP Instance UID is a group of
 * its own), each in the order its copies are tried; groups in the order of their first file in the drop.
 * Only groups with something left to do (a pending copy) are returned.
 */
export function groupsToSend(files: readonly FileRow[]): FileRow[][] {
  const byUid = new Map<string, FileRow[]>();
  const groups: FileRow[][] = [];
  for (const file of files) {
    if (!file.sopInstanceUID) {
      groups.push([file]);
      continue;
    }
    let group = byUid.get(file.sopInstanceUID);
    if (!group) {
      group = [];
      byUid.set(file.sopInstanceUID, group);
      groups.push(group);
    }
    group.push(file);
  }
  return groups
    .filter((group) => group.some((f) => f.state === 'pending'))
    .map((group) => group.sort(compareCopies));
}
