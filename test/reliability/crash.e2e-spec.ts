import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvariants, readDb, removeDomains } from '../support/invariants.js';
import { sleep } from '../support/libvirtd.js';
import { x86Host, type HostFixture } from '../support/sysfs-fixture.js';
import { TEST_DRIVER_URI } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody, type Json, type VnfmProcess } from '../support/vnfm-service.js';
import { describeAnswer, until } from './helpers.js';

const URI = TEST_DRIVER_URI;
const PREFIX = `crash${Date.now().toString(36).slice(-4)}`;
const ours = (name: string) => name.startsWith(`${PREFIX}-`);
const BURST = 16;

/**
 * kill -9 of vnfm in the middle of a burst of creates (devices, explicit and assigned MACs),
 * then a restart: every 201 is there (row and domain), no domain without a row, no device
 * claimed twice, no MAC twice.
 */
describe('SIGKILL during a burst of creates, then restart (test+unix:///default)', () => {
  let host: HostFixture;
  let dir: string;
  beforeAll(() => {
    host = x86Host();
    dir = mkdtempSync(join(tmpdir(), 'vnfm-crash-burst-'));
  });
  afterAll(async () => {
    await stopAllVnfm();
    await removeDomains(URI, ours);
    host?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function service(dbPath: string): Promise<VnfmProcess> {
    return startVnfm({
      dbPath,
      uri: URI,
      env: { VNFM_SYSFS_ROOT: host.sysfsRoot, VNFM_PROCFS_ROOT: host.procfsRoot, VNFM_RECONCILE_INTERVAL_MS: '1000' },
    });
  }

  /** The burst: some take a VF or the Mellanox function by `select`, some an explicit MAC (two share one), the rest assigned MACs. */
  function burstBody(name: string, index: number, round: string): Json {
    const explicit = (n: number) => `52:54:00:c${round.length % 10}:${(Number.parseInt(round, 36) % 256).toString(16).padStart(2, '0')}:${n.toString(16).padStart(2, '0')}`;
    switch (index % 4) {
      case 0:
        return vnfBody(name, { interfaces: [{ type: 'user' }], hostDevices: [{ type: 'vfio-pci', select: index % 8 === 0 ? { vendor: '8086', device: '154c' } : { vendor: '15b3', device: '1017' } }] });
      case 1:
        // Indices 1 and 5 ask for the same MAC: at most one may get it.
        return vnfBody(name, { interfaces: [{ type: 'user', mac: explicit(index === 5 ? 1 : index) }, { type: 'user' }] });
      default:
        return vnfBody(name, { interfaces: [{ type: 'user' }, { type: 'user' }] });
    }
  }

  it.each([
    ['after the first 201', 1],
    ['after six 201s', 6],
    ['while the first requests are still in flight', 0],
  ])('kill -9 %s: after a restart every acknowledged VNF exists, no orphan, no device or MAC twice', async (_when, killAfter) => {
    const round = Math.floor(Math.random() * 36 ** 3).toString(36);
    const dbPath = join(dir, `burst-${round}.db`);
    const doomed = await service(dbPath);
    const names = Array.from({ length: BURST }, (_, index) => `${PREFIX}-${round}-${index}`);
    const acknowledged: Array<{ name: string; id: string }> = [];
    const answers: string[] = [];
    const burst = names.map((name, index) =>
      doomed.call('POST', '/vnfs', burstBody(name, index, round)).then(
        (answer) => {
          answers.push(`${name}: ${answer.status}`);
          if (answer.status === 201) acknowledged.push({ name, id: answer.body.id });
          else expect([409, 422, 503], `${name}: ${describeAnswer(answer)}`).toContain(answer.status);
        },
        () => answers.push(`${name}: no answer`),
      ),
    );
    if (killAfter === 0) await sleep(20);
    else await until(async () => acknowledged.length, (count) => count >= killAfter, 30_000, `${killAfter} creates acknowledged`, 5);
    await doomed.kill9();
    await Promise.all(burst);
    expect(doomed.child.signalCode).toBe('SIGKILL');

    const restarted = await service(dbPath);
    try {
      const pass = await restarted.call('POST', '/reconcile');
      expect(pass.status, describeAnswer(pass)).toBe(200);
      const scope = { uri: URI, dbPath, inScope: (name: string) => name.startsWith(`${PREFIX}-${round}-`), acknowledged };
      await expectInvariants(scope, 20_000);
      for (const ack of acknowledged) {
        const answer = await restarted.call('GET', `/vnfs/${ack.name}`);
        expect(answer.status, `acknowledged ${ack.name}: ${describeAnswer(answer)}`).toBe(200);
        expect(answer.body.id).toBe(ack.id);
      }
      // The claims never exceed the devices that exist: two VFs and one Mellanox function.
      const claims = readDb(dbPath, (db) => db.prepare(`SELECT "device_key" FROM "device_claim"`).all() as Array<{ device_key: string }>);
      expect(claims.length).toBeLessThanOrEqual(3);

      // Everything can be deleted afterwards, and then nothing is left.
      const rows = readDb(dbPath, (db) => db.prepare(`SELECT "name" FROM "vnf"`).all() as Array<{ name: string }>).map((row) => row.name);
      for (const name of rows) expect((await restarted.call('DELETE', `/vnfs/${name}`)).status, `DELETE ${name}`).toBe(202);
      await expectInvariants({ ...scope, acknowledged: [], absent: names }, 20_000);
      expect(readDb(dbPath, (db) => (db.prepare(`SELECT count(*) AS n FROM "device_claim"`).get() as { n: number }).n)).toBe(0);
    } finally {
      await restarted.stop();
    }
  });
});
