/**
 * A background loop of the active side (BEHAVIOR.md §13.3): a run every `tickMs`, re-run immediately while a run
 * transferred something, a failed run retried on the next tick. `kick()` asks for a run now (used when images
 * are queued, so a send does not wait for the next tick). Runs never overlap.
 */
export class TransferLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private kicked = false;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<number>,
    private readonly tickMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** The first run is at once, so a new (or restarted) box is online, or known offline, right away. */
  start(): void {
    this.schedule(0);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.kicked = true;
      return;
    }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.running) return;
    this.running = true;
    this.kicked = false;
    let again = false;
    try {
      again = (await this.run()) > 0;
    } catch (e) {
      if (!this.stopped) this.onError(e);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    this.schedule(again || this.kicked ? 0 : this.tickMs);
  }
}

/**
 * Runs `task` over `items` with at most `parallelism` at a time. After the first failure no new item is started;
 * the ones in flight finish; then the first error is thrown.
 */
export async function forEachParallel<T>(
  items: readonly T[],
  parallelism: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, lane));
  if (failure) throw failure.error;
}
