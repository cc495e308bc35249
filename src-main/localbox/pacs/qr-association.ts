/**
 * One query/retrieve request (C-FIND, C-MOVE or C-GET) on one association with a PACS, on dcmjs-dimse 0.3.3's
 * Client, with every wait bounded and every way it can end turned into an outcome:
 *
 * * the PACS's final answer (any non-pending status), after which the association is released;
 * * a failure in the PACS's words (`PacsError`): association rejected, A-ABORT, refused connection, a connection
 *   closed without a final answer, or the request's presentation context not accepted;
 * * a timeout: no association within `associationTimeoutMs`; a query not finished within `totalTimeoutMs`; or a
 *   retrieve without any sign of progress (an answer, a received image, `activity()`) for `inactivityTimeoutMs`.
 *   A timed-out request gets a C-CANCEL; if the PACS has not answered it within CANCEL_GRACE_MS the association
 *   is aborted (A-ABORT).
 * * `cancel()` (the user): C-CANCEL, then the same grace and abort.
 *
 * Working around dcmjs-dimse 0.3.3 (checked against its bundled source; see also ../dimse/README.md):
 * * Its timeouts (socket idle, association, PDU) abort without a C-CANCEL and its socket idle timeout would cut a
 *   C-MOVE whose PACS sends no pending answers while it stores: they are set out of the way (one day) and the
 *   timers here decide.
 * * It treats every status other than FF00 as final, so a C-FIND answer FF01 (pending, optional keys not
 *   supported) would release the association while matches are still coming: its network's `done` listener (the
 *   release) is removed and the release is sent here on the real final answer.
 * * Its Client copies no SCU/SCP role of additional presentation contexts into the association request: the C-GET
 *   storage contexts get their SCP role (PS3.7 D.3.3.4) in the network's `sendAssociationRequest`.
 * * Incoming C-STORE datasets (C-GET sub-operations) would be decoded and naturalized (private tags lost): the
 *   network's `createStoreWritableStream` / `createDatasetFromStoreWritableStream` are replaced by `store` hooks
 *   that keep the raw bytes (as the SCP does).
 * * TCP_NODELAY, the socket error code, A-ABORT from the peer and the fast byte paths are handled as in
 *   ../dimse/scu-sender.ts.
 */
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { association, requests as DimseRequests } from 'dcmjs-dimse';
import { dimse } from '../dimse/dimse-module.js';
import type { DimseModule } from '../dimse/dimse-module.js';
import {
  installCommandStreamReset,
  installFastSend,
  installPduReader,
} from '../dimse/fast-path.js';
import {
  abortText,
  isPending,
  pacsError,
  PacsError,
  rejectText,
  socketFailure,
  statusLabel,
} from './pacs-errors.js';

export interface QrPeer {
  aeTitle: string;
  host: string;
  port: number;
}

/** `AE@host:port`, as messages name a PACS. */
export function peerName(peer: QrPeer): string {
  return `${peer.aeTitle.trim()}@${peer.host}:${peer.port}`;
}

type Request = InstanceType<DimseModule['requests']['Request']>;
type Response = InstanceType<DimseModule['responses']['Response']>;
type CStoreRequest = DimseRequests.CStoreRequest;
type PresentationContext = association.PresentationContext;
type Association = association.Association;
type Dataset = InstanceType<DimseModule['Dataset']>;

/** Hooks for C-STORE sub-operations received on the association (C-GET). */
export interface StoreHooks {
  /** Where the dataset bytes of an incoming C-STORE go (written as received, never decoded). */
  createWritable(context: PresentationContext, request: CStoreRequest): Writable;
  /** Called once the writable has ended; calls back with the dataset handed to `onStore`. */
  datasetFrom(writable: Writable, context: PresentationContext, done: (d: Dataset) => void): void;
  /** An incoming C-STORE with its dataset; `respond` answers it with a status. */
  onStore(request: CStoreRequest, respond: (status: number) => void): void;
}

