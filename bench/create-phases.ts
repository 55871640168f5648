/**
 * Creates aid (not a figure): the built service on the bench's private libvirtd with N VNFs, then
 * batches of 1,000 creates (16 at a time, each batch deleted again), each after one of these
 * phases: `plain` (nothing), `pass` (an in-sync POST /reconcile), `requests` (3 s each of GETs,
 * pages and dry runs), `settle` (20 s with no request). For each batch: its time, and the
 * service's garbage collections while it ran (--trace-gc), so what precedes a batch can be told
 * apart from N. V8 flags for the service go in VNFM_BENCH_NODE_ARGS.
 * Usage: node dist/bench/create-phases.js [N] [phase,phase,...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from './http-load.js';
import { loadFigure } from './load-generator.js';
import { startBenchLibvirtd } from './private-libvirtd.js';
import { profiledRequests, seedBody } from './seed-vnfs.js';
import { benchVnfmEnv, startVnfm } from './service.js';

const total = Number(process.argv[2] ?? 10000);
const phases = (process.argv[3] ?? 'plain,plain,pass,plain,requests,plain,settle,plain').split(',');
const BATCH = 1000;

interface Collections {
  scavenges: number[];
  markCompacts: number[];
}
const collections = (): Collections => ({ scavenges: [], markCompacts: [] });
let current = collections();
/** Pauses (ms) of the collections --trace-gc prints, by kind. */
function noteCollections(text: string): void {
  for (const line of text.split('\n')) {
    const match = /(Scavenge|Mark-Compact)\b.*?MB, ([\d.]+) \//.exec(line);
    if (match) (match[1] === 'Scavenge' ? current.scavenges : current.markCompacts).push(Number(match[2]));
  }
}
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

const libvirtd = await startBenchLibvirtd();
const dir = mkdtempSync(join(tmpdir(), 'vnfm-phases-'));
process.env.VNFM_BENCH_NODE_ARGS = `${process.env.VNFM_BENCH_NODE_ARGS ?? ''} --trace-gc`;
const vnfm = await startVnfm(benchVnfmEnv(libvirtd.uri, join(dir, 'vnfm.db')));
vnfm.child.stdout?.on('data', (chunk: Buffer) => noteCollections(chunk.toString()));
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const api = (path: string) => new URL(`/api/v1${path}`, vnfm.base);

async function sixteenAtATime(names: readonly string[], work: (name: string) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < names.length) await work(names[next++]!);
  }));
}
async function createAll(names: readonly string[]): Promise<number> {
  const began = performance.now();
  await sixteenAtATime(names, async (name) => {
    const { status, body } = await send(agent, api('/vnfs'), 'POST', seedBody(name));
    if (status !== 201) throw new Error(`create ${name}: ${status} ${body.slice(0, 300)}`);
  });
  return performance.now() - began;
}
async function deleteAll(names: readonly string[]): Promise<void> {
  await sixteenAtATime(names, async (name) => void (await send(agent, api(`/vnfs/${name}`), 'DELETE')));
  for (const name of names) while ((await send(agent, api(`/vnfs/${name}`))).status !== 404) await new Promise((resolve) => setTimeout(resolve, 20));
}
const before: Record<string, () => Promise<unknown>> = {
  plain: async () => undefined,
  pass: () => send(agent, api('/reconcile'), 'POST', '{}'),
  requests: async () => {
    for (const what of ['get', 'list', 'dry']) await loadFigure({ base: vnfm.base, connections: 16, durationMs: 3000, ...profiledRequests(what, total) });
  },
  settle: () => new Promise((resolve) => setTimeout(resolve, 20_000)),
};

try {
  await createAll(Array.from({ length: total }, (_, index) => `vnf-${index}`));
  console.log(`${total} VNFs; batches of ${BATCH} creates, 16 at a time, each deleted again`);
  for (const [index, phase] of phases.entries()) {
    const run = before[phase];
    if (!run) throw new Error(`unknown phase ${phase} (plain, pass, requests, settle)`);
    await run();
    current = collections();
    const names = Array.from({ length: BATCH }, (_, item) => `phase-${index}-${item}`);
    const elapsed = await createAll(names);
    const { scavenges, markCompacts } = current;
    console.log(
      `after ${phase.padEnd(8)} ${elapsed.toFixed(0).padStart(5)} ms; RSS ${vnfm.rssMiB().toFixed(0)} MiB; ` +
        `${scavenges.length} scavenges (${sum(scavenges).toFixed(0)} ms), ${markCompacts.length} mark-compacts (${sum(markCompacts).toFixed(0)} ms, longest ${Math.max(0, ...markCompacts).toFixed(0)} ms)`,
    );
    await deleteAll(names);
  }
} finally {
  agent.destroy();
  await vnfm.stop();
  await libvirtd.stop();
  rmSync(dir, { recursive: true, force: true });
}
