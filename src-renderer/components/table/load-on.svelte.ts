/** Loading a section's lists: now, and again whenever what they depend on changes. */
import { untrack } from 'svelte';

/**
 * Called while a component sets up: runs `load` at once and again whenever a value `trigger` reads changes
 * (the screen's Refresh count, the selected row). What `load` itself reads does not trigger it.
 */
export function loadOn(trigger: () => unknown, load: () => unknown): void {
  $effect(() => {
    trigger();
    untrack(() => void load());
  });
}
