/**
 * Retrieves one study or series from a PACS: C-MOVE (Study Root – MOVE) with this box's SCP as the move
 * destination, or C-GET (Study Root – GET) with the images coming back on the same association
 * (c-get-store.ts). One association per item.
 *
 * Progress comes from the PACS's pending answers (remaining, completed, failed, warning sub-operations); the
 * inactivity timeout restarts with every answer, every image received (C-GET) and every `activity()` (the retrieve
 * service calls it when the SCP stores an image of this item during a C-MOVE, so a PACS that sends no pending
 * answers is not cut off while it is visibly sending).
 *
 * How the final answer reads (PS3.4 C.4.2.1.5, C.4.3.1.4):
 * * 0000, or B000 without failed sub-operations → `completed` (remaining taken as 0: Orthanc 1.10 reports 1);
 *   but nothing completed at all → `failed` `no-matches` (the PACS found nothing to send);
 * * B000 with failed sub-operations, or 0000 with failed ones → `partial`;
 * * FE00 after our C-CANCEL → `cancelled`; a user cancel the PACS ignored until the association was aborted →
 *   `cancelled` too; a timeout → `failed` `timeout`;
 * * A801 → `failed` `move-destination-unknown`; A7xx, 0122, 0124 → `refused`; anything else → `failed`, with the
 *   status, its meaning and the PACS's Error Comment. A C-MOVE that failed before completing anything also says
 *   that the PACS may not know the move destination, or that this box refused the images (Orthanc 1.10 answers
 *   C000 in both cases, not A801, and does not count the refused images as failed).
 */
import type {
  XPacsError,
  XRetrieveItemStatus,
  XRetrieveLevel,
  XRetrieveMethod,
} from '../../slicebox/types.js';
import { dimse } from '../dimse/dimse-module.js';
import type { DimseModule } from '../dimse/dimse-module.js';
import { getStorageContexts, getStoreHooks } from './c-get-store.js';
import type { GetStoreDeps } from './c-get-store.js';
import { describeFinal, openQr, peerName } from './qr-association.js';
import type { QrOutcome, QrPeer } from './qr-association.js';
import { statusText } from './pacs-errors.js';

export interface Progress {
  completed: number;
  remaining: number | null;
  failed: number;
  warning: number;
}

export interface RetrieveItemOptions {
  peer: QrPeer;
  callingAeTitle: string;
  method: XRetrieveMethod;
  /** The C-MOVE destination: this box's SCP AE title. */
  destinationAeTitle: string;
  /** For the hint of a failed C-MOVE: where the PACS must send to. */
  destinationPort: number;
  level: XRetrieveLevel;
  studyInstanceUid: string;
  seriesInstanceUid: string | null;
  associationTimeoutMs: number;
  inactivityTimeoutMs: number;
  /** C-GET: where received images go. */
  getStore?: Omit<GetStoreDeps, 'sourceAeTitle'>;
  onProgress(progress: Progress): void;
}

export interface RetrieveItemResult extends Progress {
  status: Exclude<XRetrieveItemStatus, 'pending' | 'running' | 'interrupted'>;
  dimseStatus: number | null;
  error: XPacsError | null;
}

export interface RetrieveItemRun {
  done: Promise<RetrieveItemResult>;
  cancel(): void;
  activity(): void;
  abort(): void;
}

type Response = InstanceType<DimseModule['responses']['CMoveResponse']>;

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

