import { randomUUID } from 'node:crypto';

/** A new random UID `2.25.<decimal of a random 128-bit UUID>` (BEHAVIOR.md §11.3, code U). */
export function newRandomUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString(10)}`;
}
