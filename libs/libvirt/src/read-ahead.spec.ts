import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

/** A read that resolves (or rejects) when the test says so. */
function controlledRead<T>() {
  let settle!: { resolve: (value: T) => void; reject: (error: Error) => void };
  let started = false;
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  return {
    read: () => {
      started = true;
      return promise;
    },
    get started() {
      return started;
    },
    ...{ resolve: (value: T) => settle.resolve(value), reject: (error: Error) => settle.reject(error) },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Four controlled reads through readAhead with depth 2, and what it handed over. */
function fourReadsTwoAhead() {
  const reads = [0, 1, 2, 3].map(() => controlledRead<number>());
  const used: number[] = [];
  const done = readAhead(
    reads.map((r) => r.read),
    (n) => used.push(n),
    2,
  );
  return { reads, used, done };
}

describe('readAhead', () => {
  it('keeps at most `depth` reads in flight and hands the results over in order', async () => {
    const { reads, used, done } = fourReadsTwoAhead();
    expect(reads.map((r) => r.started)).toEqual([true, true, false, false]);
    reads[1]!.resolve(1); // out of order: waits for the first
    await tick();
    expect(used).toEqual([]);
    reads[0]!.resolve(0);
    await tick();
    expect(used).toEqual([0, 1]);
    expect(reads.map((r) => r.started)).toEqual([true, true, true, true]);
    reads[3]!.resolve(3);
    reads[2]!.resolve(2);
    await done;
    expect(used).toEqual([0, 1, 2, 3]);
  });

  it('rejects with the first failure after handing over what came before it, and starts no more reads', async () => {
    const { reads, used, done } = fourReadsTwoAhead();
    reads[0]!.resolve(0);
    await tick();
    reads[1]!.reject(new Error('connection lost'));
    reads[2]!.reject(new Error('also lost')); // in flight when the first failed: must not be an unhandled rejection
    await expect(done).rejects.toThrow('connection lost');
    expect(used).toEqual([0]);
    expect(reads[3]!.started).toBe(false);
  });

  it('hands nothing over and resolves when there is nothing to read', async () => {
    const used: unknown[] = [];
    await readAhead([], (x) => used.push(x), 2);
    expect(used).toEqual([]);
  });
});
