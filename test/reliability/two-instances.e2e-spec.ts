import { linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvariants, observeDomains } from '../support/invariants.js';
import { startPrivateLibvirtd, stopAllPrivateLibvirtd, type PrivateLibvirtd } from '../support/private-libvirtd.js';
import { startVnfm, stopAllVnfm, vnfBody, type Json, type VnfmProcess } from '../support/vnfm-service.js';
import { describeAnswer, passesElapse, stateOf, until, writeDb } from './helpers.js';

const TAG = Date.now().toString(36).slice(-4);
const A = `twoa${TAG}`;
const B = `twob${TAG}`;

/**
 * Two vnfm instances on one libvirtd, each with its own database; the second removes orphans
 * (VNFM_ORPHAN_POLICY=delete). It must never destroy or undefine the first one's domains, only
 * report them; an orphan of its own it does remove. A private libvirtd: orphan deletion must not
 * reach the shared system daemon.
 */
describe('two vnfm instances on one libvirtd (private libvirtd, test driver)', () => {
  let daemon: PrivateLibvirtd;
  let dir: string;
  let first: VnfmProcess;
  let second: VnfmProcess;
  const firstNames = { running: `${A}-run`, stopped: `${A}-stopped` };
  const secondNames = { kept: `${B}-kept`, orphan: `${B}-orphan` };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    dir = mkdtempSync(join(tmpdir(), 'vnfm-two-'));
  });
  afterAll(async () => {
    await stopAllVnfm();
    await stopAllPrivateLibvirtd();
    rmSync(dir, { recursive: true, force: true });
  });

  const startFirst = () => startVnfm({ dbPath: join(dir, 'first.db'), uri: daemon.uri, env: { VNFM_RECONCILE_INTERVAL_MS: '1000' } });
  const startSecond = () => startVnfm({ dbPath: join(dir, 'second.db'), uri: daemon.uri, env: { VNFM_RECONCILE_INTERVAL_MS: '1000', VNFM_ORPHAN_POLICY: 'delete' } });

  /** PUT: creates the VNF, or changes nothing when it is there already (each test can set up what it needs). */
  async function ensure(svc: VnfmProcess, name: string, extra: Json = {}): Promise<void> {
    const answer = await svc.call('PUT', `/vnfs/${name}`, vnfBody(name, extra));
    expect([200, 201], describeAnswer(answer)).toContain(answer.status);
    ids[name] = answer.body.id;
  }

  /** Both instances running, the first with its two VNFs (one running, one stopped), the second with one. */
  async function ensureInstances(): Promise<void> {
    if (!first?.alive()) first = await startFirst();
    await ensure(first, firstNames.running);
    await ensure(first, firstNames.stopped, { powerState: 'stopped' });
    await until(() => stateOf(daemon.uri, firstNames.stopped), (state) => state === 'shut off', 10_000, `${firstNames.stopped} shut off`);
    await firstUntouched('before the second instance');
    if (!second?.alive()) second = await startSecond();
    await ensure(second, secondNames.kept);
  }

  /** The first instance's domains, exactly as they were: same UUID, same state. */
  async function firstUntouched(when: string): Promise<void> {
    const domains = await observeDomains(daemon.uri, (name) => name.startsWith(`${A}-`));
    expect(domains.map((domain) => domain.name).sort(), `${when}: the first instance's domains`).toEqual(Object.values(firstNames).sort());
    for (const domain of domains) expect(domain.uuid, `${when}: ${domain.name}'s uuid`).toBe(ids[domain.name]);
    expect(await stateOf(daemon.uri, firstNames.running), `${when}: ${firstNames.running}`).toBe('running');
    expect(await stateOf(daemon.uri, firstNames.stopped), `${when}: ${firstNames.stopped}`).toBe('shut off');
  }

  /** In a pass report of the second instance, the first one's domains are reported, never deleted. */
  function reportsFirstAsForeign(report: Json, when: string): void {
    const entries = [...((report.orphans as Json[] | undefined) ?? []), ...((report.foreign as Json[] | undefined) ?? [])];
    for (const name of Object.values(firstNames)) {
      const mine = entries.filter((entry) => entry.name === name);
      expect(mine.length, `${when}: ${name} listed under orphans or foreign in ${JSON.stringify(report).slice(0, 600)}`).toBeGreaterThan(0);
      for (const entry of mine) expect([undefined, 'reported', 'none'], `${when}: ${JSON.stringify(entry)}`).toContain(entry.action);
    }
  }

  it("the delete-policy instance never destroys or undefines the other instance's domains across several passes; it reports them", async () => {
    await ensureInstances();
    await firstUntouched('after the second instance started');
    for (let pass = 1; pass <= 4; pass += 1) {
      const report = await second.call('POST', '/reconcile');
      expect(report.status, describeAnswer(report)).toBe(200);
      reportsFirstAsForeign(report.body, `pass ${pass}`);
      await firstUntouched(`after the second instance's pass ${pass}`);
    }
    // And its own scheduled passes (interval 1 s).
    await passesElapse(second, 3, 6_000);
    await firstUntouched("after the second instance's scheduled passes");
    // The first instance still sees its own VNFs in sync.
    const firstPass = await first.call('POST', '/reconcile');
    expect(firstPass.status, describeAnswer(firstPass)).toBe(200);
    for (const name of Object.values(firstNames)) expect((firstPass.body.vnfs as Json[]).find((entry) => entry.name === name), name).toMatchObject({ result: 'in-sync' });

    await expectInvariants({ uri: daemon.uri, dbPath: first.dbPath, inScope: (name) => name.startsWith(`${A}-`), acknowledged: Object.values(firstNames).map((name) => ({ name, id: ids[name]! })) });
    await expectInvariants({ uri: daemon.uri, dbPath: second.dbPath, inScope: (name) => name.startsWith(`${B}-`), acknowledged: [{ name: secondNames.kept, id: ids[secondNames.kept]! }] });
  });

  it('an orphan of the delete-policy instance itself (its row removed from its database while it was stopped) is deleted by it; the other instance is still untouched', async () => {
    await ensureInstances();
    await ensure(second, secondNames.orphan);
    await until(() => stateOf(daemon.uri, secondNames.orphan), (state) => state === 'running', 10_000, `${secondNames.orphan} running`);
    await second.stop();
    const orphanId = ids[secondNames.orphan]!;
    writeDb(second.dbPath, (db) => {
      db.pragma('foreign_keys = ON');
      const tables = (db.prepare(`SELECT "name" FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((row) => row.name);
      db.transaction(() => {
        if (tables.includes('device_claim')) db.prepare(`DELETE FROM "device_claim" WHERE "vnf_id" = ?`).run(orphanId);
        if (tables.includes('vnf_mac')) db.prepare(`DELETE FROM "vnf_mac" WHERE "vnf_id" = ?`).run(orphanId);
        expect(db.prepare(`DELETE FROM "vnf" WHERE "id" = ?`).run(orphanId).changes).toBe(1);
      })();
    });
    expect(await stateOf(daemon.uri, secondNames.orphan)).toBe('running');

    second = await startSecond();
    await until(() => stateOf(daemon.uri, secondNames.orphan), (state) => state === null, 15_000, `the second instance to delete its orphan ${secondNames.orphan}`);
    await firstUntouched('after the second instance deleted its own orphan');
    expect(await stateOf(daemon.uri, secondNames.kept)).toBe('running');
    const report = await second.call('POST', '/reconcile');
    expect(report.status, describeAnswer(report)).toBe(200);
    reportsFirstAsForeign(report.body, 'after the orphan was deleted');
    await firstUntouched('at the end');

    await expectInvariants({ uri: daemon.uri, dbPath: first.dbPath, inScope: (name) => name.startsWith(`${A}-`), acknowledged: Object.values(firstNames).map((name) => ({ name, id: ids[name]! })) });
    await expectInvariants({ uri: daemon.uri, dbPath: second.dbPath, inScope: (name) => name.startsWith(`${B}-`), acknowledged: [{ name: secondNames.kept, id: ids[secondNames.kept]! }], absent: [secondNames.orphan] });
    for (const name of Object.values(firstNames)) expect((await first.call('DELETE', `/vnfs/${name}`)).status).toBe(202);
    expect((await second.call('DELETE', `/vnfs/${secondNames.kept}`)).status).toBe(202);
    await expectInvariants({ uri: daemon.uri, dbPath: second.dbPath, inScope: () => true, absent: [...Object.values(firstNames), ...Object.values(secondNames)] });
  });
  it('a second vnfm on the same database file, or on a second name of it (a hard link, the file moved), exits 4 naming why and changes nothing; after kill -9 of the holder the next start serves what was acknowledged', async () => {
    const shared = join(dir, 'shared.db');
    const holder = await startVnfm({ dbPath: shared, uri: daemon.uri });
    const name = `${A}-shared`;
    const created = await holder.call('POST', '/vnfs', vnfBody(name));
    expect(created.status, describeAnswer(created)).toBe(201);

    const intruder = await startVnfm({ dbPath: shared, uri: daemon.uri, waitReady: false });
    expect(await intruder.exited, intruder.output().slice(-2000)).toBe(4);
    expect(intruder.output()).toContain('served by another vnfm');
    expect(intruder.output()).toContain(`(process ${holder.child.pid} holds ${shared}.lock)`);
    // Under a second name (a hard link) the lock and the -wal would be its own: refused as well.
    const secondName = join(dir, 'shared-link.db');
    linkSync(shared, secondName);
    const linked = await startVnfm({ dbPath: secondName, uri: daemon.uri, waitReady: false });
    expect(await linked.exited, linked.output().slice(-2000)).toBe(4);
    expect(linked.output()).toContain('has 2 names (hard links to');
    unlinkSync(secondName);
    // Moved while served: one name again, but a lock and a -wal of its own under the new one. The
    // file itself is held (SQLite's lock on the database), so the holder is found by the file.
    const moved = join(dir, 'moved', 'shared.db');
    mkdirSync(join(dir, 'moved'));
    renameSync(shared, moved);
    const renamed = await startVnfm({ dbPath: moved, uri: daemon.uri, waitReady: false });
    expect(await renamed.exited, renamed.output().slice(-2000)).toBe(4);
    expect(renamed.output()).toContain(`is open in process ${holder.child.pid}`);
    renameSync(moved, shared);
    // The holder is untouched and still takes writes.
    const listed = await holder.call('GET', '/vnfs');
    expect((listed.body.items as Json[]).map((vnf) => vnf.name)).toEqual([name]);
    expect((await holder.call('PUT', `/vnfs/${name}`, vnfBody(name, { powerState: 'stopped' }))).status).toBe(200);

    // kill -9 leaves no stale lock: the kernel released it with the process.
    await holder.kill9();
    const next = await startVnfm({ dbPath: shared, uri: daemon.uri });
    const kept = await next.call('GET', `/vnfs/${name}`);
    expect(kept.status, describeAnswer(kept)).toBe(200);
    expect(kept.body).toMatchObject({ id: created.body.id, spec: { powerState: 'stopped' } });
    expect((await next.call('DELETE', `/vnfs/${name}`)).status).toBe(202);
    await until(() => stateOf(daemon.uri, name), (state) => state === null, 15_000, `${name} deleted`);
    await next.stop();
  });
});
