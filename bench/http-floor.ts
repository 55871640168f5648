/**
 * Measuring aid (not a figure): what caps vnfm's request rate. In interleaved rounds, wrk against
 * the trivial Node HTTP server, vnfm's GET /healthz (a Nest route with a constant body behind the
 * same middleware and guards as every route: request id, histogram, audit, headers, Host/Origin,
 * authentication, query-parameter guard, AccessGuard), GET /api/v1/vnfs/{name} and a page of 100.
 * Usage: node dist/bench/http-floor.js [N VNFs] [rounds] [seconds]
 */
import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFigure, type LoadSpec } from './load-generator.js';
import { startBenchLibvirtd } from './private-libvirtd.js';
import { seedVnfs } from './seed-vnfs.js';
import { benchVnfmEnv, startTrivialServer, startVnfm } from './service.js';
import { median } from './stats.js';

const total = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
const seconds = Number(process.argv[4] ?? 2);
const libvirtd = await startBenchLibvirtd();
const vnfm = await startVnfm(benchVnfmEnv(libvirtd.uri, join(mkdtempSync(join(tmpdir(), 'vnfm-floor-')), 'vnfm.db')));
const trivial = await startTrivialServer();
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
try {
  await seedVnfs(agent, vnfm.base, total);
  const kinds: Record<string, Pick<LoadSpec, 'base' | 'path' | 'count'>> = {
    trivial: { base: trivial.base, path: '/' },
    healthz: { base: vnfm.base, path: '/healthz' },
    get: { base: vnfm.base, path: '/api/v1/vnfs/vnf-{i}', count: total },
    list: { base: vnfm.base, path: '/api/v1/vnfs?limit=100' },
  };
  const results = new Map<string, Array<{ perSecond: number; p99Ms: number }>>();
  for (let round = 0; round < rounds; round += 1) {
    for (const [kind, spec] of Object.entries(kinds)) {
      const result = await loadFigure({ ...spec, connections: 16, durationMs: seconds * 1000, expect: 200 });
      if (result.errors > 0) throw new Error(`${kind}: ${result.errors} errors`);
      results.set(kind, [...(results.get(kind) ?? []), result]);
    }
  }
  const trivialRate = median(results.get('trivial')!.map((result) => result.perSecond));
  for (const [kind, list] of results) {
    const rate = median(list.map((result) => result.perSecond));
    console.log(`${kind.padEnd(8)} ${rate.toFixed(0).padStart(6)} req/s  p99 ${median(list.map((result) => result.p99Ms)).toFixed(1)} ms  ratio ${(rate / trivialRate).toFixed(3)}  rounds ${list.map((result) => result.perSecond.toFixed(0)).join(' ')}`);
  }
} finally {
  agent.destroy();
  await trivial.stop();
  await vnfm.stop();
  await libvirtd.stop();
}
