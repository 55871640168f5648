import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './stats.js';

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** One request over a keep-alive agent; resolves with the status (the body is read and dropped). */
export function send(agent: Agent, url: URL, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, method, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `connections` keep-alive connections, each sending its next request as soon as the last one
 * answered, for `durationMs`: requests per second and latency percentiles.
 */
export async function load(options: { connections: number; durationMs: number; next: (index: number) => { url: URL; method?: string; body?: string }; expect?: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline) {
        const { url, method, body } = options.next(issued++);
        const sent = performance.now();
        try {
          const { status } = await send(agent, url, method, body);
          if (status !== (options.expect ?? 200)) errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  return { requests: latencies.length, perSecond: (latencies.length / elapsed) * 1000, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), errors };
}
