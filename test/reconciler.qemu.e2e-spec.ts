import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/libvirtd.js';
import { defineEdited, eventOf, eventsOf } from './support/sabotage.js';
import { ls2088aHost, x86Host, type HostFixture } from './support/sysfs-fixture.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { QEMU_URI, domstate, listAll, uniqueName, virsh } from './support/virsh.js';

const run = promisify(execFile);

/** Sabotage and failure on real QEMU under TCG. */
describe('reconciler on qemu:///system', () => {
  let t: TestApp;
  let host: HostFixture;
  let dir: string;
  let env: Record<string, string>;
  const cleanup: string[] = [];

  beforeAll(async () => {
    host = ls2088aHost(x86Host());
    dir = mkdtempSync(join(tmpdir(), 'vnfm-rq-'));
    env = {
      VNFM_DB_PATH: join(dir, 'vnfm.db'),
      VNFM_SYSFS_ROOT: host.sysfsRoot,
      VNFM_PROCFS_ROOT: host.procfsRoot,
      VNFM_RECONCILE_INTERVAL_MS: '600000',
      VNFM_SHUTDOWN_TIMEOUT_MS: '1500',
      VNFM_START_BACKOFF_BASE_MS: '300',
      VNFM_START_BACKOFF_MAX_MS: '1200',
    };
    t = await startTestApp(QEMU_URI, env);
  });
  afterAll(async () => {
    for (const name of cleanup) await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
    host?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async (name: string) => (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status;
  const aarch64 = (name: string, extra: Record<string, unknown> = {}) => ({ name, vcpus: 1, memoryMiB: 128, arch: 'aarch64', ...extra });

  it('<qemu:commandline> removed behind vnfm\'s back -> put back, reported as drift', async () => {
    const name = uniqueName('qcmd');
    cleanup.push(name);
    await t.http.post('/api/v1/vnfs').send(aarch64(name, { powerState: 'stopped', hostDevices: [{ type: 'vfio-platform', device: 'fff51000.ethernet' }] })).expect(201);
    await defineEdited(QEMU_URI, name, (xml) => xml.replace(/\s*<qemu:commandline>[\s\S]*<\/qemu:commandline>/, ''));
    const corrected = await eventOf(t, name, 'DriftCorrected');
    expect(corrected.message).toContain('qemu:commandline');
    expect(await virsh(QEMU_URI, 'dumpxml', '--inactive', name)).toContain("<qemu:arg value='vfio-platform,host=fff51000.ethernet'/>");
  });

  it('virsh destroy -> running again; virsh undefine -> defined again; memory edited -> reverted and reported', async () => {
    const name = uniqueName('sab');
    cleanup.push(name);
    const created = (await t.http.post('/api/v1/vnfs').send(aarch64(name)).expect(201)).body;
    await virsh(QEMU_URI, 'destroy', name);
    await eventually(async () => (await domstate(QEMU_URI, name)) === 'running', 20_000, 'running again');
    await virsh(QEMU_URI, 'undefine', '--nvram', name);
    await eventOf(t, name, 'Redefined');
    expect(await virsh(QEMU_URI, 'dominfo', name)).toMatch(/Persistent:\s+yes/);
    await defineEdited(QEMU_URI, name, (xml) => xml.replace("<memory unit='KiB'>131072</memory>", "<memory unit='KiB'>262144</memory>").replace("<currentMemory unit='KiB'>131072</currentMemory>", "<currentMemory unit='KiB'>262144</currentMemory>"));
    expect((await eventOf(t, name, 'DriftCorrected')).message).toContain('memoryKiB: want 131072, found 262144');
    expect(await virsh(QEMU_URI, 'dumpxml', '--inactive', name)).toContain("<memory unit='KiB'>131072</memory>");
    await eventually(async () => (await domstate(QEMU_URI, name)) === 'running', 20_000, 'running after the restart');
    expect((await status(name)).domain.uuid).toBe(created.id);
  });

  it('kill -9 of a TCG guest\'s QEMU -> started again', async () => {
    const name = uniqueName('crash');
    cleanup.push(name);
    await t.http.post('/api/v1/vnfs').send(aarch64(name)).expect(201);
    const pid = readFileSync(`/run/libvirt/qemu/${name}.pid`, 'utf8').trim();
    await run('kill', ['-9', pid]);
    await eventually(async () => (await eventsOf(t, name)).filter((event) => event.type === 'Started').length >= 2, 20_000, 'a second start');
    await eventually(async () => (await domstate(QEMU_URI, name)) === 'running', 20_000, 'running again');
    expect(readFileSync(`/run/libvirt/qemu/${name}.pid`, 'utf8').trim()).not.toBe(pid);
  });

  it('running but wanted stopped: graceful shutdown first, destroyed when the guest ignores it', async () => {
    const name = uniqueName('stop');
    cleanup.push(name);
    await t.http.post('/api/v1/vnfs').send(aarch64(name)).expect(201);
    const stopping = await t.http.post(`/api/v1/vnfs/${name}/stop`).expect(202);
    expect(stopping.body.status.inSync).toBe(false);
    await eventually(async () => (await domstate(QEMU_URI, name)) === 'shut off', 20_000, 'shut off');
    const types = (await eventsOf(t, name)).map((event) => event.type);
    expect(types.indexOf('ShutdownRequested')).toBeLessThan(types.lastIndexOf('Destroyed'));
    expect((await eventOf(t, name, 'Destroyed')).message).toMatch(/did not shut down in time/);
    await eventually(async () => (await status(name)).phase === 'Stopped', 10_000, 'phase Stopped');
  });

  it('repeated start failures: the backoff grows, is capped, and survives a restart of vnfm', async () => {
    const name = uniqueName('backoff');
    cleanup.push(name);
    await t.http.post('/api/v1/vnfs').send(aarch64(name, { hostDevices: [{ type: 'vfio-pci', address: '0000:04:00.0' }] })).expect(201);
    const delays = new Map<number, number>();
    await eventually(async () => {
      const { backoff, lastError } = await status(name);
      if (backoff) delays.set(backoff.failures, Date.parse(backoff.nextAttemptAt) - Date.parse(lastError.at));
      return delays.size >= 5 && Math.max(...delays.keys()) >= 5;
    }, 30_000, 'five start failures');
    const [d1 = 0, d2 = 0, d3 = 0, d4 = 0] = [1, 2, 3, 4].map((failures) => delays.get(failures) ?? 0);
    expect(d1).toBeGreaterThanOrEqual(240);
    expect(d2).toBeGreaterThanOrEqual(d1 * 1.5);
    expect(d3).toBeGreaterThanOrEqual(d2 * 1.5);
    expect(Math.max(...delays.values())).toBeLessThanOrEqual(1200);
    expect(d4).toBeGreaterThanOrEqual(960);
    expect((await eventsOf(t, name)).filter((event) => event.type === 'start-failed').length).toBeGreaterThanOrEqual(5);
    expect((await status(name)).lastError.message).toMatch(/VFIO/);

    // The count is stored: a new vnfm process goes on from it instead of starting over.
    const failuresBefore = (await status(name)).backoff.failures;
    await t.close();
    t = await startTestApp(QEMU_URI, env);
    await eventually(async () => (await status(name)).backoff.failures > failuresBefore, 20_000, 'another failure');
    expect((await status(name)).backoff.failures).toBe(failuresBefore + 1);
    expect((await listAll(QEMU_URI)).get(name)).toBe('shut off');
  });
});
