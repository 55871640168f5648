import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDir } from './support/image-dir.js';
import { HostFixture } from './support/sysfs-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from './support/virsh.js';
import { virtXmlValidate } from './support/xml-validate.js';

const URI = TEST_DRIVER_URI;
type Body = Record<string, unknown>;

/** Owner, group and mode of a path (its target for a symlink): what libvirt's dynamic ownership would change. */
function ownership(path: string): [number, number, number] {
  const found = statSync(path);
  return [found.uid, found.gid, found.mode];
}

/**
 * Host files and interfaces from the operator's allow-lists only: every attack is 422 naming
 * the field, and nothing is written (no row, no claim, no event, no domain), no file's owner
 * changes. Real service in-process, real SQLite, libvirt's test driver, real files made here.
 */
describe('host resources from allow-lists only (test+unix:///default)', () => {
  let t: TestApp;
  const images = new ImageDir();
  const outside = mkdtempSync(join(tmpdir(), 'vnfm-outside-'));
  const sockets = mkdtempSync(join(tmpdir(), 'vnfm-sockets-'));
  const host = new HostFixture();
  const victims: string[] = [];

  beforeAll(async () => {
    images.raw('root.raw');
    images.qcow2('good.qcow2');
    writeFileSync(join(outside, 'secret.raw'), Buffer.alloc(4096));
    writeFileSync(join(outside, 'x.raw'), Buffer.alloc(1 << 20));
    victims.push(join(outside, 'secret.raw'), join(outside, 'x.raw'));
    symlinkSync(join(outside, 'secret.raw'), images.path('link-out.raw'));
    images.qcow2('backed-out.qcow2', { backing: join(outside, 'x.raw'), backingFormat: 'raw' });
    execFileSync('mknod', [images.path('unlisted-blk'), 'b', '7', '0']);
    execFileSync('mknod', [images.path('listed-blk'), 'b', '7', '0']);
    mkdirSync(join(sockets, 'ovs'));
    host.netdev('lo', { kind: 'loopback' }).netdev('eth0').netdev('eth1').netdev('br0', { kind: 'bridge' }).netdev('bond0', { kind: 'bond' }).netdev('eth2', { master: 'bond0' }).defaultRoute('eth0');
    t = await startTestApp(URI, {
      VNFM_IMAGE_DIRS: images.dir,
      VNFM_BLOCK_DEVICES: images.path('listed-blk'),
      VNFM_VHOST_SOCKET_DIRS: join(sockets, 'ovs'),
      VNFM_SYSFS_ROOT: host.sysfsRoot,
      VNFM_PROCFS_ROOT: host.procfsRoot,
    });
  });
  afterAll(async () => {
    await t?.close();
    images.remove();
    host.remove();
    rmSync(outside, { recursive: true, force: true });
    rmSync(sockets, { recursive: true, force: true });
  });

  const base = (name: string): Body => ({ name, vcpus: 1, memoryMiB: 128, arch: 'aarch64', powerState: 'stopped' });

  /** The request is refused with 422 resource-refused naming exactly `field`, and nothing is written. */
  async function expectRefused(send: () => Promise<{ status: number; body: any; headers: Record<string, string> }>, name: string, field: string, reason?: string | RegExp): Promise<void> {
    const rowsBefore = t.countRows('vnf');
    const eventsBefore = t.countRows('vnf_event');
    const owners = victims.map(ownership);
    const response = await send();
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.type).toMatch(/resource-refused$/);
    expect(response.body.errors).toEqual([{ field, reason: expect.any(String), code: 'resource-refused' }]);
    if (reason !== undefined) expect(response.body.errors[0].reason).toMatch(reason);
    // Nothing about the host the caller did not send: no resolved path, no symlink target.
    expect(JSON.stringify(response.body)).not.toContain(outside);
    expect(t.countRows('vnf')).toBe(rowsBefore);
    expect(t.countRows('device_claim')).toBe(0);
    expect(t.countRows('vnf_event')).toBe(eventsBefore);
    expect((await listAll(URI)).has(name)).toBe(false);
    expect(victims.map(ownership)).toEqual(owners);
  }

  const post = (body: Body) => () => t.http.post('/api/v1/vnfs').send(body);
  const disk = (path: string, format: 'raw' | 'qcow2' = 'raw') => ({ disks: [{ path, format }] });

  it('a disk outside the image directories: the same answer whether the file exists or not', async () => {
    for (const path of [join(outside, 'secret.raw'), join(outside, 'nothing.raw'), '/etc/shadow', '/etc/no-such-file']) {
      const name = uniqueName('res-out');
      await expectRefused(post({ ...base(name), ...disk(path) }), name, 'disks[0].path', 'is not under an allowed image directory (VNFM_IMAGE_DIRS)');
    }
  });

  it('/dev/vda and /proc/self/mem are refused', async () => {
    for (const path of ['/dev/vda', '/proc/self/mem']) {
      const name = uniqueName('res-dev');
      await expectRefused(post({ ...base(name), ...disk(path) }), name, 'disks[0].path', /not under an allowed image directory/);
    }
  });

  it('a symlink in an image directory that points out is refused, without saying where it points', async () => {
    const name = uniqueName('res-link');
    await expectRefused(post({ ...base(name), ...disk(images.path('link-out.raw')) }), name, 'disks[0].path', 'is a symlink that leads outside the image directories');
  });

  it('a qcow2 in an image directory whose backing file is outside is refused, whatever format the request declares', async () => {
    for (const format of ['qcow2', 'raw'] as const) {
      const name = uniqueName('res-backing');
      await expectRefused(post({ ...base(name), ...disk(images.path('backed-out.qcow2'), format) }), name, 'disks[0].path', 'its qcow2 backing file is outside the image directories');
    }
  });

  it('a block device only when VNFM_BLOCK_DEVICES lists it', async () => {
    const refused = uniqueName('res-blk');
    await expectRefused(post({ ...base(refused), ...disk(images.path('unlisted-blk')) }), refused, 'disks[0].path', 'is a block device not listed in VNFM_BLOCK_DEVICES');
    const listed = uniqueName('res-blk-ok');
    const created = await t.http.post('/api/v1/vnfs').send({ ...base(listed), ...disk(images.path('listed-blk')) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // A listed block device is a block disk, which QEMU opens as a host device, and the XML is valid.
    const xml = (await t.http.get(`/api/v1/vnfs/${listed}/domain.xml`).expect(200)).text;
    expect(xml).toMatch(new RegExp(`<disk type="block" device="disk">[\\s\\S]*<source dev="${images.path('listed-blk')}"/>`));
    const validation = await virtXmlValidate(xml);
    expect(validation.valid, validation.output).toBe(true);
    await t.http.delete(`/api/v1/vnfs/${listed}`).expect(202);
    // The same device by another name (a symlink to it) is not the listed path.
    symlinkSync(images.path('listed-blk'), images.path('alias-blk'));
    const alias = uniqueName('res-blk-alias');
    await expectRefused(post({ ...base(alias), ...disk(images.path('alias-blk')) }), alias, 'disks[0].path');
  });

  it('kernel, initrd and dtb follow the same rules (each field named)', async () => {
    const kernel = uniqueName('res-kernel');
    await expectRefused(post({ ...base(kernel), boot: { kernel: '/boot/vmlinuz' } }), kernel, 'boot.kernel', /not under an allowed image directory/);
    const initrd = uniqueName('res-initrd');
    await expectRefused(post({ ...base(initrd), boot: { kernel: images.path('root.raw'), initrd: images.path('link-out.raw') } }), initrd, 'boot.initrd', /symlink/);
    const dtb = uniqueName('res-dtb');
    await expectRefused(post({ ...base(dtb), boot: { kernel: images.path('root.raw'), dtb: images.path('missing.dtb') } }), dtb, 'boot.dtb', 'does not exist');
  });

  it('a vhost-user socket outside VNFM_VHOST_SOCKET_DIRS is refused', async () => {
    for (const socket of ['/tmp/vhu-evil', join(sockets, 'vhu0'), '/var/run/libvirt/libvirt-sock']) {
      const name = uniqueName('res-vhu');
      await expectRefused(post({ ...base(name), interfaces: [{ type: 'vhostuser', socket }] }), name, 'interfaces[0].socket', /not under an allowed vhost-user socket directory/);
    }
    const name = uniqueName('res-vhu-ok');
    await t.http.post('/api/v1/vnfs').send({ ...base(name), interfaces: [{ type: 'vhostuser', socket: join(sockets, 'ovs', 'vhu0') }] }).expect(201);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('direct on the default-route NIC, on lo, on a bridge, on a bond member or on no NIC is refused; on a free NIC accepted', async () => {
    const cases: Array<[string, RegExp]> = [
      ['eth0', /default route/],
      ['lo', /loopback/],
      ['br0', /bridge/],
      ['eth2', /bond/],
      ['eth7', /not a network interface/],
    ];
    for (const [device, reason] of cases) {
      for (const mode of ['bridge', 'passthrough']) {
        const name = uniqueName('res-direct');
        await expectRefused(post({ ...base(name), interfaces: [{ type: 'direct', device, mode }] }), name, 'interfaces[0].device', reason);
      }
    }
    const name = uniqueName('res-direct-ok');
    await t.http.post('/api/v1/vnfs').send({ ...base(name), interfaces: [{ type: 'direct', device: 'eth1' }] }).expect(201);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('names every refused field of one request', async () => {
    const name = uniqueName('res-many');
    const response = await t.http
      .post('/api/v1/vnfs')
      .send({ ...base(name), disks: [{ path: images.path('root.raw'), format: 'raw' }, { path: '/dev/vda', format: 'raw' }], interfaces: [{ type: 'direct', device: 'lo' }] })
      .expect(422);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(['disks[1].path', 'interfaces[0].device']);
    expect(t.countRows('vnf')).toBe(0);
  });

  it('dry run and PUT (create) are checked the same way', async () => {
    const dry = uniqueName('res-dry');
    await expectRefused(() => t.http.post('/api/v1/vnfs?dryRun=true').send({ ...base(dry), ...disk('/dev/vda') }), dry, 'disks[0].path');
    const put = uniqueName('res-put');
    await expectRefused(() => t.http.put(`/api/v1/vnfs/${put}`).send({ ...base(put), ...disk(images.path('link-out.raw')) }), put, 'disks[0].path');
  });

  it('PUT (replace) with a path outside is refused and the stored VNF is untouched', async () => {
    const name = uniqueName('res-replace');
    const created = await t.http.post('/api/v1/vnfs').send({ ...base(name), ...disk(images.path('root.raw')) }).expect(201);
    const eventsBefore = t.countRows('vnf_event');
    const owners = victims.map(ownership);
    const response = await t.http.put(`/api/v1/vnfs/${name}`).send({ ...base(name), ...disk(images.path('backed-out.qcow2'), 'qcow2') }).expect(422);
    expect(response.body.errors).toEqual([{ field: 'disks[0].path', reason: 'its qcow2 backing file is outside the image directories', code: 'resource-refused' }]);
    const after = await t.http.get(`/api/v1/vnfs/${name}`).expect(200);
    expect(after.body.spec.disks).toEqual(created.body.spec.disks);
    expect(after.body.status.generation).toBe(1);
    expect(t.countRows('vnf_event')).toBe(eventsBefore);
    expect(victims.map(ownership)).toEqual(owners);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('a good file and a good qcow2 are accepted', async () => {
    const name = uniqueName('res-ok');
    await t.http.post('/api/v1/vnfs').send({ ...base(name), disks: [{ path: images.path('root.raw'), format: 'raw' }, { path: images.path('good.qcow2'), format: 'qcow2' }] }).expect(201);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});

/** The interface that carries this host's IPv4 default route, if it has one. */
function realDefaultRouteNic(): string | undefined {
  try {
    const lines = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1);
    return lines.map((line) => line.trim().split(/\s+/)).find((fields) => fields[1] === '00000000' && fields[7] === '00000000')?.[0];
  } catch {
    return undefined;
  }
}

describe('direct interfaces against the real host (/sys, /proc)', () => {
  let t: TestApp;
  const nic = realDefaultRouteNic();
  beforeAll(async () => {
    t = await startTestApp(URI);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.skipIf(nic === undefined)(`direct on the NIC of the real default route (${nic}) is refused, in passthrough mode too`, async () => {
    for (const mode of ['bridge', 'passthrough']) {
      const name = uniqueName('res-uplink');
      const response = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128, powerState: 'stopped', interfaces: [{ type: 'direct', device: nic, mode }] });
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ field: 'interfaces[0].device', reason: "carries the host's default route", code: 'resource-refused' }]);
      expect(t.countRows('vnf')).toBe(0);
      expect((await listAll(URI)).has(name)).toBe(false);
    }
  });

  it('direct on the real lo is refused', async () => {
    const name = uniqueName('res-lo');
    const response = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128, powerState: 'stopped', interfaces: [{ type: 'direct', device: 'lo' }] }).expect(422);
    expect(response.body.errors).toEqual([{ field: 'interfaces[0].device', reason: 'is the loopback interface', code: 'resource-refused' }]);
    expect(t.countRows('vnf')).toBe(0);
  });
});
