/**
 * Turns a server's rejection of an import (`400` from `POST /import/sessions/{id}/images`) into words a
 * person can act on: the SOP class and transfer syntax by name, what was refused (the kind of object,
 * the encoding, or both) and what to do about it. The server's own words are kept by the caller.
 *
 * The presentation context is taken from the server's message when it names one (Slicebox's
 * `The presentation context [SOPClassUID = …, TransferSyntaxUID = …] is not supported`, BEHAVIOR.md
 * §6.1), else from the file's own header. What is refused is judged against Slicebox's default accepted
 * lists (Appendix B): import sessions take image-data SOP classes only; secondary captures are taken by
 * a plain upload (`POST /images`, §10.1).
 */
import {
  ACCEPTED_TRANSFER_SYNTAXES,
  EXTENDED_SOP_CLASSES,
  IMAGE_DATA_SOP_CLASSES,
} from '../../localbox/dicom/uids.js';
import { sopClassName, transferSyntaxName } from '../../localbox/dicom/uid-names.js';

export interface RejectionFacts {
  /** The body of the server's answer. */
  serverText: string;
  /** From the file's header (meta information first), when it could be read. */
  sopClassUID?: string;
  transferSyntaxUID?: string;
}

export interface DescribedRejection {
  reason: string;
  hint?: string;
}

const CONTEXT = /presentation context \[SOPClassUID = ([^,\]]*), TransferSyntaxUID = ([^\]]*)\]/i;

const TS_HINT =
  'Slicebox accepts Implicit or Explicit VR Little Endian, Explicit VR Big Endian, Deflated Explicit ' +
  'VR Little Endian and JPEG Baseline. Decompress the file (for example `gdcmconv --raw in.dcm ' +
  'out.dcm`) and import it again.';
const EXTENDED_HINT =
  "Slicebox's import takes image objects only (CT, MR, CR, US, NM, PET, …). Secondary captures are " +
  'accepted by a plain upload to the server (POST /api/images), not by an import.';
const OTHER_HINT =
  'Slicebox stores image objects only: this kind of object is refused by every way in (import, ' +
  'upload, DICOM receivers).';

export function describeRejection(facts: RejectionFacts): DescribedRejection {
  const text = facts.serverText.replace(/^Invalid DICOM data:\s*/i, '').trim();
  const context = CONTEXT.exec(text);
  if (!context) return describeUnreadable(text);

  const sop = uidOrUndefined(context[1]) ?? facts.sopClassUID;
  const ts = uidOrUndefined(context[2]) ?? facts.transferSyntaxUID;
  if (!ts) {
    return {
      reason: `No transfer syntax: the file has no File Meta Information${sop ? ` (${sopClassName(sop)})` : ''}`,
      hint:
        'Slicebox reads the transfer syntax from the file meta information only. Rewrite the file ' +
        'as DICOM Part 10 (for example `dcmconv +F in.dcm out.dcm`) and import it again.',
    };
  }
  if (!sop) {
    return {
      reason: `No SOP class: the file does not say what kind of object it is (${transferSyntaxName(ts)})`,
      hint: 'Slicebox needs the SOP Class UID (0008,0016) or the Media Storage SOP Class UID (0002,0002).',
    };
  }

  const sopName = sopClassName(sop);
  const tsName = transferSyntaxName(ts);
  const tsRefused = !ACCEPTED_TRANSFER_SYNTAXES.has(ts);
  const kind = IMAGE_DATA_SOP_CLASSES.has(sop)
    ? 'image'
    : EXTENDED_SOP_CLASSES.has(sop)
      ? 'extended'
      : 'other';

  if (kind === 'image' && tsRefused) {
    return { reason: `Transfer syntax not accepted: ${tsName} (${sopName})`, hint: TS_HINT };
  }
  if (kind === 'image') {
    return {
      reason: `The server does not accept ${sopName} in ${tsName}`,
      hint: "The server's configuration differs from Slicebox's defaults; ask its administrator.",
    };
  }
  const classHint = kind === 'extended' ? EXTENDED_HINT : OTHER_HINT;
  if (tsRefused) {
    return {
      reason: `Neither the kind of object nor the transfer syntax is accepted: ${sopName} in ${tsName}`,
      hint: `${classHint} ${TS_HINT}`,
    };
  }
  if (kind === 'extended') {
    // Every extended class is a secondary capture (Appendix B).
    return {
      reason: `Import does not take secondary captures: ${sopName} (${tsName})`,
      hint: classHint,
    };
  }
  return { reason: `Not an image object Slicebox stores: ${sopName} (${tsName})`, hint: classHint };
}

/** Rejections that are not about the presentation context: the bytes could not be stored. */
function describeUnreadable(text: string): DescribedRejection {
  if (/truncated/i.test(text)) {
    return {
      reason: 'The file is damaged: it ends before its data does (truncated)',
      hint: 'An interrupted copy or download is the usual cause. Copy it again from where it came from.',
    };
  }
  if (/^Not a DICOM stream/i.test(text)) {
    return { reason: `The file could not be read as DICOM (${text})` };
  }
  return { reason: text || 'Rejected by the server' };
}

function uidOrUndefined(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && v !== '<empty>' ? v : undefined;
}
