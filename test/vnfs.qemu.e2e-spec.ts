import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDomainXml } from '../libs/domain-xml/src/index.js';
import { ImageDir } from './support/image-dir.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { QEMU_URI, domstate, listAll, uniqueName, virsh } from './support/virsh.js';

describe('VNF lifecycle on real QEMU under TCG (qemu:///system)', () => {
  let t: TestApp;
  const name = uniqueName('tcg');
  const images = new ImageDir();
  const boot = { kernel: images.path('Image'), initrd: images.path('initrd'), dtb: images.path('guest.dtb') };

  beforeAll(async () => {
    for (const file of ['Image', 'initrd', 'guest.dtb']) images.raw(file, 4096);
    t = await startTestApp(QEMU_URI, { VNFM_IMAGE_DIRS: images.dir });
  });
  afterAll(async () => {
    await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
    images.remove();
  });

  it('an aarch64 virt VNF with a user NIC really starts, then is deleted', async () => {
    const created = await t.http
      .post('/api/v1/vnfs')
      .send({ name, vcpus: 1, memoryMiB: 128, arch: 'aarch64', machine: 'virt', interfaces: [{ type: 'user' }] })
      .expect(201);
    expect(created.body.status.lastError).toBeNull();
    expect(created.body.status.phase).toBe('Running');
    expect(await domstate(QEMU_URI, name)).toBe('running');

    // libvirt's own reading of what it stored: vnfm's parser gets back what vnfm asked for.
    const inactive = await parseDomainXml(await virsh(QEMU_URI, 'dumpxml', '--inactive', name));
    expect(inactive.type).toBe('qemu');
    expect(inactive.metadata).toEqual({ vnfId: created.body.id, instanceId: expect.stringMatching(/^[0-9a-f-]{36}$/), specHash: expect.stringMatching(/^[0-9a-f]{64}$/), generation: 1 });
    expect(inactive.memoryKiB).toBe(128 * 1024);
    expect(inactive.os.arch).toBe('aarch64');
    expect(inactive.os.machine).toMatch(/^virt/);
    expect(inactive.features.gicVersion).toBe('3');
    expect(inactive.interfaces).toEqual([{ kind: 'user', mac: created.body.spec.interfaces[0].mac }]);

    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await listAll(QEMU_URI)).has(name)).toBe(false);
    expect(t.countRows('vnf')).toBe(0);
  });

  it('pinning, NUMA, hugepages and direct kernel boot come back from libvirt as asked', async () => {
    const tuned = uniqueName('tuned');
    const created = await t.http
      .post('/api/v1/vnfs')
      .send({
        name: tuned,
        vcpus: 2,
        memoryMiB: 256,
        arch: 'aarch64',
        powerState: 'stopped',
        cpu: { vcpuPins: ['0', '1'], emulatorPin: '0-1' },
        numaNode: 0,
        hugepages: { pageSizeKiB: 2048 },
        boot: { ...boot, cmdline: 'console=ttyAMA0 root=/dev/vda rw' },
      })
      .expect(201);
    try {
      expect(created.body.status.phase).toBe('Stopped');
      const inactive = await parseDomainXml(await virsh(QEMU_URI, 'dumpxml', '--inactive', tuned));
      expect(inactive.cputune).toEqual({ vcpuPins: ['0', '1'], emulatorPin: '0-1' });
      expect(inactive.numaNode).toBe(0);
      expect(inactive.memoryBacking).toEqual({ hugepageSizeKiB: 2048 });
      expect(inactive.cpu).toEqual({ mode: 'maximum' });
      expect(inactive.os).toMatchObject({ ...boot, cmdline: 'console=ttyAMA0 root=/dev/vda rw' });
    } finally {
      await t.http.delete(`/api/v1/vnfs/${tuned}`).expect(202);
    }
    expect((await listAll(QEMU_URI)).has(tuned)).toBe(false);
  });

  it('refuses host-passthrough where guests run under TCG (422, nothing written)', async () => {
    const refused = uniqueName('nokvm');
    const response = await t.http.post('/api/v1/vnfs').send({ name: refused, vcpus: 1, memoryMiB: 128, arch: 'aarch64', cpu: { mode: 'host-passthrough' } }).expect(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'cpu.mode' })]);
    expect(t.countRows('vnf')).toBe(0);
    expect((await listAll(QEMU_URI)).has(refused)).toBe(false);
  });
});
