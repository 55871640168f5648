/**
 * Profiling aid (not a figure): the built service (as the bench starts it, with --cpu-prof) on
 * the bench's private libvirtd with N VNFs, under wrk load of one kind of request; the CPU
 * profile is written to the directory given when the service stops.
 * Usage: node dist/bench/profile-http.js [N] [get|list|dry|healthz] [dir]
 */
import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFigure } from './load-generator.js';
import { startBenchLibvirtd } from './private-libvirtd.js';
import { profiledRequests, seedVnfs } from './seed-vnfs.js';
import { benchVnfmEnv, startVnfm } from './service.js';

const total = Number(process.argv[2] ?? 1000);
const what = process.argv[3] ?? 'get';
const out = process.argv[4] ?? mkdtempSync(join(tmpdir(), 'vnfm-prof-'));
const libvirtd = await startBenchLibvirtd();
const dir = mkdtempSync(join(tmpdir(), 'vnfm-profdb-'));
process.env.VNFM_BENCH_NODE_ARGS = `${process.env.VNFM_BENCH_NODE_ARGS ?? ''} --cpu-prof --cpu-prof-dir=${out}`;
const vnfm = await startVnfm(benchVnfmEnv(libvirtd.uri, join(dir, 'vnfm.db')));
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
try {
  await seedVnfs(agent, vnfm.base, total);
  const spec = profiledRequests(what, total);
  for (let round = 0; round < 3; round += 1) console.log(what, await loadFigure({ base: vnfm.base, connections: 16, durationMs: 3000, ...spec }));
} finally {
  agent.destroy();
  await vnfm.stop();
  await libvirtd.stop();
  console.log(`profile in ${out}`);
}
