/**
 * C-ECHO to the DICOM node of an SCU: "is it there, and does it talk to us?" (a Slicebox Desktop extension,
 * `POST /api/x-desktop/scus/{id}/echo`; Slicebox has no echo). One association with the Verification SOP class
 * only, from the calling AE the sends use (`SLICEBOX-SCU`) to the SCU's AE title, so a node that would refuse
 * a send for its AE titles refuses the echo too.
 *
 * Never rejects: the outcome is a success or the node's refusal in words (association rejected with the
 * reason, aborted, connection refused, unknown host, no answer in time, a non-success C-ECHO status).
 */
import type { Socket } from 'node:net';
import type { EchoResult, ScuData } from '../../slicebox/types.js';
import { dimse } from './dimse-module.js';
import { SCU_CALLING_AE_TITLE, unreachableMessage } from './scu-sender.js';

export interface EchoOptions {
  /** Connection, association and response timeout, each (default 10 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** PS3.8 9.3.4: the A-ASSOCIATE-RJ reasons, by source. */
const REJECT_REASONS: Record<number, Record<number, string>> = {
  1: {
    1: 'no reason given',
    2: 'application context name not supported',
    3: 'calling AE title not recognized',
    7: 'called AE title not recognized',
  },
  2: { 1: 'no reason given', 2: 'protocol version not supported' },
  3: { 1: 'temporary congestion', 2: 'local limit exceeded' },
};

function rejection(where: string, r: { result: number; source: number; reason: number }): string {
  const why = REJECT_REASONS[r.source]?.[r.reason] ?? 'reason not given in words';
  const lasting = r.result === 2 ? 'for now' : 'permanently';
  return `${where} rejected the association ${lasting}: ${why} (result ${r.result}, source ${r.source}, reason ${r.reason})`;
}

export function echoScu(scu: ScuData, options: EchoOptions = {}): Promise<EchoResult> {
  const D = dimse();
  const aeTitle = scu.aeTitle.trim();
  const where = `${aeTitle}@${scu.host}:${scu.port}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return new Promise<EchoResult>((resolve) => {
    const client = new D.Client();
    const request = new D.requests.CEchoRequest();
    let status: number | undefined;
    let failure: string | undefined;
    let socketError: NodeJS.ErrnoException | undefined;
    type Network = {
      socket: Socket;
      on(event: 'abort', listener: (a: { source: number; reason: number }) => void): void;
    };
    const network = (): Network | undefined => (client as unknown as { network?: Network }).network;
    let settled = false;
    const fail = (message: string): void => {
      failure ??= message;
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      if (failure === undefined && status === D.constants.Status.Success)
        resolve({ success: true, message: `${where} answered the C-ECHO` });
      else if (failure === undefined && status !== undefined)
        resolve({
          success: false,
          message: `${where} answered the C-ECHO with status ${status.toString(16).toUpperCase().padStart(4, '0')}H`,
        });
      else resolve({ success: false, message: failure ?? `${where} closed the association` });
    };
    // dcmjs-dimse times out each phase; this only guards against a 'closed' that never comes.
    const backstop = setTimeout(
      () => {
        fail(`No answer from ${where} within ${Math.round(timeoutMs / 1000)} s`);
        network()?.socket.destroy();
        finish();
      },
      timeoutMs * 3 + 2000,
    );

    request.on('response', (response: { getStatus(): number }) => {
      status = response.getStatus();
    });
    client.addRequest(request);
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) =>
      fail(rejection(where, r)),
    );
    // dcmjs-dimse reports a timeout without closing the socket: close it, the outcome is known.
    client.on('networkError', (e: Error) => {
      fail(
        unreachableMessage(where, socketError?.code) ??
          (/timeout/i.test(e.message)
            ? `No answer from ${where} within ${Math.round(timeoutMs / 1000)} s`
            : `Could not reach ${where}: ${socketError?.message ?? e.message}`),
      );
      network()?.socket.destroy();
      finish();
    });
    client.on('closed', finish);

    try {
      client.send(scu.host, scu.port, SCU_CALLING_AE_TITLE, aeTitle, {
        connectTimeout: timeoutMs,
        associationTimeout: timeoutMs,
        pduTimeout: timeoutMs,
      });
    } catch (e) {
      fail(`Could not reach ${where}: ${e instanceof Error ? e.message : String(e)}`);
      finish();
      return;
    }
    const net = network();
    // dcmjs-dimse's Client ignores an A-ABORT from the peer; end the association here.
    net?.on('abort', (a) => {
      fail(`${where} aborted the association (source ${a.source}, reason ${a.reason})`);
      net.socket.destroy();
    });
    const socket = net?.socket;
    if (socket) {
      socket.setNoDelay(true);
      // Before dcmjs-dimse's own listener, which reports the error without its code.
      socket.prependListener('error', (e: NodeJS.ErrnoException) => {
        socketError ??= e;
      });
    }
  });
}
