import { describe, expect, it } from 'vitest';
import { readShared } from './read-ahead.js';

/** Reads of numbered batches that resolve (or reject) when the test says so, by batch. */
function controlledReader() {
  const pending = new Map<number, { resolve: (value: number) => void; reject: (error: Error) => void }>();
  const started: number[] = [];
  return {
    started,
    read: (batch: number) =>
      new Promise<number>((resolve, reject) => {
        started.push(batch);
        pending.set(batch, { resolve, reject });
      }),
    resolve: (batch: number) => pending.get(batch)!.resolve(batch),
    reject: (batch: number, error: Error) => pending.get(batch)!.reject(error),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Six batches, two readers (the first answers for the whole), two reads in flight on each. */
function sixBatchesTwoReaders() {
  const first = controlledReader();
  const second = controlledReader();
  const used: number[] = [];
  const done = readShared([0, 1, 2, 3, 4, 5], [first.read, second.read], (n) => used.push(n), 2);
  return { first, second, used, done };
}

describe('readShared', () => {
  it('keeps `depth` reads in flight on each reader, each taking the next batch, and hands each result over as it comes', async () => {
    const { first, second, used, done } = sixBatchesTwoReaders();
    expect(first.started).toEqual([0, 1]);
    expect(second.started).toEqual([2, 3]);
    second.resolve(3); // out of order: handed over at once
    await tick();
    expect(used).toEqual([3]);
    expect(second.started).toEqual([2, 3, 4]);
    first.resolve(0);
    await tick();
    expect(first.started).toEqual([0, 1, 5]);
    for (const [reader, batch] of [[first, 1], [second, 2], [second, 4], [first, 5]] as const) reader.resolve(batch);
    await done;
    expect(used.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("reads again on the first reader what another failed to read, and retires that reader", async () => {
    const { first, second, used, done } = sixBatchesTwoReaders();
    second.reject(2, new Error('reader connection lost'));
    await tick();
    second.resolve(3); // already in flight: still used
    await tick();
    expect(second.started).toEqual([2, 3]); // retired: takes no more
    for (const batch of [0, 1]) first.resolve(batch);
    await tick();
    for (const batch of [4, 5]) first.resolve(batch);
    await tick();
    expect(first.started).toEqual([0, 1, 4, 5, 2]);
    first.resolve(2);
    await done;
    expect(used.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("rejects with the first reader's failure once the reads in flight have settled, and starts no more", async () => {
    const { first, second, used, done } = sixBatchesTwoReaders();
    let settled = false;
    done.then(
      () => (settled = true),
      () => (settled = true),
    );
    first.reject(0, new Error('connection lost'));
    first.reject(1, new Error('also lost')); // must not be an unhandled rejection
    await tick();
    expect(settled).toBe(false); // the second reader's reads are still in flight
    second.resolve(2);
    second.reject(3, new Error('lost too'));
    await expect(done).rejects.toThrow('connection lost');
    expect(used).toEqual([2]);
    expect([...first.started, ...second.started].sort()).toEqual([0, 1, 2, 3]);
  });

  it('reads everything with one reader, and resolves at once with nothing to read', async () => {
    const used: number[] = [];
    await readShared([1, 2, 3], [async (batch: number) => batch * 10], (n) => used.push(n), 2);
    expect(used.sort()).toEqual([10, 20, 30]);
    await readShared([], [async () => 0], (n) => used.push(n), 2);
    expect(used).toHaveLength(3);
  });
});
