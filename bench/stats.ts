import { performance } from 'node:perf_hooks';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** `pairs` rounds of (vnfm, baseline), interleaved so both see the same machine load; medians of each. */
export async function interleaved(pairs: number, vnfm: () => Promise<number>, baseline: () => Promise<number>): Promise<{ vnfm: number; baseline: number; samples: Array<[number, number]> }> {
  const samples: Array<[number, number]> = [];
  for (let pair = 0; pair < pairs; pair += 1) samples.push([await vnfm(), await baseline()]);
  return { vnfm: median(samples.map((sample) => sample[0])), baseline: median(samples.map((sample) => sample[1])), samples };
}
