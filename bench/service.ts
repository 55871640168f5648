import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serviceCommandLine } from '../apps/api/src/node-flags.js';

const MAIN = fileURLToPath(new URL('../apps/api/src/main.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Process {
  child: ChildProcess;
  pid: number;
  /** Resident set size now (VmRSS), MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

function wrap(child: ChildProcess): Process {
  const gone = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    pid: child.pid ?? -1,
    rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * The configuration every bench figure and aid runs vnfm with: the bench's libvirtd, its own
 * database, no scheduled passes, errors only in the log; loopback only, so no authentication
 * (the bench measures the API's work, not token checks) and no write rate limit.
 */
export function benchVnfmEnv(libvirtUri: string, dbPath: string): Record<string, string> {
  return {
    VNFM_LIBVIRT_URI: libvirtUri,
    VNFM_DB_PATH: dbPath,
    VNFM_DOMAIN_TYPE: 'qemu',
    VNFM_RECONCILE_INTERVAL_MS: '86400000',
    VNFM_LOG_LEVEL: 'error',
    VNFM_AUTH: 'off',
    VNFM_WRITE_RATE_PER_SECOND: '0',
  };
}

/** The built vnfm service (dist/apps/api/src/main.js) with exactly this environment. */
export async function startVnfm(env: Record<string, string>): Promise<Process & { base: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  // Started as its executable starts it (the environment and V8 flags of its shebang), plus any flags and variables the caller adds.
  const { environment, nodeFlags } = serviceCommandLine(readFileSync(MAIN, 'utf8'));
  const nodeArgs = [...nodeFlags, ...(process.env.VNFM_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, MAIN], { env: { PATH: process.env.PATH ?? '', ...environment, ...env, VNFM_PORT: String(port), VNFM_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-8000)));
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-8000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vnfm exited ${child.exitCode}:\n${output}`);
    if (await fetch(`${base}/readyz`).then((response) => response.ok, () => false)) return { ...wrap(child), base, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`vnfm never became ready:\n${output}`);
}

/** A server script of bench/ that prints its port, in a process of its own like vnfm. */
async function startPortPrinter(script: string): Promise<Process & { base: string }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk) => resolve(Number(String(chunk).trim())));
    child.on('error', reject);
  });
  return { ...wrap(child), base: `http://127.0.0.1:${port}` };
}

/** The trivial Node HTTP server (bench/trivial-server.ts). */
export function startTrivialServer(): Promise<Process & { base: string }> {
  return startPortPrinter('./trivial-server.js');
}

/** Nest on Express with one constant route and nothing else (bench/framework-floor-server.ts). */
export function startFrameworkFloorServer(): Promise<Process & { base: string }> {
  return startPortPrinter('./framework-floor-server.js');
}
