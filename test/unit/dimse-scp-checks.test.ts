/**
 * The SCP's checks on what a peer sends, without sockets: the A-ASSOCIATE-RQ structure check, the per-PDU guard,
 * and the dataset-versus-request check (every accepted syntax, sequences before the SOP UIDs, deflate bombs).
 * The same checks through real associations: test/engine/scp-bad-input.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { checkAssociateRequest } from '../../src-main/localbox/dimse/associate-request-check.js';
import { AssociationGuard } from '../../src-main/localbox/dimse/association-guard.js';
import { parseFileMeta } from '../../src-main/localbox/dimse/part10.js';
import { receivedDatasetProblem } from '../../src-main/localbox/dimse/received-dataset.js';
import {
  associateRqBody,
  cEchoRq,
  cStoreRq,
  CT_IMAGE_STORAGE,
  EXPLICIT_LE,
  IMPLICIT_LE,
  pData,
  pdu,
  PduType,
  releaseRq,
  userItem,
  VERIFICATION,
} from '../engine/pdu-builder.js';

const PYDICOM = '/work/shared/testdata/dicom/pydicom';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const MR = '1.2.840.10008.5.1.4.1.1.4';

function dataset(name: string): { bytes: Buffer; sopInstanceUid: string; sopClassUid: string } {
  const file = readFileSync(join(PYDICOM, name));
  const meta = parseFileMeta(file);
  if (meta === 'need-more') throw new Error(name);
  return { bytes: file.subarray(meta.datasetOffset), ...meta };
}

/** An Explicit VR LE element (short VR). */
function el(group: number, element: number, vr: string, value: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(element, 2);
  h.write(vr, 4, 'latin1');
  h.writeUInt16LE(value.length, 6);
  return Buffer.concat([h, value]);
}

function tagOnly(group: number, element: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(element, 2);
  h.writeUInt32LE(length >>> 0, 4);
  return h;
}

