/**
 * Profiling aid (not a figure): vnfm in this process on the bench's private libvirtd, N VNFs,
 * then a CPU profile of in-sync passes only, written to PROFILE_OUT (default /tmp/vnfm-pass.cpuprofile).
 * Usage: node dist/bench/profile-pass.js [N] [what: pass|get|list|dry|create|repair]
 * `repair`: 5 rounds of the bench's repair figure (20 VNFs destroyed from another connection,
 * until libvirt reports all 20 started again), each round's time printed.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../apps/api/src/server.js';
import { loadConfig } from '../libs/config/src/index.js';
import { Reconciler } from '../libs/reconciler/src/index.js';
import { VnfUseCases } from '../libs/use-cases/src/index.js';
import { Database } from '../libs/inventory/src/index.js';
import { NativeConnection } from '../libs/libvirt-native/src/index.js';
import { startBenchLibvirtd } from './private-libvirtd.js';
import { benchVnfmEnv } from './service.js';

const total = Number(process.argv[2] ?? 1000);
const what = process.argv[3] ?? 'pass';
const libvirtd = await startBenchLibvirtd();
const dir = mkdtempSync(join(tmpdir(), 'vnfm-prof-'));
const app = await createApp(
  loadConfig(benchVnfmEnv(libvirtd.uri, join(dir, 'vnfm.db'))),
  { logger: false },
);
try {
  const vnfs = app.get(VnfUseCases);
  const reconciler = app.get(Reconciler);
  const body = (name: string) => ({ name, vcpus: 1, memoryMiB: 64, interfaces: [{ type: 'user' }] });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  const createAll = async () => {
    for (let index = 0; index < total; index += 16) {
      await Promise.all(Array.from({ length: Math.min(16, total - index) }, (_, offset) => vnfs.create(body(`vnf-${index + offset}`), { dryRun: false })));
    }
  };
  if (what === 'create') await session.post('Profiler.start');
  let started = performance.now();
  await createAll();
  console.log(`created ${total} in ${(performance.now() - started).toFixed(0)} ms; database ${JSON.stringify(app.get(Database).stats)}`);
  await reconciler.requestPass();
  const victims = what === 'repair' ? await Promise.all(Array.from({ length: 20 }, async (_, index) => (await vnfs.get(`vnf-${index}`)).id)) : [];
  const keeper = what === 'repair' ? await NativeConnection.open(libvirtd.uri) : null;
  const startedAt = new Map<string, number>();
  await keeper?.onDomainEvent((event) => {
    if (event.kind === 'lifecycle' && event.type === 'started') startedAt.set(event.uuid, performance.now());
  });
  const repair = async () => {
    victims.forEach((uuid) => startedAt.delete(uuid));
    const began = performance.now();
    for (const uuid of victims) await keeper!.destroy(uuid);
    const destroyed = performance.now() - began;
    while (victims.some((uuid) => !startedAt.has(uuid))) await new Promise((resolve) => setTimeout(resolve, 1));
    console.log(`repair: destroys ${destroyed.toFixed(1)} ms, all started ${(Math.max(...victims.map((uuid) => startedAt.get(uuid)!)) - began).toFixed(1)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  if (what !== 'create') await session.post('Profiler.start');
  started = performance.now();
  for (let round = 0; round < 5; round += 1) {
    if (what === 'pass') await reconciler.requestPass();
    else if (what === 'repair') await repair();
    else if (what === 'get') for (let index = 0; index < 2000; index += 1) await vnfs.get(`vnf-${index % total}`);
    else if (what === 'list') for (let index = 0; index < 50; index += 1) await vnfs.list({ limit: 100 });
    else if (what === 'dry') for (let index = 0; index < 200; index += 1) await vnfs.create(body(`dry-${index}`), { dryRun: true });
  }
  console.log(`${what} x5 in ${(performance.now() - started).toFixed(0)} ms`);
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROFILE_OUT ?? '/tmp/vnfm-pass.cpuprofile', JSON.stringify(profile));
  await keeper?.close();
} finally {
  await app.close();
  await libvirtd.stop();
}
