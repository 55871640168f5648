/**
 * The one way into reconciliation: delayed, coalescing work per key, at most `concurrency` keys
 * at once, a key never worked on twice at once.
 *
 * - Asking again for a key already waiting keeps the earlier time; an ask that arrives while the
 *   key runs makes it run exactly once more afterwards.
 * - `run(key)` waits for the result of a run that starts after the ask (an API write waits for
 *   its own reconcile, not for one that read the row before the write).
 * - A hint (what a full pass observed, or that an event asked) travels with an ask; any later
 *   ask replaces it (one without a hint drops it), so a run after a write always looks at
 *   libvirt afresh.
 * - A failing run is never swallowed: `onError` hears of it, and waiters get the error.
 */
export interface KeyedWorkQueueOptions<H> {
  concurrency?: number;
  onError?: (key: string, error: unknown) => void;
  /** @internal hint type carrier */
  hint?: H;
}

interface Waiter<R> {
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

interface Entry<H, R> {
  /** When it is due (epoch ms); undefined while only waiting for a running turn to end. */
  dueAt: number;
  timer: NodeJS.Timeout | undefined;
  hint: H | undefined;
  waiters: Array<Waiter<R>>;
}

export class KeyedWorkQueue<R = void, H = never> {
  private readonly waiting = new Map<string, Entry<H, R>>();
  /** Due keys in the order they became due (a Set keeps insertion order and finds in O(1)). */
  private readonly ready = new Set<string>();
  /** The keys running now, with their entries (whose waiters wait for that run). */
  private readonly running = new Map<string, Entry<H, R>>();
  private readonly settledWaiters: Array<() => void> = [];
  private readonly concurrency: number;
  private stopped = false;

  constructor(
    private readonly work: (key: string, hint: H | undefined) => Promise<R>,
    private readonly options: KeyedWorkQueueOptions<H> = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** Work on `key` after `delayMs` (0: as soon as possible), with what a pass saw of it. */
  add(key: string, delayMs = 0, hint?: H): void {
    this.enqueue(key, delayMs, hint, undefined);
  }

  /** Work on `key` now and wait for the outcome of that run. */
  run(key: string, hint?: H): Promise<R> {
    return new Promise<R>((resolve, reject) => this.enqueue(key, 0, hint, { resolve, reject }));
  }

  /** Keys waiting or running (queue depth, for metrics). */
  get pending(): number {
    return this.waiting.size + this.running.size;
  }

  /** Resolves once no run is in progress (at once when none is). */
  settled(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /**
   * Nothing more starts: waiting keys are dropped, and everyone waiting (for a run to come or for
   * one in progress) is answered with an error at once; runs in progress go on (`settled`).
   */
  stop(): void {
    this.stopped = true;
    for (const [key, entry] of this.waiting) {
      clearTimeout(entry.timer);
      for (const waiter of entry.waiters) waiter.reject(new Error(`reconcile of ${key} cancelled: shutting down`));
    }
    for (const [key, entry] of this.running) {
      for (const waiter of entry.waiters.splice(0)) waiter.reject(new Error(`reconcile of ${key} not waited for: shutting down`));
    }
    this.waiting.clear();
    this.ready.clear();
  }

  private enqueue(key: string, delayMs: number, hint: H | undefined, waiter: Waiter<R> | undefined): void {
    if (this.stopped) {
      waiter?.reject(new Error('the work queue is stopped'));
      return;
    }
    const dueAt = Date.now() + Math.max(0, delayMs);
    let entry = this.waiting.get(key);
    if (!entry) {
      entry = { dueAt, timer: undefined, hint, waiters: [] };
      this.waiting.set(key, entry);
      this.schedule(key, entry);
    } else {
      entry.hint = hint; // a later ask without a hint means: look again
      if (dueAt < entry.dueAt) {
        entry.dueAt = dueAt;
        this.schedule(key, entry);
      }
    }
    if (waiter) entry.waiters.push(waiter);
  }

  private schedule(key: string, entry: Entry<H, R>): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const delay = entry.dueAt - Date.now();
    if (delay <= 0) {
      this.markReady(key);
      return;
    }
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.markReady(key);
    }, delay);
    entry.timer.unref();
  }

  private markReady(key: string): void {
    this.ready.add(key);
    this.drain();
  }

  private drain(): void {
    if (this.stopped) return;
    for (const key of this.ready) {
      if (this.running.size >= this.concurrency) return;
      if (this.running.has(key)) continue; // it runs again once the current run ends
      this.ready.delete(key);
      const entry = this.waiting.get(key);
      if (!entry) continue;
      this.waiting.delete(key);
      void this.runEntry(key, entry);
    }
  }

  private async runEntry(key: string, entry: Entry<H, R>): Promise<void> {
    this.running.set(key, entry);
    try {
      const result = await this.work(key, entry.hint);
      for (const waiter of entry.waiters) waiter.resolve(result);
    } catch (error) {
      this.options.onError?.(key, error);
      for (const waiter of entry.waiters) waiter.reject(error);
    } finally {
      this.running.delete(key);
      if (this.running.size === 0) for (const settled of this.settledWaiters.splice(0)) settled();
      // An ask that came while this ran is waiting in `waiting`; it becomes ready when due.
      if (this.waiting.has(key) && this.waiting.get(key)!.timer === undefined) this.markReady(key);
      else this.drain();
    }
  }
}