describe('receivedDatasetProblem', () => {
  const ct = dataset('CT_small.dcm');
  const request = (d: { sopClassUid: string; sopInstanceUid: string }, ts: string) => ({
    sopClassUid: d.sopClassUid,
    sopInstanceUid: d.sopInstanceUid,
    transferSyntaxUid: ts,
  });

  test('each accepted uncompressed syntax and deflate: a matching dataset passes', () => {
    expect(receivedDatasetProblem(ct.bytes, request(ct, EXPLICIT_LE))).toBeUndefined();
    const implicit = dataset('MR_small_implicit.dcm');
    expect(receivedDatasetProblem(implicit.bytes, request(implicit, IMPLICIT_LE))).toBeUndefined();
    const big = dataset('MR_small_bigendian.dcm');
    expect(receivedDatasetProblem(big.bytes, request(big, BIG_ENDIAN))).toBeUndefined();
    const mr = dataset('MR_small.dcm');
    const deflated = deflateRawSync(mr.bytes);
    expect(
      receivedDatasetProblem(deflated.subarray(0, 4096), request(mr, DEFLATED)),
    ).toBeUndefined();
  });

  test('another syntax than the accepted one is named', () => {
    const implicit = dataset('MR_small_implicit.dcm');
    expect(receivedDatasetProblem(implicit.bytes, request(implicit, EXPLICIT_LE))).toMatch(
      /not encoded in Explicit VR Little Endian.*no valid VR/,
    );
    expect(receivedDatasetProblem(ct.bytes, request(ct, IMPLICIT_LE))).toMatch(
      /not encoded in Implicit VR Little Endian.*Explicit VR data/,
    );
    expect(receivedDatasetProblem(ct.bytes, request(ct, BIG_ENDIAN))).toMatch(
      /not encoded in Explicit VR Big Endian.*not big endian/,
    );
    const big = dataset('MR_small_bigendian.dcm');
    expect(receivedDatasetProblem(big.bytes, request(big, EXPLICIT_LE))).toMatch(
      /not little endian/,
    );
    expect(
      receivedDatasetProblem(Buffer.from('not deflate at all'), request(ct, DEFLATED)),
    ).toMatch(/cannot be inflated/);
    expect(receivedDatasetProblem(Buffer.alloc(4), request(ct, EXPLICIT_LE))).toMatch(
      /only 4 bytes/,
    );
  });

  test('UIDs other than the request’s are named; without them too', () => {
    expect(
      receivedDatasetProblem(ct.bytes, { ...request(ct, EXPLICIT_LE), sopInstanceUid: '1.2.3' }),
    ).toBe(
      `the dataset's SOP Instance UID ${ct.sopInstanceUid} differs from the C-STORE request's 1.2.3`,
    );
    expect(receivedDatasetProblem(ct.bytes, { ...request(ct, EXPLICIT_LE), sopClassUid: MR })).toBe(
      `the dataset's SOP Class UID ${CT_IMAGE_STORAGE} differs from the C-STORE request's ${MR}`,
    );
    const noUids = el(0x0008, 0x0020, 'DA', Buffer.from('20240101'));
    expect(receivedDatasetProblem(noUids, request(ct, EXPLICIT_LE))).toMatch(
      /has no SOP Instance UID/,
    );
  });

  test('an undefined-length sequence before the SOP UIDs is skipped', () => {
    const uid = '1.2.3.4';
    const bytes = Buffer.concat([
      el(0x0008, 0x0005, 'CS', Buffer.from('ISO_IR 100')),
      // (0008,0006) SQ, undefined length: one undefined-length item holding (0008,0100), then the delimiters.
      Buffer.from([0x08, 0x00, 0x06, 0x00, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff]),
      tagOnly(0xfffe, 0xe000, 0xffffffff),
      el(0x0008, 0x0100, 'SH', Buffer.from('ab')),
      tagOnly(0xfffe, 0xe00d, 0),
      tagOnly(0xfffe, 0xe0dd, 0),
      el(0x0008, 0x0016, 'UI', Buffer.from(`${CT_IMAGE_STORAGE}\0`)),
      el(0x0008, 0x0018, 'UI', Buffer.from(`${uid}\0`)),
      el(0x0008, 0x0020, 'DA', Buffer.from('20240101')),
    ]);
    const req = {
      sopClassUid: CT_IMAGE_STORAGE,
      sopInstanceUid: uid,
      transferSyntaxUid: EXPLICIT_LE,
    };
    expect(receivedDatasetProblem(bytes, req)).toBeUndefined();
    expect(receivedDatasetProblem(bytes, { ...req, sopInstanceUid: '9.9' })).toMatch(/differs/);
  });

  test('no verdict when the data ends inside group 0008; a deflate bomb is judged from its start', () => {
    expect(
      receivedDatasetProblem(ct.bytes.subarray(0, 40), request(ct, EXPLICIT_LE)),
    ).toBeUndefined();
    const bomb = deflateRawSync(
      Buffer.concat([ct.bytes.subarray(0, 1000), Buffer.alloc(50_000_000)]),
    );
    expect(
      receivedDatasetProblem(bomb, { ...request(ct, DEFLATED), sopInstanceUid: '1.2.3' }),
    ).toBe(
      `the dataset's SOP Instance UID ${ct.sopInstanceUid} differs from the C-STORE request's 1.2.3`,
    );
    const allZeros = deflateRawSync(Buffer.alloc(50_000_000));
    expect(receivedDatasetProblem(allZeros.subarray(0, 65536), request(ct, DEFLATED))).toMatch(
      /no valid VR/,
    );
  });
});

