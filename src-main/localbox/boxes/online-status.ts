/**
 * Online status of boxes (BEHAVIOR.md §12.7), kept in memory (false after start-up).
 * POLL boxes: online while the remote polled (`outgoing/poll`) or confirmed (`outgoing/done`) within the window
 * (15 s); evaluated when read, which is what the original's 7-second re-evaluation approximates.
 * PUSH boxes: set by the poll worker — true after a successful poll of the remote, false when a poll fails.
 */
import type { BoxRecord } from './box-store.js';

export class OnlineStatus {
  private readonly lastPolled = new Map<number, number>();
  private readonly pushOnline = new Map<number, boolean>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The remote of a POLL box called us. */
  polled(boxId: number): void {
    this.lastPolled.set(boxId, this.now());
  }

  /** The PUSH box's poll worker reached (or failed to reach) the remote. */
  setPushOnline(boxId: number, online: boolean): void {
    this.pushOnline.set(boxId, online);
  }

  isOnline(box: BoxRecord): boolean {
    if (box.sendMethod === 'PUSH') return this.pushOnline.get(box.id) ?? false;
    const at = this.lastPolled.get(box.id);
    return at !== undefined && this.now() - at <= this.windowMs;
  }

  forget(boxId: number): void {
    this.lastPolled.delete(boxId);
    this.pushOnline.delete(boxId);
  }
}
