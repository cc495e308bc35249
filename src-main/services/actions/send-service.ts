/**
 * Home's Send and Send to SCP (WEB-UI §1.2): the selection's images go to a box (queued on the server as
 * one outgoing transaction, anonymized on the way with the chosen profile and names) or to a DICOM node
 * with C-STORE (the server opens one association and answers when every image went).
 */
import type {
  ActionSelection,
  AnonymizePatientName,
  FlaggedChoice,
  SendResult,
} from '../../../src-preload/contract.js';
import type { SliceboxClient } from '../../slicebox/client.js';
import type { Image } from '../../slicebox/types.js';
import { ServiceError } from '../service-error.js';
import { resolveImageIds, resolveImages } from '../selection/resolve-images.js';
import { identityFlags } from '../privacy/identity-flags.js';
import { anonymizationBody } from './anonymization-body.js';
import type { ActionConnections } from './action-service.js';

/** How many of the newest outgoing transactions are compared to find the one a send created. */
const NEWEST = 50;

export class SendService {
  constructor(private readonly connections: ActionConnections) {}

  /**
   * Queues the selection for box `boxId`. Slicebox answers 204 without the transaction, so the newest
   * outgoing transactions are listed before and after: the one for this box that is new is ours.
   *
   * A box passes images flagged PatientIdentityRemoved = YES through unchanged (BEHAVIOR §11.1). With
   * `flagged: 'anonymize'` (the default) those are first anonymized here, in place (forced, with the same
   * options and names), and the anonymized copies are queued; with `'asIs'` they are queued as they are.
   */
  async sendToBox(
    connectionId: string,
    selection: ActionSelection,
    boxId: number,
    options: string[],
    patientNames?: AnonymizePatientName[],
    flagged: FlaggedChoice = 'anonymize',
  ): Promise<SendResult> {
    const client = this.connections.client(connectionId);
    let images = await resolveImages(client, selection);
    if (images.length === 0) throw new ServiceError('invalid-arguments', 'Nothing to send');
    let anonymizedFirst = 0;
    // Nothing is changed here for a box that does not exist: the send below then gets the server's 404.
    const boxExists = (await client.boxes({ startindex: 0, count: 100_000 })).some(
      (b) => b.id === boxId,
    );
    if (flagged === 'anonymize' && boxExists) {
      const flags = await identityFlags(
        client,
        images.map((i) => i.id),
      );
      const toAnonymize = images.filter((i) => flags.flagged.has(i.id));
      if (toAnonymize.length > 0) {
        let fresh: Image[];
        try {
          fresh = await client.anonymizeImages(
            await anonymizationBody(client, toAnonymize, options, patientNames),
          );
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          throw new ServiceError(
            'server',
            `Anonymizing the images flagged as already anonymous failed, so nothing was sent: ${detail}`,
          );
        }
        anonymizedFirst = fresh.length;
        images = [...images.filter((i) => !flags.flagged.has(i.id)), ...fresh];
      }
    }
    const body = await anonymizationBody(client, images, options, patientNames);
    const before = new Set(await this.outgoingIds(client));
    await client.sendToBox(boxId, body);
    const after = await client.outgoingTransactions({ startindex: 0, count: NEWEST });
    const created = after
      .filter((t) => t.boxId === boxId && !before.has(t.id))
      .sort((a, b) => b.id - a.id)[0];
    return {
      queued: body.imageTagValuesSet.length,
      transactionId: created?.id ?? null,
      anonymizedFirst,
    };
  }

  /** C-STORE of the selection's images to SCU `scuId`; the server's 502 text is kept. */
  async sendToScu(
    connectionId: string,
    selection: ActionSelection,
    scuId: number,
  ): Promise<{ sent: number }> {
    const client = this.connections.client(connectionId);
    const ids = await resolveImageIds(client, selection);
    if (ids.length === 0) throw new ServiceError('invalid-arguments', 'Nothing to send');
    await client.sendToScu(scuId, ids);
    return { sent: ids.length };
  }

  private async outgoingIds(client: SliceboxClient): Promise<number[]> {
    return (await client.outgoingTransactions({ startindex: 0, count: NEWEST })).map((t) => t.id);
  }
}
