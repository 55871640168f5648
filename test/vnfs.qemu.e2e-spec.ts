import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDomainXml } from '../libs/domain-xml/src/index.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { QEMU_URI, domstate, listAll, uniqueName, virsh } from './support/virsh.js';

describe('VNF lifecycle on real QEMU under TCG (qemu:///system)', () => {
  let t: TestApp;
  const name = uniqueName('tcg');

  beforeAll(async () => {
    t = await startTestApp(QEMU_URI);
  });
  afterAll(async () => {
    await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
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
    expect(inactive.metadata).toEqual({ vnfId: created.body.id, specHash: expect.stringMatching(/^[0-9a-f]{64}$/), generation: 1 });
    expect(inactive.memoryKiB).toBe(128 * 1024);
    expect(inactive.os.arch).toBe('aarch64');
    expect(inactive.os.machine).toMatch(/^virt/);
    expect(inactive.features.gicVersion).toBe('3');
    expect(inactive.interfaces).toEqual([{ kind: 'user', mac: created.body.spec.interfaces[0].mac }]);

    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await listAll(QEMU_URI)).has(name)).toBe(false);
    expect(t.countRows('vnf')).toBe(0);
  });
});
