/**
 * The one way the UI reaches the main side. In Electron the preload exposes the Bridge on
 * `window.sliceboxDesktop`; in browser mode one is built over the WebSocket host (see ws-bridge.ts).
 * Everything else in the renderer only sees the `Bridge` interface.
 */
import { BRIDGE_GLOBAL, type Bridge } from '../../src-preload/contract.js';
import { bridgeSocketUrl, createWsBridge, tokenFromHash, type SocketFactory } from './ws-bridge.js';

export { BridgeCallError } from './ws-bridge.js';

let instance: Bridge | null = null;

export function getBridge(): Bridge {
  if (instance) return instance;
  const exposed = (window as unknown as Record<string, unknown>)[BRIDGE_GLOBAL];
  if (exposed && typeof exposed === 'object') {
    instance = exposed as Bridge;
    return instance;
  }
  const token = tokenFromHash(location.hash);
  if (!token)
    throw new Error(
      'No bridge token in this page address. Open the address Slicebox Desktop printed when it started (it ends with #token=…).',
    );
  instance = createWsBridge({
    url: bridgeSocketUrl(location.protocol, location.host, token),
    token,
    stageUrl: '/stage',
    createSocket: domSocket,
    fetch: (url, init) => fetch(url, init),
  });
  return instance;
}

const domSocket: SocketFactory = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.onOpen();
  ws.onmessage = (event) => handlers.onMessage(event.data);
  ws.onclose = () => handlers.onClose();
  ws.onerror = () => {
    // A close event always follows; reconnection is handled there.
  };
  return {
    send: (data) => ws.send(data),
    close: () => ws.close(),
  };
};
