import { parseEventBlock } from '../../apps/vnfctl/src/watch.js';

/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id: string | null;
  type: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next event that passes `accept` (earlier ones are dropped); rejects after `timeoutMs`. */
  next(accept: (event: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>;
  close(): void;
}

/** Opens an SSE stream with fetch and reads it as it comes. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const queue: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  void (async () => {
    if (!response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const event = parseEventBlock(buffer.slice(0, split));
          buffer = buffer.slice(split + 2);
          if (event) queue.push(event);
        }
        for (const wake of waiters) wake();
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      for (const wake of waiters) wake();
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    async next(accept, timeoutMs = 20_000, what = 'an event') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const event = queue.shift()!;
          if (accept(event)) return event;
        }
        if (ended) throw new Error(`the stream ended before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
    },
    close: () => controller.abort(),
  };
}
