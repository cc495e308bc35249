/**
 * An ordered, asynchronous close (in the style of VS Code's DisposableStore): each part of the engine registers
 * its teardown as it is opened, and `run()` calls them in reverse order, one after the other, so that what was
 * opened first (the database) is closed last, after everything that uses it has stopped. A failing teardown does
 * not stop the others; the first error is thrown at the end.
 */
export class Teardowns {
  private readonly steps: Array<{ name: string; run: () => void | Promise<void> }> = [];
  private running: Promise<void> | undefined;

  add(name: string, run: () => void | Promise<void>): void {
    if (this.running) throw new Error(`cannot add teardown ${name}: already closing`);
    this.steps.push({ name, run });
  }

  /** Runs every teardown once, last added first; later calls return the same promise. */
  run(): Promise<void> {
    this.running ??= (async () => {
      let first: unknown;
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (e) {
          first ??= new Error(
            `closing ${step.name} failed: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      }
      if (first !== undefined) throw first;
    })();
    return this.running;
  }
}
