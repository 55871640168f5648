/** The bench aids' setup: `total` VNFs (vnf-0 .. vnf-N-1) created through the API, 16 at a time, then one pass. */
import type { Agent } from 'node:http';
import { send } from './http-load.js';

export const seedBody = (name: string) => JSON.stringify({ name, vcpus: 1, memoryMiB: 64, interfaces: [{ type: 'user' }] });

export async function seedVnfs(agent: Agent, base: string, total: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const name = `vnf-${next++}`;
        const { status } = await send(agent, new URL('/api/v1/vnfs', base), 'POST', seedBody(name));
        if (status !== 201) throw new Error(`create ${name}: ${status}`);
      }
    }),
  );
  await send(agent, new URL('/api/v1/reconcile', base), 'POST', '{}');
}

/** The requests of one kind the profiling aids load vnfm with (`get`, `list`, `healthz`, `dry`), over `total` seeded VNFs. */
export function profiledRequests(what: string, total: number): { path: string; method?: 'POST'; body?: string; count?: number } {
  if (what === 'get') return { path: '/api/v1/vnfs/vnf-{i}', count: total };
  if (what === 'healthz') return { path: '/healthz' };
  if (what === 'list') return { path: '/api/v1/vnfs?limit=100' };
  return { path: '/api/v1/vnfs?dryRun=true', method: 'POST', body: seedBody('dry-{i}'), count: 1_000_000 };
}
