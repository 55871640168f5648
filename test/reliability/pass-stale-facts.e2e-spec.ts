import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBVIRT_PORT, type DomainEventHint, type LibvirtClient, type LibvirtPort } from '../../libs/libvirt/src/index.js';
import { Reconciler, type DomainStatusView } from '../../libs/reconciler/src/index.js';
import { passHeldAfterListing } from '../support/sabotage.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI, domstate, uniqueName, virsh } from '../support/virsh.js';

const URI = TEST_DRIVER_URI;

interface Report {
  vnfs: Array<{ name: string; result: string; actions: string[] }>;
}

/**
 * A pass lists every domain, then reconciles each VNF as its definition arrives. What it listed
 * can be overtaken before a VNF's turn comes: libvirt reports an event for the domain, or
 * another run of the VNF (an API write's) acts on it. The VNF's run must then look again, never
 * act on the listing's older state. Event hints are off, so no event-driven run hides a stale
 * one; the reads are held after the listing, so the overtaking happens in the window every time.
 */
describe("a pass's listing overtaken before a VNF's turn (test+unix:///default)", () => {
  let t: TestApp;
  let port: LibvirtPort;

  beforeAll(async () => {
    t = await startTestApp(URI, { VNFM_RECONCILE_INTERVAL_MS: '600000', VNFM_DOMAIN_EVENT_HINTS: 'off' });
    port = t.app.get<LibvirtPort>(LIBVIRT_PORT);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A pass whose definitions are read only once `meanwhile` (run after the listing) is done. */
  async function passOvertakenBy(meanwhile: () => Promise<void>): Promise<Report> {
    const answer = await passHeldAfterListing(t, port, meanwhile);
    expect(answer.status).toBe(200);
    return answer.body as Report;
  }

  async function until(what: string, predicate: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const domainState = async (name: string) => ((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body as { status: { domain: { state: string } } }).status.domain.state;

  it('starts a VNF whose domain was destroyed behind its back after the listing (the event is newer than the list)', async () => {
    const name = uniqueName('stale-event');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    const report = await passOvertakenBy(async () => {
      await virsh(URI, 'destroy', name);
      await until('vnfm to see the stop event', async () => (await domainState(name)) === 'shutoff');
    });
    expect(report.vnfs.find((outcome) => outcome.name === name)).toMatchObject({ result: 'changed' });
    expect(await domstate(URI, name)).toBe('running');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it("does not act again on what an API write's run did after the listing, even before libvirt's events about it arrive", async () => {
    const name = uniqueName('stale-late');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    await virsh(URI, 'destroy', name);
    await until('vnfm to see the stop event', async () => (await domainState(name)) === 'shutoff');
    // The status view hears libvirt's events late: only after the pass.
    const view = (t.app.get(Reconciler) as unknown as { observer: { view: DomainStatusView } }).observer.view;
    const applyEvent = view.applyEvent.bind(view);
    const late: DomainEventHint[] = [];
    view.applyEvent = (event) => void late.push(event);
    let report: Report;
    try {
      report = await passOvertakenBy(async () => {
        await t.http.post(`/api/v1/vnfs/${name}/start`).expect(202);
        expect(await domstate(URI, name)).toBe('running');
      });
    } finally {
      view.applyEvent = applyEvent;
      for (const event of late) applyEvent(event);
    }
    expect(report.vnfs.find((outcome) => outcome.name === name)?.result).toMatch(/^(in-sync|changed)$/);
    const { status } = (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body as { status: { phase: string; lastError: unknown } };
    expect(status).toMatchObject({ phase: 'Running', lastError: null });
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('starts a VNF whose domain was destroyed while vnfm was disconnected, after the listing (the event was missed: the reconnect says so)', async () => {
    const name = uniqueName('stale-gap');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    const vms = (port as unknown as { members: Array<{ kind: string; client: LibvirtClient }> }).members.find((member) => member.kind === 'vm')!.client;
    const internals = vms as unknown as { connection: unknown; markBroken(connection: unknown, reason: string): void };
    const report = await passOvertakenBy(async () => {
      // The connection drops (as when libvirtd restarts); the destroy happens in the gap, its event never reaches vnfm.
      internals.markBroken(internals.connection, 'the test cut it');
      expect(vms.isConnected()).toBe(false);
      await virsh(URI, 'destroy', name);
      await until('vnfm to reconnect', async () => vms.isConnected());
    });
    expect(report.vnfs.find((outcome) => outcome.name === name)).toMatchObject({ result: 'changed' });
    expect(await domstate(URI, name)).toBe('running');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('does not act again on what an API write\'s run already did after the listing (no false failure)', async () => {
    const name = uniqueName('stale-run');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    await virsh(URI, 'destroy', name); // hints off: nothing starts it again until told
    await until('vnfm to see the stop event', async () => (await domainState(name)) === 'shutoff');
    const report = await passOvertakenBy(async () => {
      await t.http.post(`/api/v1/vnfs/${name}/start`).expect(202); // its run starts the domain the pass listed as shut off
      expect(await domstate(URI, name)).toBe('running');
    });
    expect(report.vnfs.find((outcome) => outcome.name === name)?.result).toMatch(/^(in-sync|changed)$/);
    const { status } = (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body as { status: { phase: string; lastError: unknown } };
    expect(status).toMatchObject({ phase: 'Running', lastError: null });
    expect(await domstate(URI, name)).toBe('running');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
