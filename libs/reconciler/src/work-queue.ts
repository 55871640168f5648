/**
 * Delayed, coalescing work per key: asking again for a key already waiting keeps the earlier
 * time; a key is never worked on twice at once (a request that arrives while it runs makes it
 * run once more afterwards). Work failures are the worker's to record; the queue just goes on.
 */
export class KeyedWorkQueue {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private stopped = false;

  constructor(private readonly work: (key: string) => Promise<void>) {}

  /** Work on `key` after `delayMs` (0: as soon as possible). */
  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (this.running.has(key) && delayMs <= 0) {
      this.again.add(key);
      return;
    }
    const at = Date.now() + Math.max(0, delayMs);
    const waiting = this.timers.get(key);
    if (waiting && waiting.at <= at) return;
    if (waiting) clearTimeout(waiting.timer);
    const timer = setTimeout(() => void this.run(key), Math.max(0, delayMs));
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Keys waiting (for tests and metrics). */
  get pending(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async run(key: string): Promise<void> {
    this.timers.delete(key);
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.running.add(key);
    try {
      await this.work(key);
    } catch {
      // The worker records its own failures; the queue must keep going.
    } finally {
      this.running.delete(key);
      if (this.again.delete(key)) this.add(key);
    }
  }
}
