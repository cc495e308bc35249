/** Where the focus goes once the DOM has caught up: after a row is deleted, its button is gone. */
import { tick } from 'svelte';

/**
 * After the next update, focuses the first target found: a selector looked up in `root`, or an element
 * (e.g. the panel's Add button when no row is left).
 */
export async function focusFirst(
  root: HTMLElement | undefined,
  ...targets: (string | HTMLElement | undefined)[]
): Promise<void> {
  await tick();
  for (const target of targets) {
    const element = typeof target === 'string' ? root?.querySelector<HTMLElement>(target) : target;
    if (element?.isConnected) {
      element.focus();
      return;
    }
  }
}
