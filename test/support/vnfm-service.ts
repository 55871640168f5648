import { existsSync } from 'node:fs';
import { MAIN, freePort, startBuilt, type BuiltService } from './built-service.js';
import { sleep } from './libvirtd.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies, checked field by field
export type Json = Record<string, any>;

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Json;
  text: string;
}

export interface VnfmProcess extends BuiltService {
  port: number;
  base: string;
  dbPath: string;
  env: Record<string, string>;
  /** One API call (`path` under /api/v1, or absolute like `/readyz`); network errors reject. */
  call(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<HttpAnswer>;
  /** Whether the process has not exited. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL; resolves once it has exited. */
  kill9(): Promise<void>;
}

const running = new Set<VnfmProcess>();

/**
 * The entry point to run: the repository's build, or `VNFM_E2E_MAIN` (another build of vnfm, to
 * see how an older or newer version does on the same scenarios).
 */
export const SERVICE_MAIN = process.env.VNFM_E2E_MAIN ?? MAIN;

export interface StartOptions {
  dbPath: string;
  uri: string;
  env?: Record<string, string>;
  /** Wait for /readyz 200 (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

/**
 * Starts the built service (dist/apps/api/src/main.js, or VNFM_E2E_MAIN) as its own process. Every process
 * started here is remembered, so `stopAllVnfm()` in afterAll ends whatever a failed test left.
 */
export async function startVnfm(options: StartOptions): Promise<VnfmProcess> {
  if (!existsSync(SERVICE_MAIN)) throw new Error(`${SERVICE_MAIN} is missing: run 'npm run build' first`);
  const port = await freePort();
  const env: Record<string, string> = {
    VNFM_PORT: String(port),
    VNFM_DB_PATH: options.dbPath,
    VNFM_LIBVIRT_URI: options.uri,
    VNFM_DOMAIN_TYPE: 'qemu',
    VNFM_RECONCILE_INTERVAL_MS: '1000',
    VNFM_LOG_LEVEL: 'warn',
    // Loopback only; the access tests set VNFM_AUTH=on and send tokens.
    VNFM_AUTH: 'off',
    // No container connection unless a test asks for one (an older build does not know the variable).
    ...(SERVICE_MAIN === MAIN ? { VNFM_LXC_URI: 'off' } : {}),
    ...options.env,
  };
  const built = startBuilt(env, SERVICE_MAIN);
  const base = `http://127.0.0.1:${port}`;
  let exited = false;
  void built.exited.then(() => {
    exited = true;
  });
  const service: VnfmProcess = {
    ...built,
    port,
    base,
    dbPath: options.dbPath,
    env,
    async call(method, path, body, timeoutMs = 30_000) {
      const url = path.startsWith('/api/') || path.startsWith('/readyz') || path.startsWith('/healthz') || path.startsWith('/metrics') ? `${base}${path}` : `${base}/api/v1${path}`;
      const response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: Json = {};
      try {
        parsed = text ? (JSON.parse(text) as Json) : {};
      } catch {
        parsed = {};
      }
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: parsed, text };
    },
    alive: () => !exited,
    async stop(graceMs = 10_000) {
      if (exited) return;
      built.child.kill('SIGTERM');
      const timer = setTimeout(() => built.child.kill('SIGKILL'), graceMs);
      await built.exited;
      clearTimeout(timer);
      running.delete(service);
    },
    async kill9() {
      if (!exited) built.child.kill('SIGKILL');
      await built.exited;
      running.delete(service);
    },
  };
  running.add(service);
  if (options.waitReady ?? true) {
    try {
      await waitReadyOrExit(service, options.readyTimeoutMs ?? 20_000);
    } catch (error) {
      await service.kill9();
      throw error;
    }
  }
  return service;
}

/** Polls /readyz until 200; fails at once (with the output) when the process exits. */
export async function waitReadyOrExit(service: VnfmProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!service.alive()) throw new Error(`vnfm exited before it was ready:\n${service.output().slice(-4000)}`);
    const ok = await fetch(`${service.base}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((response) => response.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`vnfm was not ready within ${timeoutMs} ms:\n${service.output().slice(-4000)}`);
}

/** SIGKILLs every service started by startVnfm that is still running. */
export async function stopAllVnfm(): Promise<void> {
  await Promise.all([...running].map((service) => service.kill9()));
}

/** The API's VNF body with the defaults the reliability tests use (small, test-driver friendly). */
export function vnfBody(name: string, extra: Json = {}): Json {
  return { name, vcpus: 1, memoryMiB: 128, ...extra };
}
