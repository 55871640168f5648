import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectInvariants, observeDomains, readDb, removeDomains } from '../support/invariants.js';
import { TEST_DRIVER_URI } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody, type HttpAnswer, type VnfmProcess } from '../support/vnfm-service.js';
import { describeAnswer, expectProblem } from './helpers.js';

const URI = TEST_DRIVER_URI;
const PREFIX = `race${Date.now().toString(36).slice(-4)}`;
const ours = (name: string) => name.startsWith(`${PREFIX}-`);
/** A MAC no other test uses: 52:54:00 + 3 random bytes, fresh per call. */
const freshMac = () => `52:54:00:${[0, 0, 0].map(() => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join(':')}`;

/** Parallel requests that compete for one MAC: SQLite and vnfm let exactly one win. */
describe('races for one MAC address (test+unix:///default)', () => {
  let dir: string;
  let svc: VnfmProcess;
  let dbPath: string;
  let acknowledged: Array<{ name: string; id: string }> = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vnfm-race-'));
  });
  // Each test its own vnfm and database, so one test's failure cannot spill into the next.
  beforeEach(async (context) => {
    dbPath = join(dir, `${context.task.id}.db`);
    acknowledged = [];
    svc = await startVnfm({ dbPath, uri: URI, env: { VNFM_RECONCILE_INTERVAL_MS: '1000' } });
  });
  afterEach(async () => {
    for (const ack of acknowledged) await svc?.call('DELETE', `/vnfs/${ack.name}`).catch(() => undefined);
    await stopAllVnfm();
  });
  afterAll(async () => {
    await stopAllVnfm();
    await removeDomains(URI, ours);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rows of `vnf` whose spec uses `mac` (and the vnf_mac rows, once that table exists). */
  function rowsUsing(mac: string): string[] {
    return readDb(dbPath, (db) => (db.prepare(`SELECT "name", "spec" FROM "vnf"`).all() as Array<{ name: string; spec: string }>).filter((row) => row.spec.toLowerCase().includes(mac)).map((row) => row.name));
  }

  async function domainsUsing(mac: string): Promise<string[]> {
    return (await observeDomains(URI, ours)).filter((domain) => domain.macs.includes(mac)).map((domain) => domain.name);
  }

  it('8 parallel POST /vnfs with the same explicit MAC: exactly one 201, seven 409 mac-in-use; one row, one domain', async () => {
    const mac = freshMac();
    const names = Array.from({ length: 8 }, (_, index) => `${PREFIX}-post-${index}`);
    const answers = await Promise.all(names.map((name) => svc.call('POST', '/vnfs', vnfBody(name, { interfaces: [{ type: 'user', mac }] }))));
    const statuses = answers.map((answer) => answer.status);
    const winners = answers.map((answer, index) => ({ answer, name: names[index]! })).filter(({ answer }) => answer.status === 201);
    for (const { answer, name } of winners) acknowledged.push({ name, id: answer.body.id });
    expect(statuses.filter((status) => status === 201).length, `statuses ${statuses.join(',')}`).toBe(1);
    for (const answer of answers.filter((candidate) => candidate.status !== 201)) expectProblem(answer, 409, 'mac-in-use');
    expect(rowsUsing(mac)).toEqual([winners[0]!.name]);
    expect(await domainsUsing(mac)).toEqual([winners[0]!.name]);
    await expectInvariants({ uri: URI, dbPath, inScope: (name) => name.startsWith(`${PREFIX}-post-`), acknowledged, absent: names.filter((name) => !winners.some((winner) => winner.name === name)) });
  });

  it.each([2, 4])('parallel PUTs replacing %i different VNFs with the same MAC: at most one succeeds, round after round', async (count) => {
    const names = Array.from({ length: count }, (_, index) => `${PREFIX}-put${count}-${index}`);
    for (const name of names) {
      const created = await svc.call('POST', '/vnfs', vnfBody(name, { interfaces: [{ type: 'user', mac: freshMac() }] }));
      expect(created.status, describeAnswer(created)).toBe(201);
      acknowledged.push({ name, id: created.body.id });
    }
    for (let round = 0; round < 6; round += 1) {
      const mac = freshMac();
      const answers: HttpAnswer[] = await Promise.all(names.map((name) => svc.call('PUT', `/vnfs/${name}`, vnfBody(name, { interfaces: [{ type: 'user', mac }] }))));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200).length, `round ${round}: statuses ${statuses.join(',')}`).toBeLessThanOrEqual(1);
      for (const answer of answers.filter((candidate) => candidate.status !== 200)) expectProblem(answer, 409, 'mac-in-use');
      const winner = names.filter((_, index) => statuses[index] === 200);
      expect(rowsUsing(mac), `round ${round}: rows using ${mac}`).toEqual(winner);
      await expectInvariants({ uri: URI, dbPath, inScope: (name) => name.startsWith(`${PREFIX}-put${count}-`), acknowledged });
      expect(await domainsUsing(mac), `round ${round}: domains using ${mac}`).toEqual(winner);
    }
  });
});
