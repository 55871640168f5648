import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { eventually } from './support/libvirtd.js';
import { TEST_DRIVER_URI, domstate, uniqueName, virsh } from './support/virsh.js';

const URI = TEST_DRIVER_URI;

/** Replacing a spec with PUT: what restarts the guest, what waits, what never restarts it. */
describe('PUT: update strategies and labels (test driver)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(URI);
  });
  afterAll(async () => {
    await t?.close();
  });

  const domainId = async (name: string): Promise<number> => (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.domain.id;

  it('OnRestart redefines but keeps the guest running and flags restartRequired; Restart restarts it', async () => {
    const name = uniqueName('upd');
    const body = (vcpus: number, updateStrategy: string) => ({ vcpus, memoryMiB: 128, updateStrategy });
    await t.http.put(`/api/v1/vnfs/${name}`).send(body(1, 'OnRestart')).expect(201);
    const firstId = await domainId(name);

    const waiting = await t.http.put(`/api/v1/vnfs/${name}`).send(body(2, 'OnRestart')).expect(200);
    expect(waiting.body.status).toMatchObject({ generation: 2, observedGeneration: 2, restartRequired: true, phase: 'Running' });
    expect(waiting.body.status.domain.id).toBe(firstId);
    expect(await virsh(URI, 'dumpxml', '--inactive', name)).toMatch(/<vcpu placement='static'>2<\/vcpu>/);

    const restarted = await t.http.put(`/api/v1/vnfs/${name}`).send(body(3, 'Restart')).expect(200);
    expect(restarted.body.status).toMatchObject({ generation: 3, restartRequired: false, phase: 'Running' });
    expect(restarted.body.status.domain.id).not.toBe(firstId);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('labels filter the list and changing them never restarts the guest', async () => {
    const edge = uniqueName('lbl');
    const core = uniqueName('lbl');
    await t.http.post('/api/v1/vnfs').send({ name: edge, vcpus: 1, memoryMiB: 64, labels: { site: 'edge-1', tier: 'fw' } }).expect(201);
    await t.http.post('/api/v1/vnfs').send({ name: core, vcpus: 1, memoryMiB: 64, labels: { site: 'core' } }).expect(201);
    const names = async (query: string) => (await t.http.get(`/api/v1/vnfs?${query}`).expect(200)).body.items.map((item: { name: string }) => item.name);
    expect(await names('label=site=edge-1')).toEqual([edge]);
    expect(await names('label=tier')).toEqual([edge]);
    expect(await names('label=site')).toEqual(expect.arrayContaining([edge, core]));
    expect(await names('label=site=core&label=tier')).toEqual([]);
    expect(await names('label=constructor')).toEqual([]);
    const bad = await t.http.get('/api/v1/vnfs?label=Site%20X').expect(400);
    expect(bad.body.errors[0].field).toBe('label');

    const before = await domainId(core);
    const relabelled = await t.http.put(`/api/v1/vnfs/${core}`).send({ vcpus: 1, memoryMiB: 64, labels: { site: 'core', tier: 'router' } }).expect(200);
    expect(relabelled.body.status).toMatchObject({ generation: 2, restartRequired: false });
    expect(relabelled.body.status.domain.id).toBe(before);
    expect(await names('label=tier=router')).toEqual([core]);
    await t.http.delete(`/api/v1/vnfs/${edge}`).expect(202);
    await t.http.delete(`/api/v1/vnfs/${core}`).expect(202);
  });

  it('autostart is applied to the libvirt domain and follows a replace', async () => {
    const name = uniqueName('auto');
    await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 1, memoryMiB: 64, autostart: true }).expect(201);
    expect(await virsh(URI, 'dominfo', name)).toMatch(/Autostart:\s+enable/);
    await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 1, memoryMiB: 64, autostart: false }).expect(200);
    expect(await virsh(URI, 'dominfo', name)).toMatch(/Autostart:\s+disable/);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('a domain destroyed behind vnfm\'s back is started again on the event, long before the interval', async () => {
    const name = uniqueName('evt');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    await virsh(URI, 'destroy', name);
    await eventually(async () => (await domstate(URI, name)) === 'running', 10_000, `${name} running again`);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
