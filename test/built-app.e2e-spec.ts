import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DRIVER_URI, listAll, uniqueName } from './support/virsh.js';

const MAIN = new URL('../dist/apps/api/src/main.js', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function startBuilt(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitReady(base: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('built service never became ready');
}

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
