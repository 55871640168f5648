import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, killLibvirtd, startLibvirtd } from './support/libvirtd.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from './support/virsh.js';

describe('libvirtd killed and restarted under a running service', () => {
  let t: TestApp;

  beforeAll(async () => {
    await startLibvirtd();
    t = await startTestApp(TEST_DRIVER_URI, { VNFM_LIBVIRT_PROBE_INTERVAL_MS: '300', VNFM_LIBVIRT_CALL_TIMEOUT_MS: '3000', VNFM_RECONCILE_INTERVAL_MS: '1000' });
  });
  afterAll(async () => {
    await startLibvirtd();
    await t?.close();
  });

  it('reports not-ready, still stores writes, reconnects by itself and applies them', async () => {
    await t.http.get('/readyz').expect(200);
    await killLibvirtd();
    await eventually(async () => (await t.http.get('/readyz')).status === 503, 10_000, 'readyz to report 503');
    const notReady = await t.http.get('/readyz');
    expect(notReady.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(notReady.body.checks).toEqual({ database: true, libvirt: false, connections: [{ uri: TEST_DRIVER_URI, kind: 'vm', connected: false }] });

    const name = uniqueName('offline');
    const stored = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128 }).expect(201);
    expect(stored.body.status.phase).toBe('Provisioning');
    expect(stored.body.status.domain).toEqual({ state: 'unknown' });
    expect(stored.body.status.lastError.code).toBe('libvirt-unavailable');
    const listed = await t.http.get('/api/v1/vnfs').expect(200);
    expect(listed.body.items.find((item: { name: string }) => item.name === name).status.domain.state).toBe('unknown');

    await startLibvirtd();
    await eventually(async () => (await t.http.get('/readyz')).status === 200, 20_000, 'readyz to recover');
    await eventually(async () => (await t.http.get(`/api/v1/vnfs/${name}`)).body.status?.domain?.state === 'running', 20_000, 'the stored VNF to be applied');
    const applied = await t.http.get(`/api/v1/vnfs/${name}`).expect(200);
    expect(applied.body.status).toMatchObject({ phase: 'Running', lastError: null, observedGeneration: 1 });
    expect((await listAll(TEST_DRIVER_URI)).get(name)).toBe('running');

    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await listAll(TEST_DRIVER_URI)).has(name)).toBe(false);
  });
});

describe('libvirtd killed during a reconcile pass (qemu:///system)', () => {
  let t: TestApp;
  const names = [uniqueName('pass'), uniqueName('pass'), uniqueName('pass')];

  beforeAll(async () => {
    await startLibvirtd();
    t = await startTestApp('qemu:///system', { VNFM_LIBVIRT_PROBE_INTERVAL_MS: '1000', VNFM_LIBVIRT_CALL_TIMEOUT_MS: '5000', VNFM_RECONCILE_INTERVAL_MS: '1000' });
  });
  afterAll(async () => {
    await startLibvirtd();
    for (const name of names) await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
  });

  it('the pass fails cleanly, nothing is read as "no domains", and the service recovers by itself', async () => {
    for (const name of names) await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128, arch: 'aarch64' }).expect(201);
    const ids = await Promise.all(names.map(async (name) => (await t.http.get(`/api/v1/vnfs/${name}`)).body.id));
    const pass = t.http.post('/api/v1/reconcile');
    await killLibvirtd();
    expect([200, 503]).toContain((await pass).status);
    const refused = await t.http.post('/api/v1/reconcile');
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    for (const name of names) expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.phase).not.toBe('Deleting');

    await startLibvirtd();
    await eventually(async () => (await t.http.get('/readyz')).status === 200, 30_000, 'readyz to recover');
    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body;
    for (const [index, name] of names.entries()) {
      expect(report.vnfs.find((outcome: { name: string }) => outcome.name === name)).toMatchObject({ result: 'in-sync' });
      expect((await listAll('qemu:///system')).get(name)).toBe('running');
      expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.domain.uuid).toBe(ids[index]);
    }
    expect(t.countRows('vnf')).toBe(names.length);
  });
});
