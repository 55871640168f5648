import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, freePort, startBuilt, waitReady } from './support/built-service.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from './support/virsh.js';

describe('the built service (node dist/apps/api/src/main.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-built-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first (make test does)`);
  });

  it('serves the API with the configured port, database and libvirt URI, and stops on SIGTERM', async () => {
    const port = await freePort();
    const dbPath = join(dir, 'nested', 'vnfm.db');
    const service = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: dbPath, VNFM_LIBVIRT_URI: TEST_DRIVER_URI });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitReady(base);
      const name = uniqueName('built');
      const created = await fetch(`${base}/api/v1/vnfs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, vcpus: 1, memoryMiB: 128 }),
      });
      expect(created.status).toBe(201);
      expect((await listAll(TEST_DRIVER_URI)).get(name)).toBe('running');
      expect(existsSync(dbPath)).toBe(true);
      expect((await fetch(`${base}/api/v1/vnfs/${name}`, { method: 'DELETE' })).status).toBe(202);
      expect((await listAll(TEST_DRIVER_URI)).has(name)).toBe(false);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain(`listening on http://127.0.0.1:${port}/api/v1`);
  });

  it('refuses to start on a bad setting, naming the variable', async () => {
    const service = startBuilt({ VNFM_PORT: 'eighty', VNFM_DB_PATH: join(dir, 'never.db') });
    expect(await service.exited).toBe(2);
    expect(service.output()).toMatch(/VNFM_PORT/);
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
  });
});
