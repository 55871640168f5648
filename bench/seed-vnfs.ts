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
