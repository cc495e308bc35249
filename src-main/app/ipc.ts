/**
 * The Electron transport of the bridge: one `ipcMain.handle` per contract channel, answered by the
 * services' handler table (which validates the arguments), and events pushed on 'bridge:event'.
 * Only our renderer's top frame, in our window, may call.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS, EVENTS, type BridgeError, type EventName } from '../../src-preload/contract.js';
import { dispatch, type DispatchResult, type HandlerTable } from '../services/handlers.js';
import { isRendererUrl } from './paths.js';

export const EVENT_CHANNEL = 'bridge:event';

type WindowRef = () => BrowserWindow | null;

/** True when the call comes from the top frame of our window, showing our renderer. */
export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  if (!window || window.isDestroyed()) return false;
  const contents = window.webContents;
  const frame = event.senderFrame;
  if (event.sender !== contents || frame === null || frame.parent !== null) return false;
  const top = contents.mainFrame;
  if (frame.processId !== top.processId || frame.routingId !== top.routingId) return false;
  return isRendererUrl(frame.url);
}

const failure = (code: string, message: string): DispatchResult => ({
  ok: false,
  error: { code, message } satisfies BridgeError,
});

/**
 * Registers every channel. `handlers` may still be starting (the window opens while the local box
 * boots): calls wait for it, and get a 'startup' error if the services failed to start.
 */
export function registerIpc(handlers: Promise<HandlerTable>, getWindow: WindowRef): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, args: unknown): Promise<DispatchResult> => {
      if (!isTrustedSender(event, getWindow())) {
        console.warn(`Refused ${channel} from ${event.senderFrame?.url ?? 'a closed frame'}`);
        return failure('forbidden', 'This frame may not call the Slicebox Desktop bridge.');
      }
      let table: HandlerTable;
      try {
        table = await handlers;
      } catch (error) {
        return failure('startup', `Slicebox Desktop did not start: ${(error as Error).message}`);
      }
      return dispatch(table, channel, args);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set(EVENTS);

/** The services' `emit` for Electron: forwards known events to the window, if there is one. */
export function eventForwarder(getWindow: WindowRef): (event: EventName, payload: unknown) => void {
  return (event, payload) => {
    if (!KNOWN_EVENTS.has(event)) return;
    const window = getWindow();
    if (!window || window.isDestroyed() || window.webContents.isDestroyed()) return;
    window.webContents.send(EVENT_CHANNEL, event, payload);
  };
}
