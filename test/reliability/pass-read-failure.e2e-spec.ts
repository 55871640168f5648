import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBVIRT_PORT, LibvirtTimeoutError, type LibvirtPort } from '../../libs/libvirt/src/index.js';
import { eventsOf } from '../support/sabotage.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI, domstate, uniqueName } from '../support/virsh.js';

const URI = TEST_DRIVER_URI;

/**
 * A pass reads the domains' definitions in batches and reconciles each VNF as its definition
 * arrives. When a read fails part way (a timeout, a lost connection), a VNF whose definition was
 * not read must not be taken for one whose domain is missing: nothing is defined or started for
 * it, its status stays, and the pass as a whole fails.
 */
describe('a pass whose definitions read fails part way (test+unix:///default)', () => {
  let t: TestApp;
  let port: LibvirtPort;
  let readDefinitions: LibvirtPort['readDefinitions'];
  beforeAll(async () => {
    t = await startTestApp(URI, { VNFM_RECONCILE_INTERVAL_MS: '600000' });
    port = t.app.get<LibvirtPort>(LIBVIRT_PORT);
    readDefinitions = port.readDefinitions.bind(port);
  });
  afterAll(async () => {
    if (port) port.readDefinitions = readDefinitions;
    await t?.close();
  });

  it('reconciles the VNFs read before the failure, leaves the others as they were, and answers the failure', async () => {
    const names = [uniqueName('read-a'), uniqueName('read-b'), uniqueName('read-c')];
    const created = [];
    for (const name of names) created.push((await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201)).body);
    const [first, ...unread] = created as Array<{ id: string; name: string }>;
    const eventsBefore = await Promise.all(unread.map(async (vnf) => (await eventsOf(t, vnf.name)).length));
    // libvirt answers the first VNF's definition, then the read times out.
    port.readDefinitions = async (uuids, onBatch) => {
      await readDefinitions(uuids, (batch) => onBatch(batch.filter((definition) => definition.uuid === first!.id)));
      throw new LibvirtTimeoutError('readDefinitions timed out after 5000 ms', 'readDefinitions');
    };
    try {
      const answer = await t.http.post('/api/v1/reconcile');
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
    } finally {
      port.readDefinitions = readDefinitions;
    }
    for (const [index, vnf] of unread.entries()) {
      const { status } = (await t.http.get(`/api/v1/vnfs/${vnf.name}`).expect(200)).body;
      expect(status).toMatchObject({ phase: 'Running', inSync: true, lastError: null });
      expect((await eventsOf(t, vnf.name)).length).toBe(eventsBefore[index]);
      expect(await domstate(URI, vnf.name)).toBe('running');
    }
    // With libvirt answering again, a pass finds every VNF in sync.
    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body as { vnfs: Array<{ name: string; result: string; actions: string[] }> };
    for (const name of names) expect(report.vnfs.find((outcome) => outcome.name === name)).toMatchObject({ result: 'in-sync', actions: [] });
    for (const name of names) await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
