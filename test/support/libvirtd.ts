import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The one way libvirtd is started here as on a host (without the cgroup2 unified mount, so lxc:/// works). */
const START_LIBVIRTD = fileURLToPath(new URL('../../scripts/start-libvirtd.sh', import.meta.url));

/** SIGKILLs libvirtd (running guests survive; the test driver's state does not). */
export async function killLibvirtd(): Promise<void> {
  await run('pkill', ['-9', '-x', 'libvirtd']).catch(() => undefined);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (!(await isRunning())) return;
    await sleep(100);
  }
  throw new Error('libvirtd did not die');
}

export async function startLibvirtd(): Promise<void> {
  if (!(await isRunning())) await run('bash', [START_LIBVIRTD]);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const ok = await run('virsh', ['-c', 'qemu:///system', 'version']).then(() => true, () => false) && (await run('virsh', ['-c', 'lxc:///', 'version']).then(() => true, () => false));
    if (ok) return;
    await sleep(100);
  }
  throw new Error('libvirtd did not come back');
}

async function isRunning(): Promise<boolean> {
  return run('pgrep', ['-x', 'libvirtd']).then(() => true, () => false);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
