import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_DRIVER_URI = 'test+unix:///default';
export const QEMU_URI = 'qemu:///system';
export const LXC_URI = 'lxc:///';

/** The operator's cross-check: runs virsh against the same libvirtd as the service. */
export async function virsh(uri: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('virsh', ['-c', uri, ...args], { timeout: 60_000 });
  return stdout;
}

/** Like virsh(), but resolves with the failure text instead of throwing. */
export async function virshResult(uri: string, ...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    return { ok: true, output: await virsh(uri, ...args) };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

/** `virsh list --all` as name -> state. */
export async function listAll(uri: string): Promise<Map<string, string>> {
  const out = await virsh(uri, 'list', '--all');
  const rows = out.split('\n').slice(2).map((line) => line.trim()).filter(Boolean);
  return new Map(
    rows.map((row) => {
      const [, name = '', ...state] = row.split(/\s+/);
      return [name, state.join(' ')];
    }),
  );
}

export async function domstate(uri: string, name: string): Promise<string> {
  return (await virsh(uri, 'domstate', name)).trim();
}

/** Unique per run: the test driver's state is shared by every client of the daemon. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
