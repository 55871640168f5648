/**
 * Reconcile pass cost with 1,000 VNFs on libvirt's test driver, next to a baseline measured in
 * the same run: one virsh process doing the same libvirt reads (list + dumpxml --inactive of
 * every domain) and, for the repair, the same starts.
 * Usage: npm run bench:reconcile [-- VNFS SABOTAGED]   (default 1000 100)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../apps/api/src/server.js';
import { Reconciler } from '../libs/reconciler/src/index.js';
import { VnfUseCases } from '../libs/use-cases/src/index.js';
import { loadConfig } from '../libs/config/src/index.js';
import { NativeConnection } from '../libs/libvirt-native/src/index.js';
import { virshBatch } from './virsh-batch.js';

const URI = 'test+unix:///default';
const total = Number(process.argv[2] ?? 1000);
const sabotaged = Number(process.argv[3] ?? 100);

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-bench-'));
  // Keep the test driver's state alive across the whole run (it lives while a connection is open).
  const keeper = await NativeConnection.open(URI);
  const config = loadConfig({
    VNFM_LIBVIRT_URI: URI,
    VNFM_DB_PATH: join(dir, 'vnfm.db'),
    VNFM_DOMAIN_TYPE: 'qemu',
    VNFM_RECONCILE_INTERVAL_MS: '86400000',
    VNFM_DOMAIN_EVENT_HINTS: 'off',
    VNFM_LOG_LEVEL: 'error',
  });
  const app = await createApp(config, { logger: false });
  const names = Array.from({ length: total }, (_, index) => `bench-${process.pid}-${index}`);
  try {
    const vnfs = app.get(VnfUseCases);
    const reconciler = app.get(Reconciler);
    const createMs = await timed(async () => {
      for (let index = 0; index < names.length; index += 16) {
        await Promise.all(names.slice(index, index + 16).map((name) => vnfs.create({ name, vcpus: 1, memoryMiB: 64, interfaces: [{ type: 'user' }] }, { dryRun: false })));
      }
    });
    const reads = ['list --all', ...names.map((name) => `dumpxml --inactive ${name}`)];

    const inSync: number[] = [];
    const baselineReads: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      inSync.push(await timed(() => reconciler.requestPass()));
      baselineReads.push(await virshBatch(URI, reads));
    }

    const victims = names.slice(0, sabotaged);
    for (const name of victims) await keeper.destroy((await keeper.lookupByName(name)).uuid);
    let repaired = 0;
    const repairMs = await timed(async () => {
      const report = await reconciler.requestPass();
      repaired = report.vnfs.filter((outcome: { actions: string[] }) => outcome.actions.includes('start:stopped')).length;
    });
    for (const name of victims) await keeper.destroy((await keeper.lookupByName(name)).uuid);
    const baselineRepair = await virshBatch(URI, [...reads, ...victims.map((name) => `start ${name}`)]);

    const row = (label: string, vnfm: number, baseline: number) =>
      console.log(`| ${label} | ${vnfm.toFixed(0)} | ${baseline.toFixed(0)} | ${(vnfm / baseline).toFixed(2)} |`);
    console.log(`reconcile passes on ${URI}: ${total} VNFs (created in ${(createMs / 1000).toFixed(1)} s), ${sabotaged} destroyed behind vnfm's back`);
    console.log('| pass | vnfm ms | virsh baseline ms | vnfm / baseline |');
    console.log('| --- | --- | --- | --- |');
    row(`in sync (median of 3; baseline: list + ${total} dumpxml --inactive)`, median(inSync), median(baselineReads));
    row(`repairing ${repaired} destroyed domains (baseline: the same reads + ${sabotaged} start)`, repairMs, baselineRepair);
  } finally {
    await app.close();
    for (const name of names) {
      const uuid = await keeper.lookupByName(name).then((domain) => domain.uuid, () => null);
      if (uuid) {
        await keeper.destroy(uuid).catch(() => undefined);
        await keeper.undefine(uuid).catch(() => undefined);
      }
    }
    await keeper.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
