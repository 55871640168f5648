import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIBVIRT_PORT, type LibvirtPort } from '../../libs/libvirt/src/index.js';
import { Reconciler } from '../../libs/reconciler/src/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI, uniqueName, virshResult } from '../support/virsh.js';

/**
 * What happens while a pass reads the definitions: its read is held here until the test lets
 * it go, so the change lands exactly then. A VNF deleted meanwhile is reported by its name (it
 * was reported with an empty one); vnfm told to stop meanwhile answers `POST /reconcile` with a
 * 503 `shutting-down` (it answered 200 with every VNF "failed: the work queue is stopped").
 */
describe('a change while a pass reads the definitions (test+unix:///default)', () => {
  let t: TestApp;
  let port: LibvirtPort;
  let readDefinitions: LibvirtPort['readDefinitions'];
  let release: () => void;
  let reached: Promise<void>;

  beforeEach(async () => {
    t = await startTestApp(TEST_DRIVER_URI, { VNFM_RECONCILE_INTERVAL_MS: '600000' });
    port = t.app.get<LibvirtPort>(LIBVIRT_PORT);
    readDefinitions = port.readDefinitions.bind(port);
  });
  afterEach(async () => {
    if (port) port.readDefinitions = readDefinitions;
    await t?.close();
  });

  /** The next pass's read waits for `release()`; `reached` resolves once it is waiting. */
  function holdTheNextRead(): void {
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    reached = new Promise<void>((resolve) => (arrived = resolve));
    port.readDefinitions = async (uuids, onBatch) => {
      port.readDefinitions = readDefinitions;
      arrived();
      await gate;
      return readDefinitions(uuids, onBatch);
    };
  }

  async function create(name: string): Promise<{ id: string; name: string }> {
    return (await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201)).body;
  }

  it('reports a VNF deleted meanwhile by its name, as gone, and the others as in sync', async () => {
    const kept = await create(uniqueName('meanwhile-kept'));
    const deleted = await create(uniqueName('meanwhile-deleted'));
    holdTheNextRead();
    const pass = t.http.post('/api/v1/reconcile').then((answer) => answer);
    await reached;
    await t.http.delete(`/api/v1/vnfs/${deleted.name}`).expect(202);
    for (let tries = 0; (await t.http.get(`/api/v1/vnfs/${deleted.name}`)).status !== 404; tries += 1) {
      expect(tries, 'the VNF is deleted within 5 s').toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    release();
    const answer = await pass;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const outcomes = answer.body.vnfs as Array<{ id: string; name: string; result: string }>;
    expect(outcomes.find((outcome) => outcome.id === deleted.id)).toEqual({ id: deleted.id, name: deleted.name, actions: [], result: 'gone' });
    expect(outcomes.find((outcome) => outcome.id === kept.id)).toMatchObject({ name: kept.name, result: 'in-sync' });
    expect(outcomes.every((outcome) => outcome.name !== '')).toBe(true);
    await t.http.delete(`/api/v1/vnfs/${kept.name}`).expect(202);
  });

  it('answers 503 shutting-down when vnfm is told to stop meanwhile, not a report of runs never made', async () => {
    const vnf = await create(uniqueName('meanwhile-stop'));
    holdTheNextRead();
    const pass = t.http.post('/api/v1/reconcile').then((answer) => answer);
    await reached;
    t.app.get(Reconciler).stop();
    release();
    const answer = await pass;
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: expect.stringMatching(/shutting-down$/), status: 503 });
    // A pass asked for afterwards is refused the same way, before it reads anything.
    const later = await t.http.post('/api/v1/reconcile');
    expect(later.status).toBe(503);
    expect(later.body.type).toMatch(/shutting-down$/);
    // The VNF is as it was: stopping reconciles nothing and deletes nothing.
    expect((await t.http.get(`/api/v1/vnfs/${vnf.name}`).expect(200)).body.status).toMatchObject({ phase: 'Running' });
    // No reconcile runs any more: the domain goes by hand (the test driver's state is shared).
    await virshResult(TEST_DRIVER_URI, 'destroy', vnf.name);
    await virshResult(TEST_DRIVER_URI, 'undefine', vnf.name);
  });
});