export function retrieveItem(options: RetrieveItemOptions): RetrieveItemRun {
  const D = dimse();
  const { CMoveRequest, CGetRequest } = D.requests;
  const move = options.method === 'C-MOVE';
  const series = options.level === 'SERIES' && options.seriesInstanceUid;
  let request;
  if (move) {
    request = series
      ? CMoveRequest.createSeriesMoveRequest(
          options.destinationAeTitle,
          options.studyInstanceUid,
          options.seriesInstanceUid!,
        )
      : CMoveRequest.createStudyMoveRequest(options.destinationAeTitle, options.studyInstanceUid);
  } else {
    request = series
      ? CGetRequest.createSeriesGetRequest(options.studyInstanceUid, options.seriesInstanceUid!)
      : CGetRequest.createStudyGetRequest(options.studyInstanceUid);
    request.setAddStorageSopClassesToAssociation(false);
  }
  const progress: Progress = { completed: 0, remaining: null, failed: 0, warning: 0 };
  const hooks =
    !move && options.getStore
      ? getStoreHooks({ ...options.getStore, sourceAeTitle: options.peer.aeTitle.trim() })
      : undefined;
  const qr = openQr({
    peer: options.peer,
    callingAeTitle: options.callingAeTitle,
    operation: options.method,
    request,
    ...(move ? {} : { storageContexts: getStorageContexts() }),
    ...(hooks ? { store: hooks } : {}),
    associationTimeoutMs: options.associationTimeoutMs,
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    onResponse(response) {
      const r = response as Response;
      progress.completed = num(r.getCompleted()) ?? progress.completed;
      progress.remaining = num(r.getRemaining()) ?? progress.remaining;
      progress.failed = num(r.getFailures()) ?? progress.failed;
      progress.warning = num(r.getWarnings()) ?? progress.warning;
      options.onProgress({ ...progress });
    },
  });
  const done = qr.done.then((outcome) => {
    hooks?.discard();
    return interpret(options, outcome, progress);
  });
  return {
    done,
    cancel: () => qr.cancel(),
    activity: () => qr.activity(),
    abort: () => qr.abort(),
  };
}

function interpret(
  options: RetrieveItemOptions,
  outcome: QrOutcome,
  progress: Progress,
): RetrieveItemResult {
  const peer = peerName(options.peer);
  const what = `${options.level === 'SERIES' ? 'series' : 'study'} ${options.level === 'SERIES' ? options.seriesInstanceUid : options.studyInstanceUid}`;
  const result = (
    status: RetrieveItemResult['status'],
    error: XPacsError | null,
    dimseStatus: number | null = outcome.final?.status ?? null,
  ): RetrieveItemResult => ({ ...progress, status, dimseStatus, error });
  const final = outcome.final;
  if (outcome.timedOut && outcome.failure) return result('failed', outcome.failure.detail);
  if (!final) {
    if (outcome.cancelled) return result('cancelled', null);
    return result(
      'failed',
      outcome.failure?.detail ?? {
        code: 'closed',
        peer,
        message: `${peer} ended the ${options.method} without a final answer.`,
      },
    );
  }
  const s = final.status;
  const detail = {
    peer,
    status: s,
    statusText: statusText(s),
    ...(final.errorComment ? { errorComment: final.errorComment } : {}),
  };
  if (s === 0xfe00) {
    if (outcome.cancelled) return result('cancelled', null);
    return result('failed', {
      code: 'failed',
      message: `${peer} cancelled the ${options.method} of ${what} on its own: ${describeFinal(final)}.`,
      ...detail,
    });
  }
  if (s === 0x0000 || (s & 0xf000) === 0xb000) {
    progress.remaining = 0;
    if (progress.failed > 0) {
      return result('partial', {
        code: 'failed',
        message: `${peer} could not send ${progress.failed} of ${progress.failed + progress.completed + progress.warning} images of ${what}: ${describeFinal(final)}.${options.method === 'C-GET' ? '' : ' Images of a kind this box does not accept (not image data, or a transfer syntax it does not take) are refused by its SCP.'}`,
        ...detail,
      });
    }
    if (progress.completed + progress.warning === 0) {
      return result('failed', {
        code: 'no-matches',
        message: `${peer} found no images of ${what} to send.`,
        ...detail,
      });
    }
    return result('completed', null);
  }
  if (s === 0xa801) {
    return result('failed', {
      code: 'move-destination-unknown',
      message: `${peer} refused the C-MOVE: move destination unknown (status A801${final.errorComment ? `, "${final.errorComment}"` : ''}). The PACS does not know the AE title ${options.destinationAeTitle}: register it on the PACS with this computer's address and port ${options.destinationPort}.`,
      ...detail,
    });
  }
  const refused = (s & 0xff00) === 0xa700 || s === 0x0122 || s === 0x0124;
  const hint =
    options.method === 'C-MOVE' && progress.completed === 0
      ? ` Some PACS (Orthanc) answer this instead of A801 when they do not know the move destination ${options.destinationAeTitle} (this computer, port ${options.destinationPort}), or when this box refused every image (its SCP takes image data only, in the transfer syntaxes it stores).`
      : '';
  return result('failed', {
    code: refused ? 'refused' : 'failed',
    message: `${peer} ${refused ? 'refused' : 'failed'} the ${options.method} of ${what}: ${describeFinal(final)}.${hint}`,
    ...detail,
  });
}
