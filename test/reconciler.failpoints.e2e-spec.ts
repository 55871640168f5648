import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, freePort, startBuilt, waitReady } from './support/built-service.js';
import { eventually } from './support/libvirtd.js';
import { x86Host, type HostFixture } from './support/sysfs-fixture.js';
import { QEMU_URI, domstate, listAll, uniqueName, virsh } from './support/virsh.js';

const INTERVAL_MS = 2_000;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, checked field by field
type Json = Record<string, any>;

/**
 * SIGKILL of the service at every failpoint, then a restart: within one interval the domains
 * match the stored intent, with no orphan, no duplicate and no leaked claim (qemu:///system).
 */
describe('crash consistency: SIGKILL at each failpoint, then restart', () => {
  let host: HostFixture;
  let dir: string;
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first (make test does)`);
    host = x86Host();
    dir = mkdtempSync(join(tmpdir(), 'vnfm-crash-'));
  });
  afterAll(() => {
    host?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  async function service(dbPath: string, failpoint?: string) {
    const port = await freePort();
    const env: Record<string, string> = {
      VNFM_PORT: String(port),
      VNFM_DB_PATH: dbPath,
      VNFM_LIBVIRT_URI: QEMU_URI,
      VNFM_DOMAIN_TYPE: 'qemu',
      VNFM_SYSFS_ROOT: host.sysfsRoot,
      VNFM_PROCFS_ROOT: host.procfsRoot,
      VNFM_RECONCILE_INTERVAL_MS: String(INTERVAL_MS),
      VNFM_LOG_LEVEL: 'warn',
      VNFM_AUTH: 'off',
      ...(failpoint ? { VNFM_FAILPOINT: failpoint } : {}),
    };
    const started = startBuilt(env);
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base);
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${base}/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { ...started, base, call, json: async (method: string, path: string, body?: unknown) => (await call(method, path, body)).json() as Promise<Json> };
  }

  function rows(dbPath: string, sql: string): number {
    const db = new Database(dbPath, { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  async function domainsCarrying(vnfId: string): Promise<string[]> {
    const names = [...(await listAll(QEMU_URI)).keys()];
    const owned: string[] = [];
    for (const name of names) if ((await virsh(QEMU_URI, 'dumpxml', '--inactive', name).catch(() => '')).includes(`<vnfm:id>${vnfId}</vnfm:id>`)) owned.push(name);
    return owned;
  }

  it.each(['after-commit', 'after-define', 'after-start'])('create killed %s -> one running domain, one row, nothing orphaned', async (failpoint) => {
    const dbPath = join(dir, `${failpoint}.db`);
    const name = uniqueName('crash');
    const doomed = await service(dbPath, failpoint);
    await doomed.call('POST', '/vnfs', { name, vcpus: 1, memoryMiB: 128, arch: 'aarch64' }).catch(() => undefined);
    expect(await doomed.exited).toBe('SIGKILL');
    const db = new Database(dbPath, { readonly: true });
    const vnfId = (db.prepare('SELECT id FROM vnf WHERE name = ?').get(name) as { id: string }).id;
    db.close();

    const restarted = await service(dbPath);
    try {
      await eventually(async () => (await domstate(QEMU_URI, name).catch(() => '')) === 'running', INTERVAL_MS + 10_000, `${name} running`);
      const view = await restarted.json('GET', `/vnfs/${name}`);
      await eventually(async () => (await restarted.json('GET', `/vnfs/${name}`)).status.phase === 'Running', 10_000, 'phase Running');
      expect(view.status.domain.uuid).toBe(vnfId);
      expect(await domainsCarrying(vnfId)).toEqual([name]);
      const report = await restarted.json('POST', '/reconcile');
      expect(report.orphans.filter((orphan: { vnfId: string }) => orphan.vnfId === vnfId)).toEqual([]);
      expect((await restarted.call('DELETE', `/vnfs/${name}`)).status).toBe(202);
      expect(await domainsCarrying(vnfId)).toEqual([]);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  it.each([
    ['after-destroy', 'running'],
    ['after-undefine', 'stopped'],
    ['before-forget', 'stopped'],
  ])('delete killed %s -> domain gone, row gone, claims released exactly once', async (failpoint, powerState) => {
    const dbPath = join(dir, `${failpoint}.db`);
    const name = uniqueName('crashdel');
    const first = await service(dbPath);
    const body = { name, vcpus: 1, memoryMiB: 128, arch: 'aarch64', powerState, hostDevices: powerState === 'stopped' ? [{ type: 'vfio-pci', address: '0000:04:00.0' }] : [] };
    const created = await first.json('POST', '/vnfs', body);
    expect(created.status.phase).toBe(powerState === 'running' ? 'Running' : 'Stopped');
    first.child.kill('SIGTERM');
    await first.exited;

    const doomed = await service(dbPath, failpoint);
    await doomed.call('DELETE', `/vnfs/${name}`).catch(() => undefined);
    expect(await doomed.exited).toBe('SIGKILL');

    const restarted = await service(dbPath);
    try {
      await eventually(async () => (await restarted.call('GET', `/vnfs/${name}`)).status === 404, INTERVAL_MS + 10_000, `${name} forgotten`);
      expect((await listAll(QEMU_URI)).has(name)).toBe(false);
      expect(await domainsCarrying(created.id)).toEqual([]);
      expect(rows(dbPath, 'SELECT count(*) AS n FROM device_claim')).toBe(0);
      expect(rows(dbPath, 'SELECT count(*) AS n FROM vnf')).toBe(0);
      const devices = await restarted.json('GET', '/host-devices?type=pci');
      expect(devices.items.find((item: { name: string }) => item.name === '0000:04:00.0').heldBy).toBeNull();
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});
