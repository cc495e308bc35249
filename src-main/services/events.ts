import type { EventName, Events } from '../../src-preload/contract.js';

/** How services push events to whichever transport carries the bridge. */
export type EmitEvent = <E extends EventName>(event: E, payload: Events[E]) => void;
