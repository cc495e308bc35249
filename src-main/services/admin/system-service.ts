/**
 * Slicebox's Admin → System (WEB-UI §1.2): clearing the log (`DELETE /log`, BEHAVIOR §21) and shutting the
 * server down (`POST /system/stop`, admin, §7.3). The app's own local box is never stopped this way: it
 * stops when Slicebox Desktop quits. A refusal (403) is reported in the server's own words.
 */
import type { ConnectionInfo } from '../../../src-preload/contract.js';
import { SliceboxHttpError } from '../../slicebox/client.js';
import type { ActionConnections } from '../actions/action-service.js';
import { ServiceError } from '../service-error.js';

export const LOCAL_STOP_REFUSAL = 'The local box stops when Slicebox Desktop quits.';

export interface SystemConnections extends ActionConnections {
  info(connectionId: string): Pick<ConnectionInfo, 'kind'>;
}

export class SystemService {
  constructor(private readonly connections: SystemConnections) {}

  async clearLog(connectionId: string): Promise<void> {
    await this.connections.client(connectionId).clearLog();
  }

  /** Asks the server to stop; answers its message (e.g. "Shutting down in 1 second..."). */
  async stop(connectionId: string): Promise<{ message: string }> {
    if (this.connections.info(connectionId).kind === 'local') {
      throw new ServiceError('invalid-arguments', LOCAL_STOP_REFUSAL);
    }
    try {
      const text = await this.connections.client(connectionId).stopServer();
      return { message: text.trim() || 'The server is shutting down.' };
    } catch (e) {
      if (e instanceof SliceboxHttpError && e.status === 403) {
        throw new ServiceError(
          'server',
          e.body.trim() || 'Only administrators can shut down the server.',
        );
      }
      throw e;
    }
  }
}
