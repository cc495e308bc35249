/**
 * PACS failures in the PACS's own words (XPacsError): the DIMSE status of its answer with what the standard says it
 * means (PS3.4 Annex C, PS3.7 Annex C), the fields of an association rejection or abort (PS3.8 9.3.4, 9.3.8), and
 * the socket error of a connection that never got that far. The query routes answer them as JSON (502, or 504 for
 * a timeout); a retrieve item keeps its own.
 */
import type { XPacsError, XPacsErrorCode } from '../../slicebox/types.js';

/** A PACS failure; `detail` is what the API returns. */
export class PacsError extends Error {
  override readonly name = 'PacsError';

  constructor(readonly detail: XPacsError) {
    super(detail.message);
  }

  /** 504 for a timeout (the PACS did not answer in time), 502 for everything else the PACS did or did not do. */
  get httpStatus(): number {
    return this.detail.code === 'timeout' ? 504 : 502;
  }
}

export function pacsError(
  code: XPacsErrorCode,
  peer: string,
  message: string,
  extra: Partial<XPacsError> = {},
): PacsError {
  return new PacsError({ code, message, peer, ...extra });
}

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** `A801 (Refused: Move destination unknown)`. */
export function statusLabel(status: number): string {
  return `${hex4(status)} (${statusText(status)})`;
}

/** What a C-FIND / C-MOVE / C-GET response status means (PS3.4 C.4.1.1.4, C.4.2.1.5, C.4.3.1.4; PS3.7 C). */
export function statusText(status: number): string {
  switch (status) {
    case 0x0000:
      return 'Success';
    case 0xff00:
      return 'Pending';
    case 0xff01:
      return 'Pending: optional keys not supported';
    case 0xfe00:
      return 'Cancel: sub-operations terminated';
    case 0xb000:
      return 'Warning: sub-operations complete, one or more failures or warnings';
    case 0xa700:
      return 'Refused: Out of resources';
    case 0xa701:
      return 'Refused: Out of resources, unable to calculate number of matches';
    case 0xa702:
      return 'Refused: Out of resources, unable to perform sub-operations';
    case 0xa801:
      return 'Refused: Move destination unknown';
    case 0xa900:
      return 'Failed: Identifier does not match SOP class';
    case 0x0122:
      return 'Refused: SOP class not supported';
    case 0x0124:
      return 'Refused: Not authorized';
    case 0x0110:
      return 'Failed: Processing failure';
    case 0x0211:
      return 'Failed: Unrecognized operation';
    case 0x0210:
      return 'Failed: Duplicate invocation';
    case 0x0213:
      return 'Failed: Resource limitation';
  }
  if ((status & 0xf000) === 0xc000) return 'Failed: Unable to process';
  if ((status & 0xf000) === 0xa000) return 'Failed';
  if ((status & 0xf000) === 0xb000) return 'Warning';
  return 'Unknown status';
}

/** Whether a status is a pending (intermediate) answer: FF00, or FF01 (optional keys not supported). */
export function isPending(status: number): boolean {
  return status === 0xff00 || status === 0xff01;
}

/** The meaning of an A-ASSOCIATE-RJ (PS3.8 Table 9-21). */
export function rejectText(result: number, source: number, reason: number): string {
  const how = result === 2 ? 'rejected for now (transient)' : 'rejected permanently';
  let why: string;
  let by: string;
  if (source === 1) {
    by = 'by the PACS (service user)';
    why =
      reason === 2
        ? 'application context name not supported'
        : reason === 3
          ? 'calling AE title not recognized'
          : reason === 7
            ? 'called AE title not recognized'
            : 'no reason given';
  } else if (source === 2) {
    by = 'by the PACS (ACSE service provider)';
    why = reason === 2 ? 'protocol version not supported' : 'no reason given';
  } else {
    by = 'by the PACS (presentation service provider)';
    why =
      reason === 1
        ? 'temporary congestion'
        : reason === 2
          ? 'local limit exceeded'
          : 'no reason given';
  }
  return `${why} (${how} ${by})`;
}

/** The meaning of an A-ABORT (PS3.8 Table 9-26). */
export function abortText(source: number, reason: number): string {
  if (source === 0) return 'aborted by the PACS (service user)';
  const why =
    {
      1: 'unrecognized PDU',
      2: 'unexpected PDU',
      4: 'unrecognized PDU parameter',
      5: 'unexpected PDU parameter',
      6: 'invalid PDU parameter value',
    }[reason] ?? 'reason not specified';
  return `aborted by the PACS's DICOM layer (service provider): ${why}`;
}

/** A connection that failed before any DICOM was exchanged, from the socket error code. */
export function socketFailure(
  peer: string,
  code: string | undefined,
  detail: string,
): PacsError | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return pacsError(
        'connection-refused',
        peer,
        `Connection refused by ${peer}: nothing accepts DICOM connections on that host and port. Check the host and port of the PACS node, and that the PACS is running.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return pacsError(
        'unknown-host',
        peer,
        `Unknown host ${peer}: the host name cannot be resolved (${detail}).`,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return pacsError(
        'no-route',
        peer,
        `No route to host ${peer} (${detail}). Check the network connection to the PACS.`,
      );
    default:
      return undefined;
  }
}