export interface QrOptions {
  peer: QrPeer;
  callingAeTitle: string;
  /** 'C-FIND', 'C-MOVE' or 'C-GET', for messages. */
  operation: string;
  request: Request;
  /** Storage contexts this side accepts C-STOREs on, proposed with the SCP role (C-GET). */
  storageContexts?: Array<{ sopClassUid: string; transferSyntaxUid: string }>;
  store?: StoreHooks;
  associationTimeoutMs: number;
  totalTimeoutMs?: number;
  inactivityTimeoutMs?: number;
  /** Every answer of the PACS to the request, pending and final, in order. */
  onResponse(response: Response): void;
}

export interface QrFinal {
  status: number;
  response: Response;
  errorComment?: string;
}

export interface QrOutcome {
  /** The PACS's final answer, when it gave one. */
  final?: QrFinal;
  /** Why there is no final answer (or why it came too late). */
  failure?: PacsError;
  /** `cancel()` was called. */
  cancelled: boolean;
  /** A timeout fired (the request was cancelled because of it). */
  timedOut: boolean;
}

/** How long a PACS has to answer a C-CANCEL (or an A-RELEASE) before the association is aborted. */
export const CANCEL_GRACE_MS = 5_000;
/** Out of the way of the timers here (dcmjs-dimse's own timeouts, see the file comment). */
const LIBRARY_TIMEOUT_MS = 24 * 60 * 60 * 1000;

interface NetworkInternals {
  socket: Socket;
  requests: Request[];
  on(event: 'abort', listener: (a: { source: number; reason: number }) => void): void;
  removeAllListeners(event: string): void;
  sendAssociationRequest(association: Association): void;
  sendAssociationReleaseRequest(): void;
  createStoreWritableStream(context: PresentationContext, request: CStoreRequest): Writable;
  createDatasetFromStoreWritableStream(
    writable: Writable,
    context: PresentationContext,
    callback: (dataset: Dataset) => void,
  ): void;
}

/** A running request; `done` settles when the association has ended (never rejects). */
export interface QrAssociation {
  readonly done: Promise<QrOutcome>;
  /** Asks the PACS to stop (C-CANCEL), aborting after CANCEL_GRACE_MS. */
  cancel(): void;
  /** Progress seen elsewhere (an image of a C-MOVE stored by this box's SCP): resets the inactivity timer. */
  activity(): void;
  /** Ends the association at once (A-ABORT), e.g. when the engine stops. */
  abort(): void;
}

