import { ApiError, type VnfmClient } from './client.js';
import { CliError, EXIT } from './exit-codes.js';

/** One event of `GET /api/v1/events`. */
export interface StreamEvent {
  id: string | null;
  type: string;
  data: { type: string; name: string | null; object: unknown };
}

/** One `text/event-stream` block (the HTML spec's fields: id, event, data); null for comments only. */
export function parseEventBlock(block: string): { id: string | null; type: string; data: string } | null {
  let id: string | null = null;
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 && id === null ? null : { id, type, data: data.join('\n') };
}

function parse(block: string): StreamEvent | null {
  const event = parseEventBlock(block);
  if (!event || event.data === '') return null;
  return { ...event, data: JSON.parse(event.data) as StreamEvent['data'] };
}

/**
 * Follows the watch stream until `signal` aborts: every event to `onEvent`; a dropped
 * connection is reopened with `Last-Event-ID`, so nothing is missed (the ids are durable).
 */
export async function follow(client: VnfmClient, query: URLSearchParams, onEvent: (event: StreamEvent) => void, signal: AbortSignal): Promise<void> {
  let lastId: string | null = null;
  let failures = 0;
  while (!signal.aborted) {
    let response: Response;
    try {
      response = await fetch(client.url(`events${query.size > 0 ? `?${query}` : ''}`), {
        headers: client.headers({ accept: 'text/event-stream', ...(lastId === null ? {} : { 'last-event-id': lastId }) }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) return;
      if (++failures > 5) throw new CliError(EXIT.unavailable, `lost the watch stream at ${client.target.url}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 500 * failures));
      continue;
    }
    if (response.status >= 400) {
      const text = await response.text();
      throw new ApiError(response.status, text.startsWith('{') ? (JSON.parse(text) as object) : { detail: text });
    }
    failures = 0;
    try {
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let split: number;
        while ((split = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split).replace(/^\r?\n\r?\n/, '');
          const event = parse(block);
          if (!event) continue;
          if (event.id !== null) lastId = event.id;
          onEvent(event);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof CliError) throw error;
    }
  }
}
