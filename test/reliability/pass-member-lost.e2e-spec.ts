import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBVIRT_PORT, type LibvirtPort } from '../../libs/libvirt/src/index.js';
import { startPrivateLibvirtd, stopAllPrivateLibvirtd, type PrivateLibvirtd } from '../support/private-libvirtd.js';
import { passHeldAfterListing } from '../support/sabotage.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI, domstate, uniqueName } from '../support/virsh.js';

/**
 * Two connections (VMs on the shared test driver; "containers" on a private libvirtd of the test
 * driver, which lists its own `test` domain). The container connection is lost after a pass
 * listed both and before the definitions were read (its libvirtd killed with SIGKILL): the pass
 * must go on for the VMs and answer, as it does when that connection is away at the listing,
 * not fail as a whole; what was on the lost connection is left unread, never taken for gone.
 */
describe('a pass whose second connection is lost after the listing', () => {
  let t: TestApp;
  let daemon: PrivateLibvirtd;
  let port: LibvirtPort;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    t = await startTestApp(TEST_DRIVER_URI, { VNFM_LXC_URI: daemon.uri, VNFM_RECONCILE_INTERVAL_MS: '600000' });
    port = t.app.get<LibvirtPort>(LIBVIRT_PORT);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await stopAllPrivateLibvirtd();
  });

  it('reconciles the VMs, answers the pass, and reports the lost connection', async () => {
    const names = [uniqueName('lost-a'), uniqueName('lost-b')];
    for (const name of names) await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    expect(port.connectionStates().every((connection) => connection.connected)).toBe(true);
    const answer = await passHeldAfterListing(t, port, async () => {
      process.kill(daemon.pid, 'SIGKILL');
      const deadline = Date.now() + 10_000;
      while (port.connectionStates().find((connection) => connection.kind === 'container')!.connected) {
        if (Date.now() > deadline) throw new Error('vnfm never noticed the lost connection');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    });
    expect(answer.status).toBe(200);
    const report = answer.body as { vnfs: Array<{ name: string; result: string; actions: string[] }> };
    for (const name of names) expect(report.vnfs.find((outcome) => outcome.name === name)).toMatchObject({ result: 'in-sync', actions: [] });
    for (const name of names) expect(await domstate(TEST_DRIVER_URI, name)).toBe('running');
    expect((await t.http.get('/readyz')).status).toBe(503);
    for (const name of names) await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
