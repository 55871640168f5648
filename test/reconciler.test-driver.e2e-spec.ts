import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reconciler } from '../libs/reconciler/src/index.js';
import { ImageDir } from './support/image-dir.js';
import { eventually } from './support/libvirtd.js';
import { defineEdited, defineXml, eventOf, eventsOf } from './support/sabotage.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, domstate, listAll, uniqueName, virsh } from './support/virsh.js';

const URI = TEST_DRIVER_URI;

/** Sabotage with virsh against the running service; the reconciler puts things back (test driver). */
describe('reconciler against virsh sabotage (test+unix:///default)', () => {
  let t: TestApp;
  const images = new ImageDir();
  beforeAll(async () => {
    images.qcow2('a.qcow2');
    // A long interval: what is repaired here is repaired by events and POST /reconcile, not the schedule.
    t = await startTestApp(URI, { VNFM_RECONCILE_INTERVAL_MS: '600000', VNFM_SHUTDOWN_TIMEOUT_MS: '2000', VNFM_IMAGE_DIRS: images.dir });
  });
  afterAll(async () => {
    await t?.close();
    images.remove();
  });

  const create = async (body: Record<string, unknown>) => (await t.http.post('/api/v1/vnfs').send({ vcpus: 1, memoryMiB: 128, ...body }).expect(201)).body;
  const status = async (name: string) => (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status;
  const reconcile = async () => (await t.http.post('/api/v1/reconcile').expect(200)).body;

  it('a freshly created VNF is in sync: a pass finds nothing to do', async () => {
    const name = uniqueName('sync');
    const created = await create({ name, interfaces: [{ type: 'user' }, { type: 'bridge', bridge: 'br-int', ovs: true, vlan: 7 }], disks: [{ path: images.path('a.qcow2'), format: 'qcow2', iothread: true }] });
    // In sync as soon as the create is answered: its reconcile defined and started what was designed.
    expect(created.status).toMatchObject({ inSync: true, phase: 'Running' });
    expect(await status(name)).toMatchObject({ inSync: true, phase: 'Running' });
    const report = await reconcile();
    expect(report.vnfs.find((outcome: { name: string }) => outcome.name === name)).toMatchObject({ result: 'in-sync', actions: [] });
    expect(await status(name)).toMatchObject({ inSync: true, drift: [], phase: 'Running' });
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('virsh destroy -> running again; virsh suspend -> resumed', async () => {
    const name = uniqueName('destroy');
    await create({ name });
    await virsh(URI, 'destroy', name);
    await eventually(async () => (await domstate(URI, name)) === 'running', 10_000, 'running again');
    await virsh(URI, 'suspend', name);
    await eventually(async () => (await domstate(URI, name)) === 'running', 10_000, 'resumed');
    expect((await eventsOf(t, name)).map((event) => event.type)).toEqual(expect.arrayContaining(['Defined', 'Started', 'Resumed']));
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('virsh undefine -> defined again (persistent), the guest untouched', async () => {
    const name = uniqueName('undef');
    const created = await create({ name });
    await virsh(URI, 'undefine', name);
    await reconcile();
    expect(await virsh(URI, 'dominfo', name)).toMatch(/Persistent:\s+yes/);
    expect(await domstate(URI, name)).toBe('running');
    expect((await status(name)).domain.uuid).toBe(created.id);
    await eventOf(t, name, 'Redefined');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('virsh undefine, then virsh destroy (the domain is gone altogether) -> defined and started again from the events alone, no pass', async () => {
    const name = uniqueName('gone');
    const created = await create({ name });
    await virsh(URI, 'undefine', name);
    await virsh(URI, 'destroy', name);
    await eventually(async () => (await domstate(URI, name).catch(() => 'absent')) === 'running', 10_000, 'defined and running again');
    expect(await virsh(URI, 'dominfo', name)).toMatch(/Persistent:\s+yes/);
    expect(await virsh(URI, 'domuuid', name)).toContain(created.id);
    await eventually(async () => (await status(name)).inSync === true, 10_000, 'in sync again');
    expect(await status(name)).toMatchObject({ phase: 'Running', domain: { uuid: created.id, state: 'running' } });
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('virsh define of an edited XML (memory changed, an interface removed) -> reverted, restarted, reported as drift', async () => {
    const name = uniqueName('drift');
    const created = await create({ name, interfaces: [{ type: 'user', mac: '52:54:00:77:00:01' }, { type: 'network', network: 'default', mac: '52:54:00:77:00:02' }] });
    await defineEdited(URI, name, (xml) =>
      xml
        .replace(/<memory unit='KiB'>131072<\/memory>/, "<memory unit='KiB'>262144</memory>")
        .replace(/<currentMemory unit='KiB'>131072<\/currentMemory>/, "<currentMemory unit='KiB'>262144</currentMemory>")
        .replace(/<interface type='network'>[\s\S]*?<\/interface>\n/, ''),
    );
    const corrected = await eventOf(t, name, 'DriftCorrected');
    expect(corrected.message).toContain('memoryKiB: want 131072, found 262144');
    expect(corrected.message).toContain('network NIC 52:54:00:77:00:02 is missing');
    const dumped = await virsh(URI, 'dumpxml', '--inactive', name);
    expect(dumped).toContain("<memory unit='KiB'>131072</memory>");
    expect(dumped).toContain('52:54:00:77:00:02');
    await eventOf(t, name, 'Restarting');
    await eventually(async () => (await domstate(URI, name)) === 'running', 10_000, 'running after the restart');
    expect((await status(name)).domain.uuid).toBe(created.id);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('a foreign domain is never touched, and a VNF whose name it takes goes Failed', async () => {
    const foreign = uniqueName('foreign');
    await defineXml(URI, `<domain type='test'><name>${foreign}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>`);
    const before = await virsh(URI, 'dumpxml', '--inactive', foreign);
    await reconcile();
    expect(await virsh(URI, 'dumpxml', '--inactive', foreign)).toBe(before);
    expect(await domstate(URI, foreign)).toBe('shut off');

    // The name is taken while vnfm is down (else vnfm would redefine its domain first).
    const name = uniqueName('squat');
    const dir = mkdtempSync(join(tmpdir(), 'vnfm-squat-'));
    const env = { VNFM_DB_PATH: join(dir, 'vnfm.db'), VNFM_RECONCILE_INTERVAL_MS: '600000' };
    const first = await startTestApp(URI, env);
    await first.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64, powerState: 'stopped' }).expect(201);
    await first.close();
    await virsh(URI, 'undefine', name);
    await defineXml(URI, `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>`);
    const squatter = await virsh(URI, 'dumpxml', '--inactive', name);
    const second = await startTestApp(URI, env);
    try {
      await second.http.post('/api/v1/reconcile').expect(200);
      const failed = (await second.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status;
      expect(failed).toMatchObject({ phase: 'Failed', lastError: { code: 'domain-name-taken' } });
      expect(await virsh(URI, 'dumpxml', '--inactive', name)).toBe(squatter);
      await second.http.delete(`/api/v1/vnfs/${name}`).expect(202);
      expect((await listAll(URI)).has(name)).toBe(true);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await virsh(URI, 'undefine', name);
    await virsh(URI, 'undefine', foreign);
  });

  it('a domain with this instance\'s mark but no VNF is reported as an orphan; one marked by another instance (or none) as foreign; both left alone', async () => {
    const instanceId = (new Database(t.dbPath, { readonly: true }).prepare(`SELECT "value" FROM "vnfm_meta" WHERE "key" = 'instance-id'`).get() as { value: string }).value;
    const mark = (vnfId: string, instance: string | null) =>
      `<metadata><vnfm:vnf xmlns:vnfm="https://vnfm.dev/xmlns/vnfm/1"><vnfm:id>${vnfId}</vnfm:id>${instance ? `<vnfm:instance>${instance}</vnfm:instance>` : ''}<vnfm:generation>1</vnfm:generation><vnfm:specHash>${'c'.repeat(64)}</vnfm:specHash></vnfm:vnf></metadata>`;
    const uniqueId = (prefix: string) => `${prefix}-2222-4333-8444-${(Date.now() + Math.floor(Math.random() * 1e6)).toString(16).padStart(12, '0').slice(-12)}`;
    const orphan = { name: uniqueName('orphan'), vnfId: uniqueId('11111111') };
    const foreign = { name: uniqueName('foreign'), vnfId: uniqueId('22222222') };
    const legacy = { name: uniqueName('legacy'), vnfId: uniqueId('33333333') };
    await defineXml(URI, `<domain type='test'><name>${orphan.name}</name>${mark(orphan.vnfId, instanceId)}<memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>`);
    await defineXml(URI, `<domain type='test'><name>${foreign.name}</name>${mark(foreign.vnfId, '7e57e57e-0000-4000-8000-000000000000')}<memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>`);
    await defineXml(URI, `<domain type='test'><name>${legacy.name}</name>${mark(legacy.vnfId, null)}<memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>`);
    const report = await reconcile();
    expect(report.orphans).toEqual(expect.arrayContaining([expect.objectContaining({ name: orphan.name, vnfId: orphan.vnfId, action: 'reported' })]));
    expect(report.foreign).toEqual(expect.arrayContaining([expect.objectContaining({ name: foreign.name }), expect.objectContaining({ name: legacy.name, instanceId: null })]));
    expect(report.orphans.map((entry: { name: string }) => entry.name)).not.toContain(foreign.name);
    const domains = await listAll(URI);
    for (const { name } of [orphan, foreign, legacy]) {
      expect(domains.has(name)).toBe(true);
      await virsh(URI, 'undefine', name);
    }
  });

  it('a deleted VNF leaves nothing in memory: its design and its parse go with it, not at the next pass', async () => {
    const reconciler = t.app.get(Reconciler);
    const names = Array.from({ length: 5 }, () => uniqueName('churn'));
    for (const name of names) await create({ name, interfaces: [{ type: 'user' }] });
    // A domain's parse is kept once something reads its definition: an event after virsh's change here.
    await virsh(URI, 'destroy', names[0]!);
    await eventually(async () => (await domstate(URI, names[0]!)) === 'running', 10_000, 'running again');
    const held = reconciler.cached;
    expect(held.designs).toBeGreaterThanOrEqual(names.length);
    expect(held.parses).toBeGreaterThanOrEqual(1);
    for (const name of names) await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await eventually(async () => {
      const all = await listAll(URI);
      return names.every((name) => !all.has(name));
    }, 5_000, 'the domains to go');
    expect(reconciler.cached.designs).toBe(held.designs - names.length);
    expect(reconciler.cached.parses).toBeLessThanOrEqual(held.parses - 1);
  });

  it('stop: graceful shutdown; start; reboot (one-shot); events record each', async () => {
    const name = uniqueName('power');
    await create({ name });
    expect((await t.http.post(`/api/v1/vnfs/${name}/stop`).expect(202)).body.spec.powerState).toBe('stopped');
    await eventually(async () => (await domstate(URI, name)) === 'shut off', 10_000, 'shut off');
    await t.http.post(`/api/v1/vnfs/${name}/reboot`).expect(409);
    await t.http.post(`/api/v1/vnfs/${name}/start`).expect(202);
    expect(await domstate(URI, name)).toBe('running');
    const rebooted = await t.http.post(`/api/v1/vnfs/${name}/reboot`).expect(202);
    expect(rebooted.body.status.rebootRequested).toBe(false);
    expect((await eventsOf(t, name)).map((event) => event.type)).toEqual(expect.arrayContaining(['ShutdownRequested', 'Started', 'Rebooted']));
    await t.http.post('/api/v1/vnfs/nope/start').expect(404);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('GET /metrics exposes VNFs by phase, sync, claims, libvirt and passes in Prometheus text', async () => {
    const name = uniqueName('metrics');
    await create({ name });
    await reconcile();
    const response = await t.http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const value = (pattern: RegExp) => Number(pattern.exec(response.text)?.[1] ?? Number.NaN);
    expect(value(/^vnfm_vnfs\{phase="Running"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^vnfm_vnfs_in_sync (\d+)$/m)).toBeGreaterThanOrEqual(1);
    // By kind, no URI label: a URI can name users, hosts and socket paths, and a read token scrapes this.
    expect(value(/^vnfm_libvirt_connected\{kind="vm"\} (\d)$/m)).toBe(1);
    expect(value(/^vnfm_reconcile_passes_total (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(response.text).toContain('# TYPE vnfm_device_claims gauge');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
