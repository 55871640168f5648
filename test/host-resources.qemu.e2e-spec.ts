import { chmodSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDir } from './support/image-dir.js';
import { eventually } from './support/libvirtd.js';
import { eventsOf } from './support/sabotage.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { QEMU_URI, domstate, listAll, uniqueName, virsh } from './support/virsh.js';

function ownership(path: string): { uid: number; gid: number; mode: number } {
  const { uid, gid, mode } = statSync(path);
  return { uid, gid, mode };
}

/**
 * A disk file swapped for a symlink to a file outside the image directories after the VNF was
 * created: the reconciler looks again before every define and start, so libvirt never opens
 * (and its dynamic ownership never chowns) the file outside. Real QEMU under TCG.
 */
describe('a disk swapped for a symlink out after create (qemu:///system)', () => {
  let t: TestApp;
  const images = new ImageDir();
  const outside = mkdtempSync(join(tmpdir(), 'vnfm-outside-'));
  const victim = join(outside, 'victim.raw');
  const cleanup: string[] = [];

  beforeAll(async () => {
    chmodSync(outside, 0o755);
    writeFileSync(victim, Buffer.alloc(1 << 20));
    chmodSync(victim, 0o600);
    t = await startTestApp(QEMU_URI, { VNFM_IMAGE_DIRS: images.dir, VNFM_RECONCILE_INTERVAL_MS: '600000', VNFM_START_BACKOFF_BASE_MS: '200', VNFM_START_BACKOFF_MAX_MS: '400' });
  });
  afterAll(async () => {
    for (const name of cleanup) await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
    images.remove();
    rmSync(outside, { recursive: true, force: true });
  });

  /** Replaces the disk by a symlink to the victim; answers how to put it back. */
  function swap(disk: string): () => void {
    renameSync(disk, `${disk}.orig`);
    symlinkSync(victim, disk);
    return () => {
      unlinkSync(disk);
      renameSync(`${disk}.orig`, disk);
    };
  }

  const create = async (name: string, disk: string) => {
    cleanup.push(name);
    const created = await t.http
      .post('/api/v1/vnfs')
      .send({ name, vcpus: 1, memoryMiB: 128, arch: 'aarch64', machine: 'virt', powerState: 'stopped', disks: [{ path: disk, format: 'raw' }] })
      .expect(201);
    expect(created.body.status.phase).toBe('Stopped');
  };
  const status = async (name: string) => (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status;

  it('start is refused: Failed with resource-refused, the file outside keeps its owner and mode; restored, it runs', async () => {
    const name = uniqueName('swap-start');
    const disk = images.raw('start.raw');
    await create(name, disk);
    const restore = swap(disk);
    const before = ownership(victim);
    const started = await t.http.post(`/api/v1/vnfs/${name}/start`).expect(202);
    expect(started.body.status.phase).toBe('Failed');
    expect(started.body.status.lastError).toMatchObject({ code: 'resource-refused', message: expect.stringContaining('disks[0].path: is a symlink that leads outside the image directories') });
    expect(started.body.status.lastError.message).not.toContain(outside);
    expect(await domstate(QEMU_URI, name)).toBe('shut off');
    expect(ownership(victim)).toEqual(before);
    const refusal = (await eventsOf(t, name)).find((event) => event.type === 'resource-refused');
    expect(refusal?.message).toMatch(/^not started: disks\[0\]\.path: is a symlink that leads outside/);
    // Retries under the backoff keep refusing while the symlink is there.
    const events = (await eventsOf(t, name)).length;
    await eventually(async () => (await eventsOf(t, name)).length > events, 10_000, 'another refused retry');
    expect(await domstate(QEMU_URI, name)).toBe('shut off');
    expect(ownership(victim)).toEqual(before);

    restore();
    await eventually(async () => (await domstate(QEMU_URI, name)) === 'running', 30_000, 'running once the file is back');
    await eventually(async () => (await status(name)).phase === 'Running', 10_000, 'phase Running');
    expect((await status(name)).lastError).toBeNull();
    expect(ownership(victim)).toEqual(before);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await listAll(QEMU_URI)).has(name)).toBe(false);
  });

  it('define is refused too: a domain undefined behind vnfm while the disk leads out is not defined again until it is restored', async () => {
    const name = uniqueName('swap-define');
    const disk = images.raw('define.raw');
    await create(name, disk);
    const restore = swap(disk);
    const before = ownership(victim);
    await virsh(QEMU_URI, 'undefine', '--nvram', name);
    // The undefine event may have the reconciler look first; POST /reconcile makes sure it looks.
    await t.http.post('/api/v1/reconcile').expect(200);
    await eventually(async () => (await status(name)).lastError?.code === 'resource-refused', 10_000, 'Failed with resource-refused');
    expect((await status(name)).phase).toBe('Failed');
    expect((await listAll(QEMU_URI)).has(name)).toBe(false);
    expect((await eventsOf(t, name)).map((event) => event.message)).toContain('not defined: disks[0].path: is a symlink that leads outside the image directories');
    expect(ownership(victim)).toEqual(before);

    restore();
    await eventually(async () => (await listAll(QEMU_URI)).has(name), 30_000, 'defined again once the file is back');
    await eventually(async () => (await status(name)).phase === 'Stopped', 10_000, 'phase Stopped');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
