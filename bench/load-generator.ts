/**
 * The HTTP load of the request-rate figures, from wrk (C, its own threads) when it is there, so
 * the load generator takes little of the 2 cores vnfm and the trivial server share with it; the
 * bench installs Debian's `wrk` when it is missing and it runs as root, and falls back to
 * bench/http-load.ts (one Node process) when it cannot. Both servers get the same generator.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load, type LoadResult } from './http-load.js';

/**
 * What to send: `path` and `body` may hold `{i}`, replaced per request by (the request's number
 * times 7919) modulo `count` (so requests spread over `count` names).
 */
export interface LoadSpec {
  base: string;
  path: string;
  count?: number;
  /** Instead of `path`: request k is sent to paths[k], k as for `{i}` (over paths.length). */
  paths?: readonly string[];
  method?: 'GET' | 'POST';
  body?: string;
  connections: number;
  durationMs: number;
  expect?: number;
}

let wrk: string | null | undefined;
const WRK_THREADS = 2;

/** `wrk`'s path, installing the Debian package once when it is missing (root only); null: use the Node generator. */
export function wrkBinary(): string | null {
  if (wrk !== undefined) return wrk;
  const find = () => spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim() || null;
  wrk = find();
  if (wrk === null && process.getuid?.() === 0) {
    const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      install();
    }
    wrk = find();
  }
  return wrk;
}

/** Which generator the figures used, for RESULTS.md. */
export function generatorName(): string {
  return wrkBinary() ? `wrk (${WRK_THREADS} threads, keep-alive connections)` : 'bench/http-load.ts (one Node process; wrk was not available)';
}

const luaString = (text: string) => JSON.stringify(text);
/** A Lua expression for `text` with every `{i}` replaced by the variable k. */
const luaTemplate = (text: string) => text.split('{i}').map(luaString).join(' .. k .. ');

export async function loadFigure(spec: LoadSpec): Promise<LoadResult> {
  const count = spec.paths?.length ?? spec.count ?? 1;
  const pathOf = (k: string) => (spec.paths ? spec.paths[Number(k)]! : spec.path.replaceAll('{i}', k));
  const binary = wrkBinary();
  if (binary === null) {
    return load({
      connections: spec.connections,
      durationMs: spec.durationMs,
      ...(spec.expect === undefined ? {} : { expect: spec.expect }),
      next: (index) => {
        const k = String((index * 7919) % count);
        return { url: new URL(pathOf(k), spec.base), method: spec.method ?? 'GET', ...(spec.body === undefined ? {} : { body: spec.body.replaceAll('{i}', k) }) };
      },
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-wrk-'));
  const script = join(dir, 'load.lua');
  const headers = spec.body === undefined ? '{}' : '{ ["Content-Type"] = "application/json" }';
  writeFileSync(
    script,
    [
      ...(spec.paths ? [`local paths = { ${spec.paths.map(luaString).join(', ')} }`] : []),
      // Each of wrk's WRK_THREADS threads takes its own share of the numbers (thread t: t, t + WRK_THREADS, ...), not the same ones in step.
      'local threads = 0',
      'setup = function(thread)',
      '  thread:set("id", threads)',
      '  threads = threads + 1',
      'end',
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      `  local k = ((${WRK_THREADS} * n + id) * 7919) % ${count}`,
      `  return wrk.format(${luaString(spec.method ?? 'GET')}, ${spec.paths ? 'paths[k + 1]' : luaTemplate(spec.path)}, ${headers}, ${spec.body === undefined ? 'nil' : luaTemplate(spec.body)})`,
      'end',
      '',
    ].join('\n'),
  );
  try {
    const { stdout } = await promisify(execFile)(binary, [`-t${WRK_THREADS}`, `-c${spec.connections}`, `-d${Math.max(1, Math.round(spec.durationMs / 1000))}s`, '--latency', '-s', script, spec.base], { encoding: 'utf8' });
    return parseWrk(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk: cannot read the duration '${text}'`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** wrk's report: requests per second, the 50th and 99th latency percentiles, and errors (non-2xx/3xx answers, socket errors). */
export function parseWrk(output: string): LoadResult {
  const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const p50 = /^\s+50%\s+(\S+)/m.exec(output)?.[1];
  const p99 = /^\s+99%\s+(\S+)/m.exec(output)?.[1];
  if (!Number.isFinite(perSecond) || p50 === undefined || p99 === undefined) throw new Error(`wrk: unexpected output:\n${output}`);
  const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0;
  return { requests, perSecond, p50Ms: durationMs(p50), p99Ms: durationMs(p99), errors: bad + socketErrors };
}