describe('checkAssociateRequest', () => {
  const contexts = [{ id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }];

  test('a well-formed request passes, with unknown user information sub-items', () => {
    expect(checkAssociateRequest(associateRqBody({ called: 'A', contexts }))).toBeUndefined();
    const extra = [userItem(0x5f, Buffer.from('whatever'))];
    expect(
      checkAssociateRequest(associateRqBody({ called: 'A', contexts, extraUserItems: extra })),
    ).toBeUndefined();
  });

  test('ids, sub-item order and sub-item lengths are checked', () => {
    const problem = (body: Buffer) => checkAssociateRequest(body)?.message;
    expect(
      problem(associateRqBody({ called: 'A', contexts: [{ ...contexts[0]!, id: 2 }] })),
    ).toMatch(/id 2 is not an odd number/);
    // A transfer syntax before the abstract syntax: swap the two sub-items of the context.
    const body = associateRqBody({ called: 'A', contexts });
    const at = body.indexOf(Buffer.from([0x30, 0]));
    const abstract = body.subarray(at, at + 4 + body.readUInt16BE(at + 2));
    const transfer = body.subarray(
      at + abstract.length,
      at + abstract.length + 4 + IMPLICIT_LE.length,
    );
    const swapped = Buffer.concat([
      body.subarray(0, at),
      transfer,
      abstract,
      body.subarray(at + abstract.length + transfer.length),
    ]);
    expect(problem(swapped)).toMatch(/must start with its one abstract syntax/);
    const badRole = [userItem(0x54, Buffer.from([0, 50, 0x31, 0x32]))];
    expect(problem(associateRqBody({ called: 'A', contexts, extraUserItems: badRole }))).toMatch(
      /sub-item 0x54 has a wrong length/,
    );
    expect(problem(Buffer.concat([body, Buffer.from([0x10, 0, 0, 50])]))).toMatch(/runs beyond/);
    expect(problem(associateRqBody({ called: 'A', contexts: [] }))).toMatch(
      /no presentation context/,
    );
  });
});

describe('AssociationGuard', () => {
  const established = (): AssociationGuard => {
    const g = new AssociationGuard(1000);
    g.established(
      new Map([
        [1, VERIFICATION],
        [3, CT_IMAGE_STORAGE],
      ]),
    );
    return g;
  };
  const store = cStoreRq({ sopClass: CT_IMAGE_STORAGE, sopInstance: '1.2.3' });

  test('a C-ECHO, a C-STORE with its dataset in two fragments, a release: all pass', () => {
    const g = established();
    expect(g.inspect(pData({ pcId: 1, value: cEchoRq(), command: true }))).toBeUndefined();
    expect(g.inspect(pData({ pcId: 3, value: store, command: true }))).toBeUndefined();
    expect(g.interrupted()).toBe('during the C-STORE of 1.2.3');
    expect(g.inspect(pData({ pcId: 3, value: Buffer.alloc(500), last: false }))).toBeUndefined();
    expect(g.inspect(pData({ pcId: 3, value: Buffer.alloc(500) }))).toBeUndefined();
    expect(g.storing).toBe(true);
    g.stored();
    expect(g.interrupted()).toBeUndefined();
    expect(g.inspect(releaseRq())).toBeUndefined();
  });

  test('out-of-order messages are refused, each with its reason', () => {
    const reason = (g: AssociationGuard, bytes: Buffer) => {
      const v = g.inspect(bytes);
      return typeof v === 'object' ? v.message : v;
    };
    expect(reason(established(), pData({ pcId: 3, value: Buffer.alloc(10) }))).toMatch(
      /without a C-STORE-RQ/,
    );
    const g = established();
    g.inspect(pData({ pcId: 3, value: store, command: true }));
    expect(reason(g, pData({ pcId: 1, value: cEchoRq(), command: true }))).toMatch(
      /command arrived before the dataset of 1.2.3/,
    );
    const g2 = established();
    g2.inspect(pData({ pcId: 3, value: store, command: true }));
    expect(reason(g2, releaseRq())).toMatch(/A-RELEASE-RQ during the C-STORE of 1.2.3/);
    const g3 = established();
    g3.inspect(pData({ pcId: 3, value: store, command: true }));
    expect(reason(g3, pData({ pcId: 3, value: Buffer.alloc(1001) }))).toMatch(
      /exceeds the limit of 1000 bytes/,
    );
    expect(reason(established(), pData({ pcId: 1, value: store, command: true }))).toMatch(
      /SOP class 1.2.840.10008.5.1.4.1.1.2 on presentation context 1, accepted for 1.2.840.10008.1.1/,
    );
    expect(reason(new AssociationGuard(10), pdu(PduType.ReleaseRq, Buffer.alloc(4)))).toMatch(
      /A-RELEASE-RQ before the association was established/,
    );
    const closing = established();
    closing.close();
    expect(closing.inspect(releaseRq())).toBe('drop');
  });
});
