/**
 * One value loaded from the server, with the state a panel shows while it comes: `loading` while a
 * request is out, `loaded` once any answer arrived, `error` (the message) when the latest request
 * failed. Only the latest request counts: answers to superseded ones are dropped. A failure keeps the
 * value shown before (panels show the error above it); the next answer clears the error.
 */
import { errorMessage } from '../lib/format.js';

export class Loader<T> {
  value = $state.raw<T>() as T;
  loading = $state(false);
  /** True once an answer (not an error) has arrived. */
  loaded = $state(false);
  error = $state<string | null>(null);

  #request = 0;

  constructor(initial: T) {
    this.value = initial;
  }

  /**
   * Fetch a new value. `apply`, when given, runs with the answer just before it is shown (in the same
   * update), e.g. to fix a selection. Resolves to whether the answer was taken: false when it failed
   * or a later request superseded it.
   */
  async load(fetch: () => Promise<T>, apply?: (value: T) => void): Promise<boolean> {
    const mine = ++this.#request;
    this.loading = true;
    try {
      const value = await fetch();
      if (mine !== this.#request) return false;
      apply?.(value);
      this.value = value;
      this.error = null;
      this.loaded = true;
      return true;
    } catch (e) {
      if (mine === this.#request) this.error = errorMessage(e);
      return false;
    } finally {
      if (mine === this.#request) this.loading = false;
    }
  }
}
