import { describe, expect, it } from 'vitest';
import { Loader } from '../../src-renderer/stores/loader.svelte.js';

/** A promise with its resolve and reject at hand. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Loader', () => {
  it('starts with the initial value, not loading and not loaded', () => {
    const loader = new Loader<string[]>([]);
    expect(loader.value).toEqual([]);
    expect(loader.loading).toBe(false);
    expect(loader.loaded).toBe(false);
    expect(loader.error).toBeNull();
  });

  it('is loading while a request is out and loaded once it answers', async () => {
    const loader = new Loader<string[]>([]);
    const answer = deferred<string[]>();
    const done = loader.load(() => answer.promise);
    expect(loader.loading).toBe(true);
    expect(loader.loaded).toBe(false);
    answer.resolve(['a']);
    await expect(done).resolves.toBe(true);
    expect(loader.value).toEqual(['a']);
    expect(loader.loading).toBe(false);
    expect(loader.loaded).toBe(true);
    expect(loader.error).toBeNull();
  });

  it('drops the answer to a superseded request, even when it comes last', async () => {
    const loader = new Loader('initial');
    const first = deferred<string>();
    const second = deferred<string>();
    const firstDone = loader.load(() => first.promise);
    const secondDone = loader.load(() => second.promise);
    second.resolve('second');
    await expect(secondDone).resolves.toBe(true);
    first.resolve('first');
    await expect(firstDone).resolves.toBe(false);
    expect(loader.value).toBe('second');
    expect(loader.loading).toBe(false);
  });

  it('keeps loading while the latest request is out, whatever older ones do', async () => {
    const loader = new Loader('initial');
    const first = deferred<string>();
    const second = deferred<string>();
    const firstDone = loader.load(() => first.promise);
    const secondDone = loader.load(() => second.promise);
    first.reject(new Error('old failure'));
    await expect(firstDone).resolves.toBe(false);
    expect(loader.loading).toBe(true);
    expect(loader.error).toBeNull();
    second.resolve('second');
    await secondDone;
    expect(loader.loading).toBe(false);
    expect(loader.value).toBe('second');
  });

  it('keeps the old value on error, and clears the error with the next answer', async () => {
    const loader = new Loader<string[]>([]);
    await loader.load(() => Promise.resolve(['kept']));
    await expect(loader.load(() => Promise.reject(new Error('Server unreachable')))).resolves.toBe(
      false,
    );
    expect(loader.value).toEqual(['kept']);
    expect(loader.error).toBe('Server unreachable');
    expect(loader.loaded).toBe(true);
    expect(loader.loading).toBe(false);
    await loader.load(() => Promise.resolve(['new']));
    expect(loader.value).toEqual(['new']);
    expect(loader.error).toBeNull();
  });

  it('is not loaded when the first request fails', async () => {
    const loader = new Loader<string[]>([]);
    await loader.load(() => Promise.reject(new Error('nope')));
    expect(loader.loaded).toBe(false);
    expect(loader.error).toBe('nope');
  });

  it('runs apply with a taken answer before showing it, and not with a dropped one', async () => {
    const loader = new Loader(0);
    const seen: [number, number][] = [];
    const first = deferred<number>();
    const firstDone = loader.load(
      () => first.promise,
      (value) => seen.push([value, loader.value]),
    );
    await loader.load(
      () => Promise.resolve(2),
      (value) => seen.push([value, loader.value]),
    );
    first.resolve(1);
    await firstDone;
    expect(seen).toEqual([[2, 0]]);
  });
});
