/** Failed calls, shown as dismissible banners. Nothing fails silently. */
import { errorMessage } from '../lib/format.js';

export interface ShownError {
  id: number;
  /** What the user was doing, e.g. "Loading patients". */
  context: string;
  message: string;
  /** How many times the same error was reported in a row. */
  repeat: number;
}

const MAX_SHOWN = 5;

export class ErrorStore {
  items = $state<ShownError[]>([]);
  #nextId = 1;

  report(context: string, error: unknown): void {
    const message = errorMessage(error);
    console.error(`${context}:`, error);
    const same = this.items.find((e) => e.context === context && e.message === message);
    if (same) {
      same.repeat++;
      return;
    }
    this.items = [...this.items, { id: this.#nextId++, context, message, repeat: 1 }].slice(
      -MAX_SHOWN,
    );
  }

  dismiss(id: number): void {
    this.items = this.items.filter((e) => e.id !== id);
  }

  clear(): void {
    this.items = [];
  }
}
