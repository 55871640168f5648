import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/libvirtd.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI as URI, listAll, uniqueName, virsh } from '../support/virsh.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, checked field by field
type Json = Record<string, any>;

/**
 * Edges the red team found: damaged numeric columns, a domain under a VNF's UUID that another
 * instance has marked, and a VNF's domain renamed behind vnfm's back. Each VNF fails alone, with
 * a typed error; nothing of another instance is ever removed; nothing of ours is left behind.
 */
describe('ownership and damaged-row edges (test driver, in-process service)', () => {
  let t: TestApp;
  let scratch: string;
  beforeAll(async () => {
    t = await startTestApp(URI, { VNFM_RECONCILE_INTERVAL_MS: '3600000' });
    scratch = mkdtempSync(join(tmpdir(), 'vnfm-edges-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const create = async (name: string, extra: Json = {}) =>
    (await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64, interfaces: [{ type: 'user' }], ...extra }).expect(201)).body as Json;
  const get = async (name: string) => (await t.http.get(`/api/v1/vnfs/${name}`)).body as Json;
  const events = async (name: string) => ((await t.http.get(`/api/v1/vnfs/${name}/events`)).body as Json).items as Json[];
  const writeRow = (sql: string, ...values: unknown[]) => {
    const db = new Database(t.dbPath);
    try {
      return db.prepare(sql).run(...values).changes;
    } finally {
      db.close();
    }
  };
  /** The VNF's stored id (and its MACs' reference to it) in upper case: no longer a vnfm id. */
  const damageIdCase = (name: string, id: string) => {
    const db = new Database(t.dbPath);
    try {
      db.pragma('foreign_keys = OFF');
      db.prepare(`UPDATE "vnf_mac" SET "vnf_id" = upper("vnf_id") WHERE "vnf_id" = ?`).run(id);
      expect(db.prepare(`UPDATE "vnf" SET "id" = upper("id") WHERE "name" = ?`).run(name).changes).toBe(1);
    } finally {
      db.close();
    }
  };
  const redefine = async (name: string, edit: (xml: string) => string) => {
    const file = join(scratch, `${name}.xml`);
    writeFileSync(file, edit(await virsh(URI, 'dumpxml', '--inactive', name)));
    await virsh(URI, 'define', file);
  };

  // Each damage reaches the domain or decides what is done to it: a damaged row must never be acted on.
  it.each([
    ['a non-numeric generation', `UPDATE "vnf" SET "generation" = 'abc' WHERE "name" = ?`],
    ['an empty spec hash', `UPDATE "vnf" SET "spec_hash" = '' WHERE "name" = ?`],
    ['a spec hash that is markup', `UPDATE "vnf" SET "spec_hash" = 'x</vnfm:specHash><evil/>' WHERE "name" = ?`],
    ['a spec naming another VNF than its row', `UPDATE "vnf" SET "spec" = json_set("spec", '$.name', 'edge-someone-else') WHERE "name" = ?`],
    ['an unknown pending operation', `UPDATE "vnf" SET "pending_operation" = 'explode' WHERE "name" = ?`],
    ['a restart flag that is not 0 or 1', `UPDATE "vnf" SET "restart_required" = 'yes' WHERE "name" = ?`],
    ['a reboot flag that is not 0 or 1', `UPDATE "vnf" SET "reboot_requested" = 'x' WHERE "name" = ?`],
  ])('%s makes that VNF Failed spec-unreadable naming the column; its domain is left as it was, with no redefine loop; PUT repairs it', async (_what, damage) => {
    const name = uniqueName('edge-row');
    const other = uniqueName('edge-ok');
    await create(name);
    await create(other);
    const before = await virsh(URI, 'dumpxml', '--inactive', name);
    expect(writeRow(damage, name)).toBe(1);
    await t.http.post('/api/v1/reconcile').expect(200);
    await t.http.post('/api/v1/reconcile').expect(200);
    const listed = ((await t.http.get('/api/v1/vnfs').expect(200)).body.items as Json[]).find((item) => item.name === name)!;
    expect(listed.status).toMatchObject({ phase: 'Failed', inSync: false, lastError: { code: 'spec-unreadable' } });
    expect(listed.status.lastError.message).toContain('the stored row is damaged');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await events(name)).filter((event) => event.type === 'DriftCorrected').length).toBeLessThanOrEqual(1);
    expect(await virsh(URI, 'dumpxml', '--inactive', name)).toBe(before);
    expect((await listAll(URI)).has('edge-someone-else')).toBe(false);
    expect((await get(other)).status.inSync).toBe(true);
    const repaired = await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 1, memoryMiB: 96, interfaces: [{ type: 'user' }] }).expect(200);
    expect(repaired.body.status.generation).toBeGreaterThanOrEqual(1);
    await t.http.post('/api/v1/reconcile').expect(200);
    expect((await get(name)).status).toMatchObject({ phase: 'Running', inSync: true, lastError: null });
    expect(await virsh(URI, 'dumpxml', '--inactive', name)).toMatch(/<vnfm:specHash>[0-9a-f]{64}<\/vnfm:specHash>/);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await t.http.delete(`/api/v1/vnfs/${other}`).expect(202);
  });

  it('a VNF whose stored id is damaged (upper case) keeps its domain: it is Failed naming the id, and its domain is never taken for an orphan', async () => {
    const name = uniqueName('edge-id');
    const created = await create(name);
    damageIdCase(name, created.id);
    for (let pass = 0; pass < 2; pass += 1) {
      const report = (await t.http.post('/api/v1/reconcile').expect(200)).body as Json;
      expect((report.orphans as Json[]).filter((orphan) => orphan.name === name), JSON.stringify(report.orphans)).toEqual([]);
    }
    expect((await get(name)).status).toMatchObject({ phase: 'Failed', lastError: { code: 'spec-unreadable' } });
    expect((await get(name)).status.lastError.message).toContain('id is');
    expect((await events(name)).map((event) => event.type)).not.toContain('OrphanFound');
    expect((await virsh(URI, 'domstate', name)).trim()).toBe('running');
    // The id cannot be repaired through the API: PUT refuses, naming the way out.
    const refused = await t.http.put(`/api/v1/vnfs/${name}`).send({ vcpus: 1, memoryMiB: 96, interfaces: [{ type: 'user' }] }).expect(422);
    expect(refused.body.detail).toContain('write its id back');
    const fix = new Database(t.dbPath);
    try {
      fix.pragma('foreign_keys = OFF');
      fix.prepare(`UPDATE "vnf" SET "id" = lower("id") WHERE "name" = ?`).run(name);
      fix.prepare(`UPDATE "vnf_mac" SET "vnf_id" = lower("vnf_id") WHERE "vnf_id" = upper(?)`).run(created.id);
    } finally {
      fix.close();
    }
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('DELETE of a VNF whose stored id is damaged removes its domain (claimed by name) with the row: no orphan is left', async () => {
    const name = uniqueName('edge-id-del');
    const created = await create(name);
    damageIdCase(name, created.id);
    await t.http.post('/api/v1/reconcile').expect(200);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await eventually(async () => (await t.http.get(`/api/v1/vnfs/${name}`)).status === 404, 5_000, 'the row to go');
    expect((await listAll(URI)).has(name)).toBe(false);
    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body as Json;
    expect((report.orphans as Json[]).filter((orphan) => orphan.name === name)).toEqual([]);
    // The name is free again at once.
    await create(name);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it("DELETE of a damaged-id row never takes another VNF's domain that holds its name (all ids damaged, one domain renamed over another's name)", async () => {
    const [first, second] = [uniqueName('edge-idx'), uniqueName('edge-idy')];
    const a = await create(first, { powerState: 'stopped' });
    const b = await create(second, { powerState: 'stopped' });
    damageIdCase(first, a.id);
    damageIdCase(second, b.id);
    await virsh(URI, 'undefine', first);
    await virsh(URI, 'domrename', second, first);
    await t.http.delete(`/api/v1/vnfs/${first}`).expect(202);
    await eventually(async () => (await t.http.get(`/api/v1/vnfs/${first}`)).status === 404, 5_000, 'the row to go');
    // The domain named after the first VNF is the second's (its UUID, its mark): it stays.
    expect(await virsh(URI, 'domuuid', first)).toContain(b.id);
    await virsh(URI, 'domrename', first, second);
    await t.http.delete(`/api/v1/vnfs/${second}`).expect(202);
    await eventually(async () => !(await listAll(URI)).has(second), 5_000, 'the second domain to go with its row');
  });

  it('DELETE of a damaged-id row whose domain was renamed behind its back removes that domain (its UUID but for case): no orphan is left', async () => {
    const name = uniqueName('edge-idr');
    const created = await create(name, { powerState: 'stopped' });
    damageIdCase(name, created.id);
    await virsh(URI, 'domrename', name, `${name}-x`);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await eventually(async () => !(await listAll(URI)).has(`${name}-x`), 5_000, 'the renamed domain to be removed');
    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body as Json;
    expect((report.orphans as Json[]).filter((orphan) => orphan.uuid === created.id)).toEqual([]);
  });

  it('a domain under the VNF\'s UUID marked by another instance is left alone, even by DELETE', async () => {
    const name = uniqueName('edge-theirs');
    await create(name, { powerState: 'stopped' });
    await redefine(name, (xml) => xml.replace(/<vnfm:instance>[^<]*<\/vnfm:instance>/, '<vnfm:instance>7e57e57e-0000-4000-8000-00000000beef</vnfm:instance>'));
    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body as Json;
    expect(report.vnfs.find((outcome: Json) => outcome.name === name)).toMatchObject({ result: 'conflict', code: 'domain-name-taken' });
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await t.http.get(`/api/v1/vnfs/${name}`).expect(404);
    expect((await listAll(URI)).has(name)).toBe(true);
    expect(await virsh(URI, 'dumpxml', '--inactive', name)).toContain('7e57e57e-0000-4000-8000-00000000beef');
    await virsh(URI, 'undefine', name);
  });

  it('a VNF whose domain was renamed behind vnfm\'s back is Failed domain-renamed; DELETE removes the renamed domain (no orphan left)', async () => {
    const name = uniqueName('edge-rn');
    const created = await create(name, { powerState: 'stopped' });
    await virsh(URI, 'domrename', name, `${name}-x`);
    await t.http.post('/api/v1/reconcile').expect(200);
    const status = (await get(name)).status as Json;
    expect(status).toMatchObject({ phase: 'Failed', inSync: false, lastError: { code: 'domain-renamed' } });
    expect(status.domain).toMatchObject({ uuid: created.id });
    expect(status.drift).toEqual([expect.stringMatching(/^name: want/)]);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    await eventually(async () => !(await listAll(URI)).has(`${name}-x`), 5_000, 'the renamed domain to be removed');
    const report = (await t.http.post('/api/v1/reconcile').expect(200)).body as Json;
    expect(report.orphans.map((orphan: Json) => orphan.name)).not.toContain(`${name}-x`);
  });
});
