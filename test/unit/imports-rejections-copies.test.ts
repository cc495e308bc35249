/**
 * Rejections in words (SOP class and transfer syntax by name, what was refused, what to do) and the
 * order in which copies of one image are tried (independent of the order of the drop).
 */
import { describe, expect, it } from 'vitest';
import { sopClassName, transferSyntaxName } from '../../src-main/localbox/dicom/uid-names.js';
import {
  ACCEPTED_TRANSFER_SYNTAXES,
  IMAGE_DATA_AND_EXTENDED_SOP_CLASSES,
} from '../../src-main/localbox/dicom/uids.js';
import { groupsToSend, predictedRank } from '../../src-main/services/imports/copies.js';
import { describeRejection } from '../../src-main/services/imports/describe-rejection.js';
import type { FileRow } from '../../src-main/services/imports/job-store.js';

const context = (sop: string, ts: string) =>
  `The presentation context [SOPClassUID = ${sop}, TransferSyntaxUID = ${ts}] is not supported`;
const MR = '1.2.840.10008.5.1.4.1.1.4';
const SC = '1.2.840.10008.5.1.4.1.1.7';
const RT_DOSE = '1.2.840.10008.5.1.4.1.1.481.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const JPEG_LS = '1.2.840.10008.1.2.4.80';

describe('rejections in words', () => {
  it('names every SOP class and transfer syntax Slicebox accepts', () => {
    for (const uid of IMAGE_DATA_AND_EXTENDED_SOP_CLASSES) expect(sopClassName(uid)).not.toBe(uid);
    for (const uid of ACCEPTED_TRANSFER_SYNTAXES) expect(transferSyntaxName(uid)).not.toBe(uid);
    expect(sopClassName('1.2.3.4')).toBe('1.2.3.4');
  });

  it('a refused transfer syntax of an image object', () => {
    expect(describeRejection({ serverText: context(MR, JPEG_LS) })).toEqual({
      reason: 'Transfer syntax not accepted: JPEG-LS Lossless Image Compression (MR Image Storage)',
      hint: expect.stringMatching(/^Slicebox accepts Implicit .* Decompress the file/),
    });
  });

  it('a secondary capture refused by import, with the way it is accepted', () => {
    const described = describeRejection({ serverText: context(SC, EXPLICIT) });
    expect(described.reason).toBe(
      'Import does not take secondary captures: Secondary Capture Image Storage (Explicit VR Little Endian)',
    );
    expect(described.hint).toMatch(/plain upload to the server \(POST \/api\/images\)/);
  });

  it('objects Slicebox never stores, and both parts refused', () => {
    expect(describeRejection({ serverText: context(RT_DOSE, '1.2.840.10008.1.2') })).toEqual({
      reason: 'Not an image object Slicebox stores: RT Dose Storage (Implicit VR Little Endian)',
      hint: expect.stringMatching(/refused by every way in/),
    });
    const both = describeRejection({ serverText: context(SC, '1.2.840.10008.1.2.4.91') });
    expect(both.reason).toBe(
      'Neither the kind of object nor the transfer syntax is accepted: Secondary Capture Image Storage in JPEG 2000 Image Compression',
    );
    expect(both.hint).toMatch(/plain upload.*Decompress/s);
  });

  it('a file without meta information or SOP class, and an unknown UID', () => {
    expect(
      describeRejection({ serverText: context('1.2.840.10008.5.1.4.1.1.481.8', '<empty>') }).reason,
    ).toBe('No transfer syntax: the file has no File Meta Information (RT Ion Plan Storage)');
    expect(describeRejection({ serverText: context('<empty>', EXPLICIT) }).reason).toBe(
      'No SOP class: the file does not say what kind of object it is (Explicit VR Little Endian)',
    );
    expect(describeRejection({ serverText: context('1.2.3.4', EXPLICIT) }).reason).toBe(
      'Not an image object Slicebox stores: 1.2.3.4 (Explicit VR Little Endian)',
    );
  });

  it('an accepted pair the server still refuses: its configuration differs', () => {
    expect(describeRejection({ serverText: context(MR, EXPLICIT) }).reason).toBe(
      'The server does not accept MR Image Storage in Explicit VR Little Endian',
    );
  });

  it('unreadable files keep the server’s words; the upload route’s prefix is dropped', () => {
    expect(
      describeRejection({ serverText: 'Invalid DICOM data: DICOM file is truncated' }),
    ).toEqual({
      reason: 'The file is damaged: it ends before its data does (truncated)',
      hint: expect.stringMatching(/Copy it again/),
    });
    expect(describeRejection({ serverText: 'Not a DICOM stream: bad tag' }).reason).toBe(
      'The file could not be read as DICOM (Not a DICOM stream: bad tag)',
    );
    expect(describeRejection({ serverText: 'Something else entirely' })).toEqual({
      reason: 'Something else entirely',
    });
  });
});

describe('the order copies of one image are tried in', () => {
  const row = (seq: number, name: string, ts?: string, uid = 'u1', sop = MR): FileRow => ({
    seq,
    name,
    path: `/x/${name}`,
    size: 100,
    state: 'pending',
    staged: false,
    attempts: 0,
    sopInstanceUID: uid,
    sopClassUID: ts ? sop : undefined,
    transferSyntaxUID: ts,
  });

  it('predicts what Slicebox accepts: acceptable, unknown, refused', () => {
    expect(predictedRank({ sopClassUID: MR, transferSyntaxUID: EXPLICIT })).toBe(0);
    expect(predictedRank({})).toBe(1);
    expect(predictedRank({ sopClassUID: MR, transferSyntaxUID: JPEG_LS })).toBe(2);
    expect(predictedRank({ sopClassUID: SC, transferSyntaxUID: EXPLICIT })).toBe(2);
  });

  it('is the same whatever the order of the drop', () => {
    const files = [
      row(0, 'z/MR_small_jpeg_ls.dcm', JPEG_LS),
      row(1, 'b/MR_small.dcm', EXPLICIT),
      row(2, 'MR_unreadable.dcm'),
      row(3, 'a/MR_small_implicit.dcm', '1.2.840.10008.1.2'),
      row(4, 'other.dcm', EXPLICIT, 'u2'),
      row(5, 'no-uid.dcm', undefined, ''),
    ];
    const expected = [
      'a/MR_small_implicit.dcm',
      'b/MR_small.dcm',
      'MR_unreadable.dcm',
      'z/MR_small_jpeg_ls.dcm',
    ];
    for (let r = 0; r < files.length; r++) {
      const rotated = [...files.slice(r), ...files.slice(0, r)].map((f, seq) => ({ ...f, seq }));
      const groups = groupsToSend(rotated);
      expect(groups).toHaveLength(3);
      const family = groups.find((g) => g.length === 4)!;
      expect(family.map((f) => f.name)).toEqual(expected);
    }
  });

  it('leaves out images with nothing left to send', () => {
    const done = { ...row(0, 'a.dcm', EXPLICIT), state: 'added' as const };
    const skipped = { ...row(1, 'b.dcm', EXPLICIT), state: 'skipped' as const };
    expect(groupsToSend([done, skipped, row(2, 'c.dcm', EXPLICIT, 'u2')])).toEqual([
      [expect.objectContaining({ name: 'c.dcm' })],
    ]);
  });
});
