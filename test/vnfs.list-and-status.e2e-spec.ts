import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEventHint } from '../libs/libvirt/src/index.js';
import { Reconciler, type DomainStatusView } from '../libs/reconciler/src/index.js';
import { eventually } from './support/libvirtd.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, domstate, uniqueName, virsh } from './support/virsh.js';

const URI = TEST_DRIVER_URI;

describe('GET /vnfs: pages by opaque cursor, filters by phase and labels', () => {
  let t: TestApp;
  const prefix = uniqueName('page');
  const names = Array.from({ length: 7 }, (_, index) => `${prefix}-${index}`);

  beforeAll(async () => {
    t = await startTestApp(URI);
    for (const [index, name] of names.entries()) {
      await t.http
        .post('/api/v1/vnfs')
        .send({ name, vcpus: 1, memoryMiB: 64, labels: { site: index % 2 === 0 ? 'edge' : 'core' }, powerState: index === 3 ? 'stopped' : 'running' })
        .expect(201);
    }
  });
  afterAll(async () => {
    for (const name of names) await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
  });

  it('walks every VNF once, in name order, a page at a time; the last page has nextCursor null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${cursor}`;
      const page = await t.http.get(`/api/v1/vnfs${query}`).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((item: { name: string }) => item.name));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen).toEqual([...names].sort());
    expect(pages).toBe(3);
    // Items are whole views, with the domain as vnfm last knew it.
    const first = await t.http.get('/api/v1/vnfs?limit=1').expect(200);
    expect(first.body.items[0].status.domain).toMatchObject({ state: 'running', persistent: true });
    expect(typeof first.body.nextCursor).toBe('string');
  });

  it('defaults to pages of 100', async () => {
    const page = await t.http.get('/api/v1/vnfs').expect(200);
    expect(page.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(page.body.items).toHaveLength(names.length);
  });

  it('filters by phase and by label, with pages of the filtered list', async () => {
    const stopped = await t.http.get('/api/v1/vnfs?phase=Stopped').expect(200);
    expect(stopped.body.items.map((item: { name: string }) => item.name)).toEqual([names[3]]);
    const edge = await t.http.get('/api/v1/vnfs?label=site=edge&phase=Running&limit=2').expect(200);
    expect(edge.body.items.map((item: { name: string }) => item.name)).toEqual([names[0], names[2]]);
    const rest = await t.http.get(`/api/v1/vnfs?label=site=edge&phase=Running&limit=2&cursor=${edge.body.nextCursor}`).expect(200);
    expect(rest.body.items.map((item: { name: string }) => item.name)).toEqual([names[4], names[6]]);
    const present = await t.http.get('/api/v1/vnfs?label=site').expect(200);
    expect(present.body.items).toHaveLength(names.length);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('{"after":"../x"}').toString('base64url')}`, 'cursor'],
    ['phase=Sleeping', 'phase'],
    ['limit=2&limit=3', 'limit'],
  ])('refuses ?%s with a 400 problem naming %s', async (query, field) => {
    const response = await t.http.get(`/api/v1/vnfs?${query}`).expect(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});

describe('the status GET shows is kept from events and passes, with no libvirt call per GET', () => {
  let t: TestApp;

  afterAll(async () => {
    await t?.close();
  });

  it('follows a virsh destroy through its event, and a pass, with event hints off (nothing repairs it in between)', async () => {
    t = await startTestApp(URI, { VNFM_DOMAIN_EVENT_HINTS: 'off', VNFM_RECONCILE_INTERVAL_MS: '3600000' });
    const name = uniqueName('view');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.domain.state).toBe('running');

    await virsh(URI, 'destroy', name);
    expect(await domstate(URI, name)).toBe('shut off');
    await eventually(async () => (await t.http.get(`/api/v1/vnfs/${name}`)).body.status.domain.state === 'shutoff', 5_000, 'the view to follow the stopped event');
    const listed = await t.http.get(`/api/v1/vnfs?limit=1000`).expect(200);
    expect(listed.body.items.find((item: { name: string }) => item.name === name).status.domain.state).toBe('shutoff');

    // A pass repairs it; the view shows what the pass did.
    await t.http.post('/api/v1/reconcile').expect(200);
    expect(await domstate(URI, name)).toBe('running');
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.domain.state).toBe('running');

    // virsh undefine of a running domain: transient, as the event says.
    await virsh(URI, 'undefine', name);
    await eventually(async () => (await t.http.get(`/api/v1/vnfs/${name}`)).body.status.domain.persistent === false, 5_000, 'the view to follow the undefined event');
    await t.http.post('/api/v1/reconcile').expect(200);
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.domain).toMatchObject({ state: 'running', persistent: true });
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await t.http.get(`/api/v1/vnfs/${name}`))).toHaveProperty('status', 404);
  });
});

describe('one reconcile per create; a change behind vnfm\'s back still repairs on its event', () => {
  let t: TestApp;

  afterAll(async () => {
    await t?.close();
  });

  it("a create's own defined/started events do not reconcile it again; a virsh destroy does, at once", async () => {
    t = await startTestApp(URI, { VNFM_RECONCILE_INTERVAL_MS: '3600000' });
    const name = uniqueName('once');
    const created = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    const runs = () => Number(/vnfm_reconcile_runs_total (\d+)/.exec(metrics)?.[1] ?? Number.NaN);
    let metrics = (await t.http.get('/metrics').expect(200)).text;
    await new Promise((resolve) => setTimeout(resolve, 500));
    metrics = (await t.http.get('/metrics').expect(200)).text;
    const afterCreate = runs();
    expect(afterCreate).toBe(1);

    await virsh(URI, 'destroy', name);
    await eventually(async () => (await domstate(URI, name)) === 'running', 5_000, 'repaired on the stopped event');
    metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(runs()).toBeGreaterThan(afterCreate);
    expect((await t.http.get(`/api/v1/vnfs/${created.body.name}`).expect(200)).body.status.domain.state).toBe('running');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});

describe('GET /vnfs answered again (kept pages) is never older than what it shows', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('a row changed in the file by another process, a domain event and an API write each show on the very next page', async () => {
    t = await startTestApp(URI, { VNFM_DOMAIN_EVENT_HINTS: 'off', VNFM_RECONCILE_INTERVAL_MS: '3600000' });
    const name = uniqueName('kept');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64, labels: { tier: 'a' } }).expect(201);
    const item = async () => {
      const page = await t.http.get('/api/v1/vnfs?limit=1000').expect(200).expect('content-type', /application\/json/);
      return page.body.items.find((entry: { name: string }) => entry.name === name);
    };
    expect((await item()).status.phase).toBe('Running');
    expect((await item()).status.phase).toBe('Running'); // the kept answer

    // Another process writes the file (vnfm's own connection sees no write of its own).
    const other = new Database(t.dbPath);
    const stored = other.prepare(`SELECT "spec" FROM "vnf" WHERE "name" = ?`).pluck().get(name) as string;
    other.prepare(`UPDATE "vnf" SET "spec" = '{"damaged": ' WHERE "name" = ?`).run(name);
    const damaged = await item();
    expect(damaged.status.phase).toBe('Failed');
    expect(damaged.status.lastError.code).toBe('spec-unreadable');
    other.prepare(`UPDATE "vnf" SET "spec" = ? WHERE "name" = ?`).run(stored, name);
    other.close();
    expect((await item()).status.phase).toBe('Running');

    // A domain event (nothing else runs: hints and passes are off) changes only the status vnfm knows.
    await virsh(URI, 'destroy', name);
    await eventually(async () => (await t.http.get(`/api/v1/vnfs/${name}`)).body.status.domain.state === 'shutoff', 5_000, 'the view to follow the stopped event');
    expect((await item()).status.domain.state).toBe('shutoff');

    // An API write.
    await t.http.put(`/api/v1/vnfs/${name}`).send({ name, vcpus: 1, memoryMiB: 64, labels: { tier: 'b' } }).expect(200);
    expect((await item()).spec.labels).toEqual({ tier: 'b' });
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await eventually(async () => (await item()) === undefined, 5_000, 'the deleted VNF to leave the page');
  });
});

describe('the answer to a stop', () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
  });

  it('shows the domain as libvirt has it after the shutdown request, even before the stopped event arrives, and the phase with it', async () => {
    t = await startTestApp(URI, { VNFM_RECONCILE_INTERVAL_MS: '3600000' });
    const name = uniqueName('stopnow');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    // libvirt's events reach the status view only after the answer (as on a busy host).
    const view = (t.app.get(Reconciler) as unknown as { observer: { view: DomainStatusView } }).observer.view;
    const applyEvent = view.applyEvent.bind(view);
    const late: DomainEventHint[] = [];
    view.applyEvent = (event) => void late.push(event);
    try {
      const answer = await t.http.post(`/api/v1/vnfs/${name}/stop`).expect(202);
      expect(await domstate(URI, name)).toBe('shut off'); // the test driver stops a domain at once
      expect(answer.body.status.domain.state).toBe('shutoff');
      // The answer agrees with itself and with a GET right after: the stop is done, nothing awaited.
      expect(answer.body.status).toMatchObject({ phase: 'Stopped', inSync: true });
      expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status).toMatchObject({ phase: 'Stopped', domain: { state: 'shutoff' } });
    } finally {
      view.applyEvent = applyEvent;
      for (const event of late) applyEvent(event);
    }
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
