import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDomainXml } from '../libs/domain-xml/src/index.js';
import { ls2088aHost, x86Host, type HostFixture } from './support/sysfs-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { QEMU_URI, domstate, listAll, uniqueName, virsh } from './support/virsh.js';

/** Passthrough VNFs on real libvirt + QEMU: they define, cannot start without the hardware, and say why. */
describe('host devices on qemu:///system (fixture host)', () => {
  let t: TestApp;
  let host: HostFixture;
  const name = uniqueName('dpaa2');

  beforeAll(async () => {
    host = ls2088aHost(x86Host());
    t = await startTestApp(QEMU_URI, { VNFM_SYSFS_ROOT: host.sysfsRoot, VNFM_PROCFS_ROOT: host.procfsRoot });
  });
  afterAll(async () => {
    await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
    host?.remove();
  });

  it('a VNF with a vfio-pci device and a DPAA2 container is defined, fails to start, and its status says why', async () => {
    const created = await t.http
      .post('/api/v1/vnfs')
      .send({
        name,
        vcpus: 1,
        memoryMiB: 256,
        arch: 'aarch64',
        hostDevices: [
          { type: 'vfio-pci', address: '0000:04:00.0' },
          { type: 'fsl-mc', container: 'dprc.2' },
          { type: 'vfio-platform', device: 'fff51000.ethernet' },
        ],
      })
      .expect(201);
    expect(created.body.status.phase).toBe('Failed');
    expect(created.body.status.lastError).toMatchObject({ code: 'start-failed', message: expect.stringMatching(/start: .*(VFIO|vfio)/) });
    expect(created.body.status.devices.map((device: { name: string }) => device.name)).toEqual(['dprc.2', '0000:04:00.0', 'fff51000.ethernet']);
    expect(await domstate(QEMU_URI, name)).toBe('shut off');

    // libvirt's own reading of the definition, parsed by vnfm: devices, qemu:commandline and memtune as designed.
    const inactive = await parseDomainXml(await virsh(QEMU_URI, 'dumpxml', '--inactive', name));
    expect(inactive.hostdevs).toEqual([{ kind: 'pci', source: '0000:04:00.0' }]);
    expect(inactive.qemuCommandline).toEqual({
      devices: [
        { driver: 'vfio-fsl-mc', host: 'dprc.2' },
        { driver: 'vfio-platform', host: 'fff51000.ethernet' },
      ],
    });
    expect(inactive.otherQemuArgs).toEqual([]);
    expect(inactive.memoryHardLimitKiB).toBe(256 * 1024 + 1024 * 1024);
    expect(inactive.features.gicVersion).toBe('3');

    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await listAll(QEMU_URI)).has(name)).toBe(false);
    expect(t.countRows('device_claim')).toBe(0);
    expect(t.countRows('vnf')).toBe(0);
  });
});
