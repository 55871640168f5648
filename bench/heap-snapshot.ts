/**
 * Memory aid (not a figure): the built service on the bench's private libvirtd holding N VNFs
 * (created over HTTP, then what the bench does at scale: 5 in-sync passes, 2 s each of GETs, pages and dry runs), its RSS and heap
 * figures, the service's /proc smaps right after the load (smaps-after-load: which mappings hold
 * the RSS), and a heap snapshot (SIGUSR2, --heapsnapshot-signal) written to the directory given.
 * Usage: node dist/bench/heap-snapshot.js [N] [dir]   (bench/heap-summary.ts reads the snapshot)
 * Variables: BENCH_NO_SNAPSHOT=1 (figures only); BENCH_PASSES=K (passes instead of 5);
 * BENCH_SNAPSHOT_DURING_PASS=MS (first, a snapshot MS into a pass: what a pass holds);
 * BENCH_LD_PRELOAD=LIB (the service's LD_PRELOAD); BENCH_AFTER_LOAD='CMD' (a shell command run
 * after the load, PID replaced by the service's, then the figures again); BENCH_PRINT_OUTPUT=1
 * (the service's last output after the load: with VNFM_BENCH_NODE_ARGS=--trace-gc, its GCs).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, send } from './http-load.js';
import { startBenchLibvirtd } from './private-libvirtd.js';
import { benchVnfmEnv, startVnfm } from './service.js';

const total = Number(process.argv[2] ?? 10000);
const out = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'vnfm-heap-'));
const libvirtd = await startBenchLibvirtd();
const dir = mkdtempSync(join(tmpdir(), 'vnfm-heapdb-'));
const probe = join(out, 'memory.json');
process.env.VNFM_BENCH_NODE_ARGS = `${process.env.VNFM_BENCH_NODE_ARGS ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${out} --import=${new URL('./memory-probe.js', import.meta.url).href}`;
const vnfm = await startVnfm({
  ...benchVnfmEnv(libvirtd.uri, join(dir, 'vnfm.db')),
  BENCH_MEMORY_OUT: probe,
  // glibc malloc tunables given to this aid go to the service too (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, ...).
  ...Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('MALLOC_') && entry[1] !== undefined)),
  ...(process.env.BENCH_LD_PRELOAD ? { LD_PRELOAD: process.env.BENCH_LD_PRELOAD } : {}),
});
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const api = (path: string) => new URL(`/api/v1${path}`, vnfm.base);
const body = (name: string) => JSON.stringify({ name, vcpus: 1, memoryMiB: 64, interfaces: [{ type: 'user' }] });
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const heap = async () => {
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const usage = JSON.parse(readFileSync(probe, 'utf8')) as Record<string, number> & { spaces: Record<string, { size: number; used: number }> };
  const smaps = readFileSync(`/proc/${vnfm.pid}/smaps`, 'utf8');
  let anonymousHeap = 0;
  let other = 0;
  let current = '';
  for (const line of smaps.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) current = line.split(/\s+/)[5] ?? '';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      if (current === '' || current === '[heap]') anonymousHeap += Number(rss[1]) * 1024;
      else other += Number(rss[1]) * 1024;
    }
  }
  const spaces = Object.entries(usage.spaces).map(([name, space]) => `${name.replace('_space', '')} ${mib(space.used)}/${mib(space.size)}`).join(', ');
  return `rss ${vnfm.rssMiB().toFixed(0)} MiB (anonymous ${mib(anonymousHeap)}, files ${mib(other)}); V8 heap used ${mib(usage.heapUsed!)} of ${mib(usage.heapTotal!)}, external ${mib(usage.external!)}, array buffers ${mib(usage.arrayBuffers!)}; spaces: ${spaces}`;
};
try {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  console.log(`idle: ${await heap()}`);
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const name = `vnf-${next++}`;
        const { status, body: text } = await send(agent, api('/vnfs'), 'POST', body(name));
        if (status !== 201) throw new Error(`create ${name}: ${status} ${text.slice(0, 200)}`);
      }
    }),
  );
  console.log(`created ${total} in ${Date.now() - started} ms: ${await heap()}`);
  if (process.env.BENCH_SNAPSHOT_DURING_PASS) {
    const pass = send(agent, api('/reconcile'), 'POST', '{}');
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.BENCH_SNAPSHOT_DURING_PASS)));
    vnfm.child.kill('SIGUSR2');
    await pass;
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !readdirSync(out).some((file) => file.endsWith('.heapsnapshot'))) await new Promise((resolve) => setTimeout(resolve, 1000));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    console.log(`snapshot during a pass in ${out}`);
  }
  for (let round = 0; round < (process.env.BENCH_PASSES === undefined ? 5 : Number(process.env.BENCH_PASSES)); round += 1) await send(agent, api('/reconcile'), 'POST', '{}');
  console.log(`after the in-sync passes: ${await heap()}`);
  await load({ connections: 16, durationMs: 2000, next: (index) => ({ url: api(`/vnfs/vnf-${(index * 7919) % total}`) }) });
  console.log(`after 2 s of GET /vnfs/{name}: ${await heap()}`);
  await load({ connections: 16, durationMs: 2000, next: () => ({ url: api('/vnfs?limit=100') }) });
  console.log(`after 2 s of pages of 100: ${await heap()}`);
  await load({ connections: 16, durationMs: 2000, next: (index) => ({ url: api('/vnfs?dryRun=true'), method: 'POST', body: body(`dry-${index}`) }) });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  console.log(`after 2 s of dry runs: ${await heap()}`);
  writeFileSync(join(out, 'smaps-after-load'), readFileSync(`/proc/${vnfm.pid}/smaps`));
  if (process.env.BENCH_AFTER_LOAD) {
    (await import('node:child_process')).execSync(process.env.BENCH_AFTER_LOAD.replaceAll('PID', String(vnfm.pid)), { stdio: 'ignore' });
    console.log(`after ${process.env.BENCH_AFTER_LOAD}: ${await heap()}`);
  }
  if (process.env.BENCH_PRINT_OUTPUT) console.log(vnfm.output());
  await new Promise((resolve) => setTimeout(resolve, 8000));
  console.log(`10 s later: ${await heap()}`);
  if (!process.env.BENCH_NO_SNAPSHOT) {
    vnfm.child.kill('SIGUSR2');
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !readdirSync(out).some((file) => file.endsWith('.heapsnapshot'))) await new Promise((resolve) => setTimeout(resolve, 1000));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    console.log(`snapshot in ${out}: ${readdirSync(out).join(', ')}; after it: ${await heap()}`);
  }
} finally {
  agent.destroy();
  await vnfm.stop();
  await libvirtd.stop();
}
