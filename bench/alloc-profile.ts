/**
 * Profiling aid (not a figure): what one kind of request allocates, by function. The built
 * service (as the bench starts it, with --inspect) on the bench's private libvirtd with N VNFs;
 * V8's sampling heap profiler, counting objects the GC already took too, runs through 3 s of wrk
 * load; prints the bytes allocated per request, by the function that allocated them.
 * Usage: node dist/bench/alloc-profile.js [N] [get|list|dry|healthz]
 */
import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadFigure } from './load-generator.js';
import { startBenchLibvirtd } from './private-libvirtd.js';
import { profiledRequests, seedVnfs } from './seed-vnfs.js';
import { benchVnfmEnv, freePort, startVnfm } from './service.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const total = Number(process.argv[2] ?? 1000);
const what = process.argv[3] ?? 'dry';
const inspectPort = await freePort();
const libvirtd = await startBenchLibvirtd();
const dir = mkdtempSync(join(tmpdir(), 'vnfm-allocdb-'));
process.env.VNFM_BENCH_NODE_ARGS = `${process.env.VNFM_BENCH_NODE_ARGS ?? ''} --inspect=127.0.0.1:${inspectPort}`;
const vnfm = await startVnfm(benchVnfmEnv(libvirtd.uri, join(dir, 'vnfm.db')));
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
try {
  await seedVnfs(agent, vnfm.base, total);
  const spec = profiledRequests(what, total);
  await loadFigure({ base: vnfm.base, connections: 16, durationMs: 1000, ...spec });
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve) => socket.once('open', resolve));
  let lastId = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      waiting.set(++lastId, resolve as (result: unknown) => void);
      socket.send(JSON.stringify({ id: lastId, method, params }));
    });
  await send('HeapProfiler.enable');
  await send('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const load = await loadFigure({ base: vnfm.base, connections: 16, durationMs: 3000, ...spec });
  const { profile } = await send<{ profile: { head: ProfileNode } }>('HeapProfiler.stopSampling');
  socket.close();
  const requests = load.perSecond * 3;
  const bySelf = new Map<string, number>();
  let bytes = 0;
  const walk = (node: ProfileNode) => {
    const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
    bySelf.set(where, (bySelf.get(where) ?? 0) + node.selfSize);
    bytes += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  console.log(`${what}: ${load.perSecond} req/s under the profiler; ${Math.round(bytes / requests)} bytes allocated per request; by function:`);
  for (const [where, size] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${String(Math.round(size / requests)).padStart(8)} B  ${where}`);
} finally {
  agent.destroy();
  await vnfm.stop();
  await libvirtd.stop();
}
