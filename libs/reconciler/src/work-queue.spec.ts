import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.js';
import { KeyedWorkQueue } from './work-queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedWorkQueue', () => {
  it('coalesces repeated asks for a waiting key into one run, keeping the earliest time', async () => {
    const runs: string[] = [];
    const queue = new KeyedWorkQueue(async (key) => {
      runs.push(key);
    });
    queue.add('a', 50);
    queue.add('a', 10);
    queue.add('a', 30);
    queue.add('b', 10);
    await sleep(80);
    expect(runs.sort()).toEqual(['a', 'b']);
    queue.stop();
  });

  it('never runs one key twice at once; an ask during a run makes exactly one more run after it', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const queue = new KeyedWorkQueue(async () => {
      running += 1;
      most = Math.max(most, running);
      runs += 1;
      await sleep(30);
      running -= 1;
    });
    queue.add('a');
    await sleep(5);
    queue.add('a');
    queue.add('a');
    await sleep(100);
    expect(most).toBe(1);
    expect(runs).toBe(2);
    queue.stop();
  });

  it('keeps going after a failing run, and does nothing once stopped', async () => {
    const runs: string[] = [];
    const queue = new KeyedWorkQueue(async (key) => {
      runs.push(key);
      if (key === 'bad') throw new Error('boom');
    });
    queue.add('bad');
    queue.add('good', 5);
    await sleep(30);
    expect(runs).toEqual(['bad', 'good']);
    queue.stop();
    queue.add('late');
    await sleep(20);
    expect(runs).toEqual(['bad', 'good']);
    expect(queue.pending).toBe(0);
  });
});

describe('retryDelayMs', () => {
  const policy = { baseMs: 1_000, maxMs: 8_000, jitter: 0.2 };

  it('doubles from the base and stops at the cap', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 10].map((failures) => retryDelayMs(failures, policy, top))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('jitter only shortens, by at most its share', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(3_200);
    expect(retryDelayMs(30, policy, () => 0.5)).toBe(7_200);
  });
});

describe('KeyedWorkQueue: waiting for a run, hints, errors', () => {
  it('run() answers the outcome of a run that starts after the ask', async () => {
    let version = 0;
    const queue = new KeyedWorkQueue<number>(async () => {
      const seen = version;
      await sleep(20);
      return seen;
    });
    const first = queue.run('a');
    await sleep(5);
    version = 1; // a write lands while the first run is in flight
    const second = queue.run('a');
    expect(await first).toBe(0);
    expect(await second).toBe(1);
    queue.stop();
  });

  it('a later ask without a hint drops the hint of a waiting one', async () => {
    const hints: Array<string | undefined> = [];
    const queue = new KeyedWorkQueue<void, string>(async (_key, hint) => {
      hints.push(hint);
    });
    queue.add('a', 10, 'from-pass');
    queue.add('a', 10);
    queue.add('b', 10, 'from-pass');
    await sleep(40);
    expect(hints.sort()).toEqual(['from-pass', undefined].sort());
    queue.stop();
  });

  it('a failing run is reported and rejects its waiters; the queue goes on', async () => {
    const failures: string[] = [];
    const queue = new KeyedWorkQueue<string>(
      async (key) => {
        if (key === 'bad') throw new Error('boom');
        return key;
      },
      { onError: (key) => failures.push(key) },
    );
    await expect(queue.run('bad')).rejects.toThrow('boom');
    expect(await queue.run('good')).toBe('good');
    expect(failures).toEqual(['bad']);
    queue.stop();
  });

  it('runs at most `concurrency` keys at once', async () => {
    let running = 0;
    let most = 0;
    const queue = new KeyedWorkQueue<void>(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await sleep(10);
        running -= 1;
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 12 }, (_, index) => queue.run(`k${index}`)));
    expect(most).toBe(3);
    queue.stop();
  });

  it('stop answers everyone waiting at once (for a run to come or one in progress); settled resolves once the runs in progress end', async () => {
    const ended: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const queue = new KeyedWorkQueue(
      async (key) => {
        if (key === 'slow') await held;
        ended.push(key);
      },
      { concurrency: 1 },
    );
    await queue.settled(); // nothing runs: at once
    const slow = queue.run('slow');
    const later = queue.run('later'); // waits: one run at a time
    await sleep(10);
    queue.stop();
    await expect(later).rejects.toThrow(/cancelled: shutting down/);
    await expect(slow).rejects.toThrow(/slow not waited for: shutting down/);
    let settled = false;
    const settling = queue.settled().then(() => (settled = true));
    await sleep(20);
    expect(settled).toBe(false);
    expect(ended).toEqual([]);
    release();
    await settling;
    expect(ended).toEqual(['slow']); // the run itself went on to its end
  });
});
