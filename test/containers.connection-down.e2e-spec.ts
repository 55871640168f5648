import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, domstate, uniqueName } from './support/virsh.js';

/**
 * One connection away must not stop the other kind: here the container connection points at a
 * socket no libvirtd listens on, while VMs run on the test driver.
 */
describe('the LXC connection away, the VM connection up', () => {
  let t: TestApp;
  const dir = mkdtempSync('/tmp/vnfm-nolxc-');
  const lxcUri = `lxc+unix:///?socket=${join(dir, 'libvirt-sock')}`;

  beforeAll(async () => {
    t = await startTestApp(TEST_DRIVER_URI, { VNFM_LXC_URI: lxcUri, VNFM_RECONCILE_INTERVAL_MS: '600000' });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('VMs are created and reconciled; a container is stored and deferred; /readyz names the connection that is away', async () => {
    const vm = uniqueName('vmup');
    const created = await t.http.post('/api/v1/vnfs').send({ name: vm, vcpus: 1, memoryMiB: 128 }).expect(201);
    expect(created.body.status).toMatchObject({ phase: 'Running', lastError: null });
    expect(await domstate(TEST_DRIVER_URI, vm)).toBe('running');

    const ct = uniqueName('ctaway');
    const stored = await t.http.post('/api/v1/vnfs').send({ name: ct, kind: 'container', vcpus: 1, memoryMiB: 128, container: { init: ['/bin/sh'] } }).expect(201);
    expect(stored.body.kind).toBe('container');
    expect(stored.body.status.lastError).toMatchObject({ code: 'libvirt-unavailable' });
    expect(stored.body.status.domain).toEqual({ state: 'unknown' });

    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body;
    const outcome = (name: string) => report.vnfs.find((entry: { name: string }) => entry.name === name);
    expect(outcome(vm)).toMatchObject({ result: 'in-sync' });
    expect(outcome(ct)).toMatchObject({ result: 'deferred', code: 'libvirt-unavailable' });

    const listed = (await t.http.get('/api/v1/vnfs').expect(200)).body.items as Array<{ name: string; status: { domain: { state: string } } }>;
    expect(listed.find((item) => item.name === vm)?.status.domain.state).toBe('running');
    expect(listed.find((item) => item.name === ct)?.status.domain.state).toBe('unknown');

    const notReady = await t.http.get('/readyz').expect(503);
    expect(notReady.body.detail).toContain(lxcUri);
    expect(notReady.body.checks.connections).toEqual([
      { uri: TEST_DRIVER_URI, kind: 'vm', connected: true },
      { uri: lxcUri, kind: 'container', connected: false },
    ]);
    const host = (await t.http.get('/api/v1/host').expect(200)).body;
    expect(host.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'lxc-connection', ok: false })]));

    await t.http.delete(`/api/v1/vnfs/${vm}`).expect(202);
    await t.http.delete(`/api/v1/vnfs/${ct}`).expect(202);
  });
});
