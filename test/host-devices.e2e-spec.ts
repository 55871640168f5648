import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostFixture, ls2088aHost, x86Host } from './support/sysfs-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, listAll, uniqueName, virsh } from './support/virsh.js';

const URI = TEST_DRIVER_URI;

/** Host devices against a fixture host (x86 NICs + an LS2088A-like DPAA2 bus) and the libvirt test driver. */
describe('host devices: inventory, assignability and claims', () => {
  let t: TestApp;
  let host: HostFixture;

  beforeAll(async () => {
    host = ls2088aHost(x86Host()).vfioPool(56);
    t = await startTestApp(URI, { VNFM_SYSFS_ROOT: host.sysfsRoot, VNFM_PROCFS_ROOT: host.procfsRoot });
  });
  afterAll(async () => {
    await t?.close();
    host?.remove();
  });

  const writes = () => ({ vnfs: t.countRows('vnf'), claims: t.countRows('device_claim') });
  const aarch64 = (name: string, extra: Record<string, unknown>) => ({ name, vcpus: 1, memoryMiB: 128, arch: 'aarch64', ...extra });

  it('lists every device with its facts, assignability, reason and holder; filters by type', async () => {
    const all = await t.http.get('/api/v1/host-devices').expect(200);
    const byKey = new Map(all.body.items.map((item: { key: string }) => [item.key, item]));
    expect(byKey.get('pci:0000:04:00.0')).toMatchObject({ kind: 'pci', assignable: true, reason: null, heldBy: null, present: true });
    expect(byKey.get('pci:0000:02:00.0')).toMatchObject({ assignable: false, reason: expect.stringMatching(/eno1 carries the host's default route/) });
    expect(byKey.get('fsl-mc:dprc.2')).toMatchObject({ assignable: true, facts: { objectCounts: { dpni: 1, dpmcp: 1, dpbp: 1, dpcon: 1, dpio: 1 } } });
    expect(byKey.get('fsl-mc:dprc.1')).toMatchObject({ assignable: false, reason: expect.stringMatching(/root container/) });
    const dpaa2 = await t.http.get('/api/v1/host-devices?type=fsl-mc').expect(200);
    expect(dpaa2.body.items.map((item: { name: string }) => item.name)).toEqual(['dprc.1', 'dprc.2', 'dprc.3', 'dprc.4', 'dprc.5']);
    const ready = await t.http.get('/api/v1/host-devices?type=fsl-mc&assignable=true').expect(200);
    expect(ready.body.items.map((item: { name: string }) => item.name)).toEqual(['dprc.2', 'dprc.3']);
    const bad = await t.http.get('/api/v1/host-devices?type=usb').expect(400);
    expect(bad.body.errors).toEqual([{ field: 'type', reason: 'must be one of: pci, platform, fsl-mc, netdev' }]);
  });

  it('GET /host reports the preflight as warnings, not failures', async () => {
    const report = await t.http.get('/api/v1/host').expect(200);
    expect(report.body.checks.map((check: { name: string }) => check.name)).toEqual(
      expect.arrayContaining(['iommu', 'vfio-pci', 'dev-vfio', 'vfio-fsl-mc', 'emulator-vfio-fsl-mc', 'emulator-vfio-platform', 'cgroup-device-acl']),
    );
    const byName = new Map(report.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check]));
    expect(byName.get('iommu')).toMatchObject({ ok: true });
    expect(byName.get('emulator-vfio-platform')).toMatchObject({ ok: true });
    expect(byName.get('emulator-vfio-fsl-mc')).toMatchObject({ ok: false, detail: expect.stringMatching(/NXP/) });
    expect(byName.get('cgroup-device-acl')).toMatchObject({ ok: false, detail: expect.stringMatching(/\/dev\/vfio\/2/) });
  });

  it('claims devices by name and by select, shows them in the VNF and the inventory, and writes them into the domain', async () => {
    const name = uniqueName('dev');
    const created = await t.http
      .post('/api/v1/vnfs')
      .send(
        aarch64(name, {
          interfaces: [{ type: 'sriov-vf', select: { physfn: '0000:03:00.0' }, vlan: 200 }],
          hostDevices: [
            { type: 'vfio-pci', address: '0000:04:00.0' },
            { type: 'fsl-mc', select: { objects: { dpni: 2, dpmcp: 1 } } },
            { type: 'vfio-platform', device: 'fff51000.ethernet' },
          ],
        }),
      )
      .expect(201);
    expect(created.body.status.devices).toEqual([
      { slot: 'hostDevices[1]', kind: 'fsl-mc', name: 'dprc.3', releasing: false },
      { slot: 'interfaces[0]', kind: 'pci', name: '0000:03:02.0', releasing: false },
      { slot: 'hostDevices[0]', kind: 'pci', name: '0000:04:00.0', releasing: false },
      { slot: 'hostDevices[2]', kind: 'platform', name: 'fff51000.ethernet', releasing: false },
    ]);
    const held = await t.http.get('/api/v1/host-devices?type=fsl-mc').expect(200);
    expect(held.body.items.find((item: { name: string }) => item.name === 'dprc.3').heldBy).toEqual({ vnf: name, slot: 'hostDevices[1]' });
    const desired = (await t.http.get(`/api/v1/vnfs/${name}/domain.xml`).expect(200)).text;
    expect(desired).toContain('<qemu:arg value="vfio-fsl-mc,host=dprc.3"/>');
    expect(desired).toContain('<qemu:arg value="vfio-platform,host=fff51000.ethernet"/>');
    expect(desired).toMatch(/<hard_limit unit="KiB">1179648<\/hard_limit>/);
    const dumped = await virsh(URI, 'dumpxml', '--inactive', name);
    expect(dumped).toMatch(/<hostdev mode='subsystem' type='pci' managed='yes'>[\s\S]*bus='0x04' slot='0x00' function='0x0'/);
    expect(dumped).toMatch(/<interface type='hostdev' managed='yes'>[\s\S]*bus='0x03' slot='0x02' function='0x0'[\s\S]*<tag id='200'\/>/);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect(t.countRows('device_claim')).toBe(0);
  });

  it('a device held by another VNF is a 409; missing or unassignable is a 422 naming the field; nothing is written', async () => {
    const owner = uniqueName('own');
    await t.http.post('/api/v1/vnfs').send(aarch64(owner, { hostDevices: [{ type: 'fsl-mc', container: 'dprc.2' }] })).expect(201);
    const before = writes();
    const domainsBefore = (await listAll(URI)).size;
    const thief = uniqueName('thief');
    const taken = await t.http.post('/api/v1/vnfs').send(aarch64(thief, { hostDevices: [{ type: 'fsl-mc', container: 'dprc.2' }] })).expect(409);
    expect(taken.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(taken.body).toMatchObject({ type: 'https://vnfm.dev/problems/device-taken', errors: [{ field: 'hostDevices[0].container', code: 'device-taken', reason: expect.stringContaining(owner) }] });
    const missing = await t.http.post('/api/v1/vnfs').send(aarch64(thief, { hostDevices: [{ type: 'fsl-mc', container: 'dprc.77' }] })).expect(422);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'hostDevices[0].container', code: 'device-missing' })]);
    const noDpmcp = await t.http.post('/api/v1/vnfs').send(aarch64(thief, { hostDevices: [{ type: 'fsl-mc', container: 'dprc.5' }] })).expect(422);
    expect(noDpmcp.body.errors[0].reason).toMatch(/no dpmcp/);
    const groupBlocked = await t.http.post('/api/v1/vnfs').send({ name: thief, vcpus: 1, memoryMiB: 128, hostDevices: [{ type: 'vfio-pci', address: '0000:01:00.0' }] }).expect(422);
    expect(groupBlocked.body.errors[0].reason).toMatch(/IOMMU group 7 also holds 0000:01:00.1, which is bound to i40e/);
    const x86Platform = await t.http.post('/api/v1/vnfs').send({ name: thief, vcpus: 1, memoryMiB: 128, arch: 'x86_64', hostDevices: [{ type: 'vfio-platform', device: 'fff51000.ethernet' }] }).expect(400);
    expect(x86Platform.body.errors).toEqual([{ field: 'hostDevices[0].type', reason: expect.stringMatching(/need an aarch64 guest/) }]);
    expect(writes()).toEqual(before);
    expect((await listAll(URI)).size).toBe(domainsBefore);
    await t.http.delete(`/api/v1/vnfs/${owner}`).expect(202);
  });

  it('hostile device names never get past validation (400, nothing written)', async () => {
    const before = writes();
    const hostile = [
      { type: 'vfio-platform', device: 'fff51000.ethernet,x-no-mmap=on' },
      { type: 'vfio-platform', device: '../../../etc/passwd' },
      { type: 'vfio-platform', device: 'a b' },
      { type: 'fsl-mc', container: 'dpni.3' },
      { type: 'fsl-mc', container: 'dprc.2 -object' },
      { type: 'vfio-pci', address: '0000:04:00.0,rombar=0' },
      { type: 'vfio-pci', address: '0000:04:00.0', select: { vendor: '8086' } },
      { type: 'fsl-mc', select: { objects: { 'dpni,x': 1 } } },
    ];
    for (const entry of hostile) {
      const response = await t.http.post('/api/v1/vnfs').send(aarch64(uniqueName('bad'), { hostDevices: [entry] })).expect(400);
      expect(response.body.errors[0].field).toMatch(/^hostDevices\[0\]/);
    }
    expect(writes()).toEqual(before);
  });

  it('dry run reports the devices it would take and claims nothing', async () => {
    const before = writes();
    const response = await t.http.post('/api/v1/vnfs?dryRun=true').send(aarch64(uniqueName('dry'), { hostDevices: [{ type: 'vfio-pci', select: { vendor: '15b3', device: '1017' } }] })).expect(200);
    expect(response.body.devices).toEqual([{ slot: 'hostDevices[0]', key: 'pci:0000:04:00.0', kind: 'pci', name: '0000:04:00.0' }]);
    expect(response.body.domainXml).toContain(`<address domain="0x0000" bus="0x04" slot="0x00" function="0x0"/>`);
    expect(writes()).toEqual(before);
  });

  it('20 concurrent creates for one device: exactly one 201, nineteen 409, one claim, one domain', async () => {
    const names = Array.from({ length: 20 }, (_, index) => uniqueName(`race${index}`));
    const responses = await Promise.all(names.map((name) => t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64, hostDevices: [{ type: 'vfio-pci', address: '0000:40:00.0' }] })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    expect(writes()).toEqual({ vnfs: 1, claims: 1 });
    const domains = await listAll(URI);
    expect(names.filter((name) => domains.has(name))).toHaveLength(1);
    const winner = names[statuses.indexOf(201)]!;
    await t.http.delete(`/api/v1/vnfs/${winner}`).expect(202);
  });

  it('50 concurrent creates on distinct devices: 50 rows, 50 claims, 50 domains', async () => {
    const names = Array.from({ length: 50 }, (_, index) => uniqueName(`many${index}`));
    const responses = await Promise.all(
      names.map((name, index) => {
        const address = `0000:40:${(index >> 3).toString(16).padStart(2, '0')}.${index & 7}`;
        return t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64, hostDevices: [{ type: 'vfio-pci', address }] });
      }),
    );
    expect(responses.map((response) => response.status)).toEqual(names.map(() => 201));
    expect(writes()).toEqual({ vnfs: 50, claims: 50 });
    const domains = await listAll(URI);
    expect(names.filter((name) => domains.has(name))).toHaveLength(50);
    await Promise.all(names.map((name) => t.http.delete(`/api/v1/vnfs/${name}`).expect(202)));
    expect(writes()).toEqual({ vnfs: 0, claims: 0 });
  });

  it('PUT replaces a VNF: re-runs every device check, keeps MACs, moves the claim and frees the old device', async () => {
    const name = uniqueName('put');
    const created = await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 1, memoryMiB: 128, interfaces: [{ type: 'user' }], hostDevices: [{ type: 'vfio-pci', address: '0000:40:06.0' }] }).expect(201);
    const mac = created.body.spec.interfaces[0].mac;
    const other = uniqueName('putother');
    await t.http.post('/api/v1/vnfs').send({ name: other, vcpus: 1, memoryMiB: 64, hostDevices: [{ type: 'vfio-pci', address: '0000:40:06.2' }] }).expect(201);
    const refused = await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 1, memoryMiB: 128, interfaces: [{ type: 'user' }], hostDevices: [{ type: 'vfio-pci', address: '0000:40:06.2' }] }).expect(409);
    expect(refused.body.errors[0]).toMatchObject({ field: 'hostDevices[0].address', code: 'device-taken' });
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.generation).toBe(1);

    const replaced = await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 2, memoryMiB: 128, interfaces: [{ type: 'user' }], hostDevices: [{ type: 'vfio-pci', address: '0000:40:06.1' }] }).expect(200);
    expect(replaced.body.spec.interfaces[0].mac).toBe(mac);
    expect(replaced.body.status).toMatchObject({ generation: 2, observedGeneration: 2, phase: 'Running' });
    expect(replaced.body.status.devices).toEqual([{ slot: 'hostDevices[0]', kind: 'pci', name: '0000:40:06.1', releasing: false }]);
    const dumped = await virsh(URI, 'dumpxml', '--inactive', name);
    expect(dumped).toContain("slot='0x06' function='0x1'");
    expect(dumped).toMatch(/<vcpu placement='static'>2<\/vcpu>/);
    const freed = await t.http.get('/api/v1/host-devices?type=pci').expect(200);
    expect(freed.body.items.find((item: { name: string }) => item.name === '0000:40:06.0').heldBy).toBeNull();

    const same = await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 2, memoryMiB: 128, interfaces: [{ type: 'user' }], hostDevices: [{ type: 'vfio-pci', address: '0000:40:06.1' }] }).expect(200);
    expect(same.body.status.generation).toBe(2);
    await t.http.put(`/api/v1/vnfs/${name}`).send({ name: 'someone-else', vcpus: 1, memoryMiB: 64 }).expect(400);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await t.http.delete(`/api/v1/vnfs/${other}`).expect(202);
  });

  it('a claimed device that vanishes keeps its claim, is flagged, and is not handed out until released', async () => {
    const name = uniqueName('vanish');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64, hostDevices: [{ type: 'vfio-pci', address: '0000:40:06.7' }] }).expect(201);
    host.unplug('pci', '0000:40:06.7').unplug('pci', '0000:40:06.6');
    const scan = await t.http.post('/api/v1/host-devices/rescan').expect(200);
    expect(scan.body).toMatchObject({ vanishedClaimed: ['pci:0000:40:06.7'], dropped: 1 });
    const listed = await t.http.get('/api/v1/host-devices?type=pci').expect(200);
    const flagged = listed.body.items.find((item: { name: string }) => item.name === '0000:40:06.7');
    expect(flagged).toMatchObject({ present: false, assignable: false, heldBy: { vnf: name, slot: 'hostDevices[0]' } });
    expect(listed.body.items.some((item: { name: string }) => item.name === '0000:40:06.6')).toBe(false);
    await t.http.post('/api/v1/vnfs').send({ name: uniqueName('late'), vcpus: 1, memoryMiB: 64, hostDevices: [{ type: 'vfio-pci', address: '0000:40:06.7' }] }).expect(409);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await t.http.post('/api/v1/host-devices/rescan').expect(200);
    const after = await t.http.get('/api/v1/host-devices?type=pci').expect(200);
    expect(after.body.items.some((item: { name: string }) => item.name === '0000:40:06.7')).toBe(false);
  });
});
