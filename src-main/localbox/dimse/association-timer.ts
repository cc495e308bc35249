/**
 * The one timer of an SCP association, in the phase it is in (limits in scp-limits.ts):
 * `request` from the connection until the A-ASSOCIATE-RQ, `idle` while the association waits for its peer
 * (restarted by every PDU; stopped while a received C-STORE is being stored, which is the SCP's own work), and
 * `release` after the SCP has rejected, released or aborted and waits for the peer to close.
 */
import type { ScpLimits } from './scp-limits.js';

export type TimerPhase = 'request' | 'idle' | 'release';

export class AssociationTimer {
  private timer: NodeJS.Timeout | undefined;
  private phase: TimerPhase | undefined;

  constructor(
    private readonly limits: ScpLimits,
    private readonly onExpired: (phase: TimerPhase) => void,
  ) {}

  durationOf(phase: TimerPhase): number {
    if (phase === 'request') return this.limits.associationRequestTimeoutMs;
    if (phase === 'idle') return this.limits.idleTimeoutMs;
    return this.limits.releaseTimeoutMs;
  }

  start(phase: TimerPhase): void {
    this.stop();
    this.phase = phase;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.phase = undefined;
      this.onExpired(phase);
    }, this.durationOf(phase));
    // The socket keeps the process alive while the association lasts; the timer alone must not.
    this.timer.unref();
  }

  /** Activity from the peer: the idle timer starts over (other phases are not affected). */
  touch(): void {
    if (this.phase === 'idle') this.timer?.refresh();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.phase = undefined;
  }
}
