import { join } from 'node:path';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectInvariants, removeDomains } from '../support/invariants.js';
import { makeAllMutable, makeAppendOnly, makeImmutable, makeMutable, mountTinyDisk, rootFsDir, supportsImmutable, unmountAllTinyDisks } from '../support/storage-faults.js';
import { TEST_DRIVER_URI } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody, type HttpAnswer, type VnfmProcess } from '../support/vnfm-service.js';
import { describeAnswer, expectProblem, inactiveXml, passesElapse, stateOf, until } from './helpers.js';

const URI = TEST_DRIVER_URI;
const PREFIX = `stor${Date.now().toString(36).slice(-4)}`;
const ours = (name: string) => name.startsWith(`${PREFIX}-`);

/**
 * A write that is not durable never gets 2xx: with the database unable to commit (full
 * filesystem, immutable file) writes answer 503 database-unavailable, /readyz says why, libvirt
 * is not touched for the refused write, and vnfm recovers by itself once the fault clears.
 * After a restart every acknowledged write is there and there is no orphan.
 */
describe('storage faults (test+unix:///default)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await makeAllMutable();
  });
  afterAll(async () => {
    await stopAllVnfm();
    await makeAllMutable();
    await unmountAllTinyDisks();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await removeDomains(URI, ours);
  });

  interface FaultRun {
    acknowledged: Array<{ name: string; id: string }>;
    refused: string[];
  }

  /**
   * Creates VNFs until the database refuses one (a commit may still fit in space SQLite already
   * holds): every 2xx is acknowledged, every other answer must be 503 database-unavailable.
   */
  async function createUntilRefused(service: VnfmProcess, run: FaultRun, tag: string): Promise<HttpAnswer> {
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const name = `${PREFIX}-${tag}-${attempt}`;
      const answer = await service.call('POST', '/vnfs', vnfBody(name));
      expect(service.alive(), `vnfm died:\n${service.output().slice(-3000)}`).toBe(true);
      if (answer.status >= 200 && answer.status < 300) {
        run.acknowledged.push({ name, id: answer.body.id });
        continue;
      }
      run.refused.push(name);
      expectProblem(answer, 503, 'database-unavailable');
      // No libvirt side effect for a write that was not committed.
      expect(await stateOf(URI, name), `a domain was made for refused ${name}`).toBeNull();
      return answer;
    }
    throw new Error('the database never refused a write: the fault did not take');
  }

  /** What must hold while the fault is on: reads of the refusal, readyz, no side effects. */
  async function duringFault(service: VnfmProcess, run: FaultRun, keep: string, reason: RegExp): Promise<void> {
    const ready = await until(() => service.call('GET', '/readyz'), (answer) => answer.status === 503, 5_000, 'readyz 503 during the fault');
    expect(ready.text, describeAnswer(ready)).toMatch(/database/i);
    expect(ready.text, describeAnswer(ready)).toMatch(reason);

    // Another create: refused, no domain.
    const another = `${PREFIX}-refused-${Math.random().toString(16).slice(2, 8)}`;
    const refusedCreate = await service.call('PUT', `/vnfs/${another}`, vnfBody(another));
    expectProblem(refusedCreate, 503, 'database-unavailable');
    run.refused.push(another);
    expect(await stateOf(URI, another)).toBeNull();

    // A delete: refused, the domain stays defined and running.
    const refusedDelete = await service.call('DELETE', `/vnfs/${keep}`);
    expectProblem(refusedDelete, 503, 'database-unavailable');
    // A replace (memory): refused, the domain keeps its definition.
    const refusedReplace = await service.call('PUT', `/vnfs/${keep}`, vnfBody(keep, { memoryMiB: 256 }));
    expectProblem(refusedReplace, 503, 'database-unavailable');
    // A power change: refused, the guest keeps running.
    const refusedStop = await service.call('POST', `/vnfs/${keep}/stop`);
    expectProblem(refusedStop, 503, 'database-unavailable');

    // A few passes later (interval 1 s) libvirt still holds what was committed, and only that.
    await passesElapse(service, 2, 4_000);
    expect(service.alive(), `vnfm died during the fault:\n${service.output().slice(-3000)}`).toBe(true);
    expect(await stateOf(URI, keep)).toBe('running');
    expect(await inactiveXml(URI, keep)).toMatch(/<memory unit='KiB'>131072<\/memory>/);
    for (const name of run.refused) expect(await stateOf(URI, name), `domain for refused ${name}`).toBeNull();
  }

  /** Once the fault is cleared: ready again within seconds, writes work; then a restart keeps every acknowledged write. */
  async function afterFault(service: VnfmProcess, run: FaultRun, tag: string): Promise<VnfmProcess> {
    await until(() => service.call('GET', '/readyz'), (answer) => answer.status === 200, 10_000, 'readyz 200 after the fault cleared');
    const name = `${PREFIX}-${tag}-after`;
    const created = await service.call('POST', '/vnfs', vnfBody(name));
    expect(created.status, describeAnswer(created)).toBe(201);
    run.acknowledged.push({ name, id: created.body.id });
    await until(() => stateOf(URI, name), (state) => state === 'running', 10_000, `${name} running`);

    await service.stop();
    const restarted = await startVnfm({ dbPath: service.dbPath, uri: URI });
    for (const ack of run.acknowledged) {
      const answer = await restarted.call('GET', `/vnfs/${ack.name}`);
      expect(answer.status, `acknowledged ${ack.name} after restart: ${describeAnswer(answer)}`).toBe(200);
      expect(answer.body.id).toBe(ack.id);
    }
    for (const name of run.refused) expect((await restarted.call('GET', `/vnfs/${name}`)).status, `refused ${name} after restart`).toBe(404);
    await expectInvariants({ uri: URI, dbPath: service.dbPath, inScope: (domain) => domain.startsWith(`${PREFIX}-${tag}-`) || run.refused.includes(domain), acknowledged: run.acknowledged, absent: run.refused });
    return restarted;
  }

  /** A start on `dbPath` that must stop with exit 1, its output naming `reason`. */
  async function expectStartRefused(dbPath: string, reason: string): Promise<VnfmProcess> {
    const refused = await startVnfm({ dbPath, uri: URI, waitReady: false });
    expect(await refused.exited, refused.output().slice(-1500)).toBe(1);
    expect(refused.output()).toContain(reason);
    return refused;
  }

  async function deleteAll(service: VnfmProcess, run: FaultRun, tag: string): Promise<void> {
    for (const ack of run.acknowledged) expect((await service.call('DELETE', `/vnfs/${ack.name}`)).status).toBe(202);
    await expectInvariants({ uri: URI, dbPath: service.dbPath, inScope: (domain) => domain.startsWith(`${PREFIX}-${tag}-`), absent: run.acknowledged.map((ack) => ack.name) });
  }

  it('full filesystem: writes answer 503 database-unavailable, readyz 503, no libvirt side effect; recovers when space returns; acknowledged writes survive a restart', async () => {
    const disk = await mountTinyDisk(4 * 1024 * 1024);
    const dbPath = join(disk.dir, 'vnfm.db');
    const service = await startVnfm({ dbPath, uri: URI, env: { VNFM_RECONCILE_INTERVAL_MS: '1000' } });
    const run: FaultRun = { acknowledged: [], refused: [] };
    const keep = `${PREFIX}-full-keep`;
    const kept = await service.call('POST', '/vnfs', vnfBody(keep));
    expect(kept.status, describeAnswer(kept)).toBe(201);
    run.acknowledged.push({ name: keep, id: kept.body.id });

    await disk.fill();
    expect(disk.freeBytes()).toBeLessThan(8192);
    await createUntilRefused(service, run, 'full');
    await duringFault(service, run, keep, /full|space|SQLITE_FULL|ENOSPC/i);

    disk.clear();
    const restarted = await afterFault(service, run, 'full');
    await deleteAll(restarted, run, 'full');
    await restarted.stop();
    await disk.unmount();
  });

  it('immutable database file (chattr +i): writes answer 503 database-unavailable, readyz 503, no libvirt side effect; recovers after chattr -i; acknowledged writes survive a restart', async (context) => {
    const dir = rootFsDir();
    dirs.push(dir);
    if (!(await supportsImmutable(dir))) context.skip();
    const dbPath = join(dir, 'vnfm.db');
    const service = await startVnfm({ dbPath, uri: URI, env: { VNFM_RECONCILE_INTERVAL_MS: '1000' } });
    const run: FaultRun = { acknowledged: [], refused: [] };
    const keep = `${PREFIX}-imm-keep`;
    const kept = await service.call('POST', '/vnfs', vnfBody(keep));
    expect(kept.status, describeAnswer(kept)).toBe(201);
    run.acknowledged.push({ name: keep, id: kept.body.id });

    const files = [dbPath, `${dbPath}-wal`];
    await makeImmutable(...files);
    try {
      await createUntilRefused(service, run, 'imm');
      await duringFault(service, run, keep, /database/i);
    } finally {
      await makeMutable(...files);
    }
    const restarted = await afterFault(service, run, 'imm');
    await deleteAll(restarted, run, 'imm');
    await restarted.stop();
  });
  it('a database folder vnfm cannot write (chattr +i, after a kill -9) stops the start with exit 1 naming the folder, not exit 4 "served by another vnfm"; writable again, the start serves what was acknowledged', async (context) => {
    const dir = rootFsDir();
    dirs.push(dir);
    if (!(await supportsImmutable(dir))) context.skip();
    const dbPath = join(dir, 'vnfm.db');
    const first = await startVnfm({ dbPath, uri: URI });
    const name = `${PREFIX}-rofolder`;
    const created = await first.call('POST', '/vnfs', vnfBody(name));
    expect(created.status, describeAnswer(created)).toBe(201);
    await first.kill9();
    await makeImmutable(dir);
    try {
      const refused = await expectStartRefused(dbPath, `${JSON.stringify(dir)} is not writable (EPERM)`);
      expect(refused.output()).not.toMatch(/another vnfm/);
    } finally {
      await makeMutable(dir);
    }
    const again = await startVnfm({ dbPath, uri: URI });
    const kept = await again.call('GET', `/vnfs/${name}`);
    expect(kept.status, describeAnswer(kept)).toBe(200);
    expect(kept.body.id).toBe(created.body.id);
    await expectInvariants({ uri: URI, dbPath, inScope: ours, acknowledged: [{ name, id: created.body.id }] });
    expect((await again.call('DELETE', `/vnfs/${name}`)).status).toBe(202);
    await until(() => stateOf(URI, name), (state) => state === null, 15_000, `${name} deleted`);
    await again.stop();
  });
  it('a database vnfm could open only for reading (an append-only file; -wal and -shm immutable beside the real file of a symlinked path) stops the start with exit 1 naming it: it served read-only, not ready for ever', async (context) => {
    const dir = rootFsDir();
    dirs.push(dir);
    if (!(await supportsImmutable(dir))) context.skip();
    const dbPath = join(dir, 'real', 'vnfm.db');
    const first = await startVnfm({ dbPath, uri: URI });
    await first.stop();
    // SQLite opens an append-only file read-only without a word (access(2) calls it writable).
    await makeAppendOnly(dbPath);
    try {
      await expectStartRefused(dbPath, `${JSON.stringify(dbPath)} is not writable (EPERM)`);
    } finally {
      await makeMutable(dbPath);
    }
    // A symlinked path: SQLite keeps -wal and -shm beside the file the link leads to.
    mkdirSync(join(dir, 'links'));
    const link = join(dir, 'links', 'vnfm.db');
    symlinkSync(dbPath, link);
    const sidecars = [`${dbPath}-wal`, `${dbPath}-shm`];
    for (const sidecar of sidecars) closeSync(openSync(sidecar, 'a'));
    await makeImmutable(...sidecars);
    try {
      await expectStartRefused(link, `${JSON.stringify(`${dbPath}-wal`)} is not writable (EPERM)`);
    } finally {
      await makeMutable(...sidecars);
    }
    const again = await startVnfm({ dbPath: link, uri: URI });
    expect((await again.call('GET', '/readyz')).status).toBe(200);
    await again.stop();
  });

  it('a start that cannot make or open the database names the real reason: a folder to be made on a read-only mount (EROFS, not ENOENT); a dangling symlink into a folder vnfm cannot write (that folder, not "unable to open database file")', async (context) => {
    const readOnly = await mountTinyDisk(1024 * 1024, { readOnly: true });
    await expectStartRefused(join(readOnly.dir, 'state', 'vnfm.db'), `${JSON.stringify(readOnly.dir)} is not writable (EROFS)`);

    const dir = rootFsDir();
    dirs.push(dir);
    if (!(await supportsImmutable(dir))) context.skip();
    const target = join(dir, 'target');
    mkdirSync(target);
    const link = join(dir, 'vnfm.db');
    symlinkSync(join(target, 'vnfm.db'), link);
    await makeImmutable(target);
    try {
      await expectStartRefused(link, `${JSON.stringify(target)} is not writable (EPERM)`);
    } finally {
      await makeMutable(target);
    }
    // Writable again: the link's target is made, and the lock is beside it, not beside the link.
    const again = await startVnfm({ dbPath: link, uri: URI });
    expect((await again.call('GET', '/readyz')).status).toBe(200);
    expect(existsSync(join(target, 'vnfm.db.lock'))).toBe(true);
    expect(existsSync(`${link}.lock`)).toBe(false);
    await again.stop();
  });
});
