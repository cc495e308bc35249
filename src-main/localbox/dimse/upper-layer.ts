/**
 * DICOM upper layer constants (PS3.8 §9.3) and the two PDUs the SCP writes itself, without dcmjs-dimse: the
 * A-ABORT of a protocol error (dcmjs-dimse can only abort an association it has parsed) and the A-ASSOCIATE-RJ of
 * a connection over the association limit (answered before anything is read from it).
 */

export const PduType = {
  AssociateRq: 0x01,
  AssociateAc: 0x02,
  AssociateRj: 0x03,
  PData: 0x04,
  ReleaseRq: 0x05,
  ReleaseRp: 0x06,
  Abort: 0x07,
} as const;

const PDU_NAMES: Record<number, string> = {
  [PduType.AssociateRq]: 'A-ASSOCIATE-RQ',
  [PduType.AssociateAc]: 'A-ASSOCIATE-AC',
  [PduType.AssociateRj]: 'A-ASSOCIATE-RJ',
  [PduType.PData]: 'P-DATA-TF PDU',
  [PduType.ReleaseRq]: 'A-RELEASE-RQ',
  [PduType.ReleaseRp]: 'A-RELEASE-RP',
  [PduType.Abort]: 'A-ABORT',
};

/** `A-ASSOCIATE-RQ`, `P-DATA-TF PDU`, … or `PDU of type 9`. */
export function pduName(type: number): string {
  return PDU_NAMES[type] ?? `PDU of type ${type}`;
}

/** A-ABORT source (PS3.8 Table 9-26). */
export const AbortSource = { ServiceUser: 0, ServiceProvider: 2 } as const;

/** A-ABORT reason when the source is the service provider (PS3.8 Table 9-26). */
export const AbortReason = {
  NotSpecified: 0,
  UnrecognizedPdu: 1,
  UnexpectedPdu: 2,
  UnrecognizedPduParameter: 4,
  UnexpectedPduParameter: 5,
  InvalidPduParameterValue: 6,
} as const;

/** Why an association is aborted: the log text and the A-ABORT's source and reason. */
export interface AbortCause {
  message: string;
  source: number;
  reason: number;
}

/** A protocol error found in what the peer sent (service provider, with a PS3.8 reason). */
export function protocolError(message: string, reason: number): AbortCause {
  return { message, source: AbortSource.ServiceProvider, reason };
}

/** An A-ABORT PDU (type 07, length 4: two reserved bytes, source, reason). */
export function abortPdu(source: number, reason: number): Buffer {
  return Buffer.from([PduType.Abort, 0, 0, 0, 0, 4, 0, 0, source, reason]);
}

/**
 * The A-ASSOCIATE-RJ for a connection over the association limit: result 2 (rejected-transient), source 3
 * (service provider, presentation related), reason 2 (local limit exceeded) (PS3.8 Table 9-21).
 */
export function localLimitRejectPdu(): Buffer {
  return Buffer.from([PduType.AssociateRj, 0, 0, 0, 0, 4, 0, 2, 3, 2]);
}
