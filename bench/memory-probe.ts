/**
 * Memory aid (not a figure), preloaded into the service with `--import`: every second, writes
 * process.memoryUsage() and V8's heap spaces as JSON to $BENCH_MEMORY_OUT.
 */
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const out = process.env.BENCH_MEMORY_OUT;
if (out) {
  setInterval(() => {
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, { size: space.space_size, used: space.space_used_size }]));
    writeFileSync(out, JSON.stringify({ ...process.memoryUsage(), spaces }));
  }, 1000).unref();
}
