import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseDomainXml } from '../libs/domain-xml/src/index.js';
import { ConsoleTranscript } from './support/console-guest.js';
import { StandInNics, hostLinks, linksInside } from './support/containers.js';
import { eventually } from './support/libvirtd.js';
import { defineEdited, eventOf } from './support/sabotage.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { LXC_URI, QEMU_URI, domstate, listAll, uniqueName, virsh, virshResult } from './support/virsh.js';

/**
 * Container VNFs on libvirt's LXC driver through the system libvirtd (lxc:///), beside VMs on
 * qemu:///system under one service. NICs are veth stand-ins (this kernel has no dummy module).
 */
describe('container VNFs on lxc:///', () => {
  let t: TestApp;
  const nics = new StandInNics();
  const tag = randomBytes(3).toString('hex');
  const bridge = `vnb${tag}`;
  const macvlanParent = `vnm${tag}`;
  const moved = `vnd${tag}`;
  const cleanup: string[] = [];
  /** VNFM_IMAGE_DIRS: container roots and mount sources must lie below it. */
  const images = mkdtempSync('/tmp/vnfm-ctimg-');
  const data = join(images, 'data');
  mkdirSync(data);
  /** An init that ends on SIGTERM (a shell as PID 1 ignores it otherwise). */
  const init = ['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];
  const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'container', vcpus: 1, memoryMiB: 128, container: { init }, ...extra });

  beforeAll(async () => {
    await nics.bridge(bridge);
    await nics.veth(macvlanParent, { up: true });
    await nics.veth(moved);
    t = await startTestApp(QEMU_URI, { VNFM_LXC_URI: LXC_URI, VNFM_IMAGE_DIRS: images, VNFM_RECONCILE_INTERVAL_MS: '600000', VNFM_SHUTDOWN_TIMEOUT_MS: '5000' });
    await t.http.post('/api/v1/host-devices/rescan').expect(200);
  });
  afterAll(async () => {
    for (const name of cleanup) await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
    await nics.remove();
    rmSync(images, { recursive: true, force: true });
  });

  const status = async (name: string) => (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status;

  it("preflight: the LXC driver is installed and answers; the host's NICs are in the inventory", async () => {
    const host = (await t.http.get('/api/v1/host').expect(200)).body;
    expect(host.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'lxc-driver', ok: true }), expect.objectContaining({ name: 'lxc-connection', ok: true }), expect.objectContaining({ name: 'lxc-cgroup', ok: true })]));
    const netdevs = (await t.http.get('/api/v1/host-devices?type=netdev').expect(200)).body.items as Array<{ name: string; assignable: boolean; reason: string | null; facts: Record<string, unknown> }>;
    const byName = new Map(netdevs.map((device) => [device.name, device]));
    expect(byName.get(moved)).toMatchObject({ assignable: true, facts: { kind: 'netdev', driver: null, pciParent: null, operstate: 'down', carriesDefaultRoute: false } });
    expect(byName.get(bridge)).toMatchObject({ assignable: false, facts: { bridge: true } });
    expect(byName.get('lo')).toMatchObject({ assignable: false, facts: { loopback: true } });
    const management = netdevs.find((device) => device.facts.carriesDefaultRoute === true);
    expect(management?.reason).toContain('default route');
  });

  it('runs with a veth in a bridge, a macvlan and a moved host NIC, seen from inside its namespace; the NIC is back on the host after delete', async () => {
    const name = uniqueName('ct');
    cleanup.push(name);
    const created = await t.http
      .post('/api/v1/vnfs')
      .send(
        container(name, {
          container: { init, env: { TZ: 'UTC' }, mounts: [{ source: data, target: '/mnt', readonly: true }] },
          interfaces: [
            { type: 'bridge', bridge, mac: '52:54:00:7c:00:01' },
            { type: 'direct', device: macvlanParent, mode: 'bridge', mac: '52:54:00:7c:00:02' },
            { type: 'netdev', device: moved },
          ],
        }),
      )
      .expect(201);
    expect(created.body.kind).toBe('container');
    expect(created.body.status.lastError).toBeNull();
    expect(created.body.status.phase).toBe('Running');
    expect(created.body.status.devices).toEqual([{ slot: 'interfaces[2]', kind: 'netdev', name: moved, releasing: false }]);
    expect(await domstate(LXC_URI, name)).toBe('running');

    const inside = await linksInside(name);
    expect([...inside.values()]).toEqual(expect.arrayContaining(['52:54:00:7c:00:01', '52:54:00:7c:00:02']));
    expect(inside.has(moved)).toBe(true);
    expect((await hostLinks()).has(moved)).toBe(false);

    const live = await parseDomainXml(await virsh(LXC_URI, 'dumpxml', name));
    expect(live.type).toBe('lxc');
    expect(live.os.init).toEqual({ path: '/bin/sh', args: init.slice(1), env: [{ name: 'TZ', value: 'UTC' }] });
    expect(live.hostdevs).toEqual([{ kind: 'net', source: moved }]);
    expect(live.cputune).toEqual({ vcpuPins: [], period: 100000, quota: 100000 });

    // The same NIC for a second container: 409, and nothing written.
    const rows = t.countRows('vnf');
    const second = uniqueName('ct2');
    const taken = await t.http.post('/api/v1/vnfs').send(container(second, { interfaces: [{ type: 'netdev', device: moved }] })).expect(409);
    expect(taken.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(taken.body.errors).toEqual([expect.objectContaining({ field: 'interfaces[0].device', code: 'device-taken' })]);
    expect(t.countRows('vnf')).toBe(rows);
    expect((await listAll(LXC_URI)).has(second)).toBe(false);

    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await listAll(LXC_URI)).has(name)).toBe(false);
    expect((await hostLinks()).has(moved)).toBe(true);
    expect(t.countRows('device_claim')).toBe(0);
  });

  it('virsh destroy -> running again; virsh undefine -> defined again; an edited definition -> reverted and reported', async () => {
    const name = uniqueName('ctsab');
    cleanup.push(name);
    const created = (await t.http.post('/api/v1/vnfs').send(container(name, { interfaces: [{ type: 'bridge', bridge }] })).expect(201)).body;
    await virsh(LXC_URI, 'destroy', name);
    await eventually(async () => (await domstate(LXC_URI, name)) === 'running', 20_000, 'running again');
    await virsh(LXC_URI, 'undefine', name);
    await eventOf(t, name, 'Redefined');
    expect(await virsh(LXC_URI, 'dominfo', name)).toMatch(/Persistent:\s+yes/);
    await defineEdited(LXC_URI, name, (xml) => xml.replace("<memory unit='KiB'>131072</memory>", "<memory unit='KiB'>262144</memory>").replace("<currentMemory unit='KiB'>131072</currentMemory>", "<currentMemory unit='KiB'>262144</currentMemory>"));
    expect((await eventOf(t, name, 'DriftCorrected')).message).toContain('memoryKiB: want 131072, found 262144');
    expect(await virsh(LXC_URI, 'dumpxml', '--inactive', name)).toContain("<memory unit='KiB'>131072</memory>");
    await eventually(async () => (await domstate(LXC_URI, name)) === 'running', 20_000, 'running after the restart');
    expect((await status(name)).domain.uuid).toBe(created.id);
  });

  it('a container and a VM side by side under one service, each on its own connection', async () => {
    const vm = uniqueName('vm');
    const ct = uniqueName('ctvm');
    cleanup.push(vm, ct);
    await t.http.post('/api/v1/vnfs').send({ name: vm, vcpus: 1, memoryMiB: 128, arch: 'x86_64', interfaces: [{ type: 'user' }] }).expect(201);
    await t.http.post('/api/v1/vnfs').send(container(ct, { interfaces: [{ type: 'bridge', bridge }] })).expect(201);
    const listed = (await t.http.get('/api/v1/vnfs').expect(200)).body.items as Array<{ name: string; kind: string; status: { phase: string; domain: { state: string } } }>;
    const byName = new Map(listed.map((item) => [item.name, item]));
    expect(byName.get(vm)).toMatchObject({ kind: 'vm', status: { phase: 'Running', domain: { state: 'running' } } });
    expect(byName.get(ct)).toMatchObject({ kind: 'container', status: { phase: 'Running', domain: { state: 'running' } } });
    expect(await domstate(QEMU_URI, vm)).toBe('running');
    expect(await domstate(LXC_URI, ct)).toBe('running');
    // Each on its own driver only.
    expect((await virshResult(LXC_URI, 'domstate', vm)).ok).toBe(false);
    expect((await virshResult(QEMU_URI, 'domstate', ct)).ok).toBe(false);
    const ready = (await t.http.get('/readyz').expect(200)).body;
    expect(ready.checks.connections).toEqual([
      { uri: QEMU_URI, kind: 'vm', connected: true },
      { uri: LXC_URI, kind: 'container', connected: true },
    ]);
    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body;
    for (const name of [vm, ct]) expect(report.vnfs.find((outcome: { name: string }) => outcome.name === name)).toMatchObject({ result: 'in-sync' });

    // Stop: the container's init ends on the shutdown request.
    await t.http.post(`/api/v1/vnfs/${ct}/stop`).expect(202);
    await eventually(async () => (await domstate(LXC_URI, ct)) === 'shut off', 20_000, 'container shut off');
    await eventually(async () => (await status(ct)).phase === 'Stopped', 10_000, 'phase Stopped');
  });

  it('refuses VM-only fields, a mount target with .., an init that is not absolute, a VM with a netdev: 400, nothing written', async () => {
    const rows = t.countRows('vnf');
    const claims = t.countRows('device_claim');
    const cases: Array<{ body: Record<string, unknown>; fields: string[] }> = [
      { body: container(uniqueName('bad'), { disks: [{ path: '/var/lib/vnf/x.qcow2', format: 'qcow2' }], hostDevices: [], arch: 'x86_64', boot: { kernel: '/boot/vmlinuz' } }), fields: ['disks', 'hostDevices', 'arch', 'boot'] },
      { body: container(uniqueName('bad'), { container: { init, mounts: [{ source: '/tmp', target: '/mnt/../etc' }] } }), fields: ['container.mounts[0].target'] },
      { body: container(uniqueName('bad'), { container: { init: ['bin/sh'] } }), fields: ['container.init[0]'] },
      { body: container(uniqueName('bad'), { interfaces: [{ type: 'vhostuser', socket: '/run/vhu' }, { type: 'netdev', device: moved, mac: '52:54:00:7c:00:09' }] }), fields: ['interfaces[0].type'] },
      { body: { name: uniqueName('bad'), vcpus: 1, memoryMiB: 128, interfaces: [{ type: 'netdev', device: moved }] }, fields: ['interfaces[0].type'] },
    ];
    for (const { body, fields } of cases) {
      const response = await t.http.post('/api/v1/vnfs').send(body).expect(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      const named = (response.body.errors as Array<{ field: string }>).map((error) => error.field);
      for (const field of fields) expect(named, JSON.stringify(response.body.errors)).toContain(field);
      expect((await listAll(LXC_URI)).has(body.name as string)).toBe(false);
    }
    expect(t.countRows('vnf')).toBe(rows);
    expect(t.countRows('device_claim')).toBe(claims);
  });

  it('host resources from allow-lists only: a mount source or root outside VNFM_IMAGE_DIRS, a macvlan on the loopback -> 422, nothing written', async () => {
    const rows = t.countRows('vnf');
    const name = uniqueName('ctres');
    const response = await t.http
      .post('/api/v1/vnfs')
      .send(container(name, { container: { init, rootfs: '/srv', mounts: [{ source: '/etc', target: '/mnt' }, { source: data, target: '/opt' }] }, interfaces: [{ type: 'direct', device: 'lo' }] }))
      .expect(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.errors).toEqual([
      { field: 'interfaces[0].device', reason: expect.stringContaining('loopback'), code: 'resource-refused' },
      { field: 'container.rootfs', reason: 'is not under an allowed image directory (VNFM_IMAGE_DIRS)', code: 'resource-refused' },
      { field: 'container.mounts[0].source', reason: 'is not under an allowed image directory (VNFM_IMAGE_DIRS)', code: 'resource-refused' },
    ]);
    expect(t.countRows('vnf')).toBe(rows);
    expect((await listAll(LXC_URI)).has(name)).toBe(false);
  });

  it("a container's console over the WebSocket route: its init's output arrives, and input reaches it", async () => {
    const name = uniqueName('ctcon');
    cleanup.push(name);
    const echo = ['/bin/sh', '-c', 'trap "exit 0" TERM; echo ct-ready; while read line; do echo "got-$line"; done'];
    await t.http.post('/api/v1/vnfs').send(container(name, { container: { init: echo } })).expect(201);
    const server = t.app.getHttpServer() as import('node:http').Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/vnfs/${name}/console`);
    const transcript = new ConsoleTranscript();
    socket.on('message', (data: Buffer) => transcript.add(data));
    await new Promise((resolve, reject) => {
      socket.on('open', resolve);
      socket.on('error', reject);
      socket.on('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
    });
    await transcript.waitFor('ct-ready');
    socket.send(Buffer.from('hello-ct\r'));
    // The container's pty turns the carriage return into a line the shell reads.
    await transcript.waitFor('got-hello-ct');
    socket.close(1000);
    await new Promise((resolve) => socket.on('close', resolve));
  });
});