export function openQr(options: QrOptions): QrAssociation {
  const D = dimse();
  const peer = peerName(options.peer);
  const { request } = options;
  const client = new D.Client();
  client.addRequest(request);
  const storageSyntaxes = new Set<string>();
  for (const c of options.storageContexts ?? []) {
    storageSyntaxes.add(c.sopClassUid);
    client.addAdditionalPresentationContext(
      new D.association.PresentationContext(0, c.sopClassUid, c.transferSyntaxUid),
      true,
    );
  }

  /** The client's network, once `send` has created it. */
  const conn: { net?: NetworkInternals } = {};
  let accepted = false;
  let final: QrFinal | undefined;
  let failure: PacsError | undefined;
  let cancelled = false;
  let timedOut = false;
  let stopping = false;
  /** The PACS has answered the request at least once. */
  let answered = false;
  let lastActivity = Date.now();
  const timers: Array<NodeJS.Timeout> = [];
  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(f, ms);
    t.unref?.();
    timers.push(t);
  };

  let resolveDone!: (o: QrOutcome) => void;
  const done = new Promise<QrOutcome>((resolve) => (resolveDone = resolve));
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    for (const t of timers) clearTimeout(t);
    clearInterval(inactivityTimer);
    resolveDone({ final, failure, cancelled, timedOut });
  };
  const fail = (e: PacsError): void => {
    failure ??= e;
  };
  const destroy = (): void => {
    const socket = conn.net?.socket;
    if (socket && !socket.destroyed) socket.destroy();
    // Nothing was connected (send threw) or the close event is lost: end here.
    if (!socket) settle();
  };
  const abort = (): void => {
    try {
      client.abort();
    } catch {
      // No association (yet): closing the socket is all there is to do.
    }
    destroy();
  };
  /** C-CANCEL once; the association is aborted if the PACS has not answered it in time. */
  const stop = (): void => {
    if (final || stopping) return;
    stopping = true;
    if (!accepted) return destroy();
    try {
      client.cancel(request as Parameters<typeof client.cancel>[0]);
    } catch {
      // The network is gone: closing follows.
    }
    later(CANCEL_GRACE_MS, () => {
      if (!final) abort();
    });
  };
  const timeout = (message: string): void => {
    if (final || timedOut) return;
    timedOut = true;
    fail(pacsError('timeout', peer, message));
    stop();
  };
  const release = (): void => {
    try {
      conn.net?.sendAssociationReleaseRequest();
    } catch {
      return destroy();
    }
    // A PACS that does not answer the release is disconnected.
    later(CANCEL_GRACE_MS, destroy);
  };

  request.on('response', (response: Response) => {
    answered = true;
    lastActivity = Date.now();
    const status = response.getStatus();
    try {
      options.onResponse(response);
    } catch {
      // The caller's bookkeeping must not break the association.
    }
    if (isPending(status) || final) return;
    const comment = response.getCommandDataset().getElement('ErrorComment');
    final = {
      status,
      response,
      ...(typeof comment === 'string' && comment.trim() ? { errorComment: comment.trim() } : {}),
    };
    release();
  });

  client.on('associationAccepted', (association: Association) => {
    accepted = true;
    lastActivity = Date.now();
    const sopClass = request.getAffectedSopClassUid();
    const ok = association
      .getPresentationContexts()
      .some(
        ({ context }) =>
          context.getAbstractSyntaxUid() === sopClass &&
          context.getResult() === D.constants.PresentationContextResult.Accept,
      );
    if (!ok) {
      fail(
        pacsError(
          'no-presentation-context',
          peer,
          `${peer} accepted the association but not ${options.operation} (SOP class ${sopClass}): the PACS does not support it, or not for the calling AE title ${options.callingAeTitle}.`,
        ),
      );
      release();
      return;
    }
    if (options.totalTimeoutMs !== undefined) {
      later(options.totalTimeoutMs, () =>
        timeout(
          `${peer} did not finish the ${options.operation} within ${Math.round(options.totalTimeoutMs! / 1000)} s; it was asked to stop (C-CANCEL).`,
        ),
      );
    }
  });
  client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
    const text = rejectText(r.result, r.source, r.reason);
    const hint =
      r.source === 1 && r.reason === 7
        ? ` Check the AE title of the PACS node (${options.peer.aeTitle.trim()}).`
        : r.source === 1 && r.reason === 3
          ? ` The PACS does not know the calling AE title ${options.callingAeTitle}: register it on the PACS.`
          : '';
    fail(
      pacsError('association-rejected', peer, `${peer} rejected the association: ${text}.${hint}`, {
        reject: { ...r, text },
      }),
    );
  });
  let socketError: NodeJS.ErrnoException | undefined;
  client.on('networkError', (e: Error) => {
    if (final || failure) return;
    fail(
      socketFailure(peer, socketError?.code, socketError?.message ?? e.message) ??
        pacsError('network', peer, `The connection to ${peer} failed: ${e.message}`),
    );
  });
  client.on('cStoreRequest', (storeRequest: CStoreRequest, callback: (r: Response) => void) => {
    answered = true;
    lastActivity = Date.now();
    const respond = (status: number): void => {
      lastActivity = Date.now();
      const response = D.responses.CStoreResponse.fromRequest(storeRequest);
      response.setStatus(status);
      callback(response);
    };
    if (!options.store) return respond(0x0124); // Refused: not authorized (no C-STORE expected)
    options.store.onStore(storeRequest, respond);
  });
  client.on('closed', () => {
    if (!final && !failure && !cancelled) {
      fail(
        pacsError(
          'closed',
          peer,
          accepted
            ? `${peer} closed the association without answering the ${options.operation}. A PACS does this when it refuses the calling AE title ${options.callingAeTitle} (not registered on the PACS) or when it failed.`
            : `${peer} closed the connection before accepting an association.`,
        ),
      );
    }
    settle();
  });

  const inactivityTimer = setInterval(() => {
    const limit = options.inactivityTimeoutMs;
    if (limit === undefined || !accepted || final) return;
    if (Date.now() - lastActivity > limit) {
      timeout(
        `${peer} gave no sign of progress on the ${options.operation} for ${Math.round(limit / 1000)} s; it was asked to stop (C-CANCEL).`,
      );
    }
  }, 250);
  inactivityTimer.unref?.();

  later(options.associationTimeoutMs, () => {
    if (accepted || failure) return;
    timedOut = true;
    fail(
      pacsError(
        'timeout',
        peer,
        `${peer} did not accept an association within ${Math.round(options.associationTimeoutMs / 1000)} s.`,
      ),
    );
    destroy();
  });

  try {
    client.send(
      options.peer.host,
      options.peer.port,
      options.callingAeTitle,
      options.peer.aeTitle.trim(),
      {
        connectTimeout: LIBRARY_TIMEOUT_MS,
        associationTimeout: LIBRARY_TIMEOUT_MS,
        pduTimeout: LIBRARY_TIMEOUT_MS,
      },
    );
  } catch (e) {
    fail(
      pacsError(
        'network',
        peer,
        `Cannot connect to ${peer}: ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
    settle();
    return { done, cancel: () => undefined, activity: () => undefined, abort: () => undefined };
  }

  const net = (client as unknown as { network: NetworkInternals }).network;
  conn.net = net;
  installFastSend(net);
  installCommandStreamReset(net);
  installPduReader(net);
  net.socket.setNoDelay(true);
  // Before dcmjs-dimse's own listener, which reports the error without its code.
  net.socket.prependListener('error', (e: NodeJS.ErrnoException) => {
    socketError ??= e;
  });
  // The release is sent here, on the final answer (see the file comment).
  net.removeAllListeners('done');
  net.on('abort', (a) => {
    if (!final) {
      const text = abortText(a.source, a.reason);
      // Before any answer: what a PACS does with a calling AE title it does not accept (Orthanc, for one).
      const hint = answered
        ? ''
        : ` A PACS does this when it does not accept the ${options.operation} from the calling AE title ${options.callingAeTitle}: register that AE title on the PACS.`;
      fail(
        pacsError('aborted', peer, `${peer} ended the ${options.operation}: ${text}.${hint}`, {
          abort: { ...a, text },
        }),
      );
    }
    destroy();
  });
  if (storageSyntaxes.size > 0) {
    const send = net.sendAssociationRequest.bind(net);
    net.sendAssociationRequest = (a: Association) => {
      for (const { context } of a.getPresentationContexts()) {
        if (!storageSyntaxes.has(context.getAbstractSyntaxUid())) continue;
        context.setUserRole(false);
        context.setProviderRole(true);
      }
      send(a);
    };
  }
  if (options.store) {
    const hooks = options.store;
    net.createStoreWritableStream = (context, storeRequest) =>
      hooks.createWritable(context, storeRequest);
    net.createDatasetFromStoreWritableStream = (writable, context, callback) =>
      hooks.datasetFrom(writable, context, callback);
  }

  return {
    done,
    cancel() {
      if (cancelled || settled) return;
      cancelled = true;
      stop();
    },
    activity() {
      lastActivity = Date.now();
    },
    abort() {
      cancelled = true;
      abort();
    },
  };
}

/** The final status of a C-FIND/C-MOVE/C-GET as text with its Error Comment, for messages. */
export function describeFinal(final: QrFinal): string {
  return `${statusLabel(final.status)}${final.errorComment ? `, "${final.errorComment}"` : ''}`;
}
