import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A libvirtd of the bench's own (the test driver only, in a private mount namespace with a tmpfs
 * over /run/libvirt), so 10,000 domains neither disturb nor are disturbed by anything else on
 * the host. The same recipe as test/support/private-libvirtd.ts.
 */
export interface BenchLibvirtd {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startBenchLibvirtd(): Promise<BenchLibvirtd> {
  const dir = mkdtempSync('/tmp/vnfm-bench-lv-');
  const drivers = join(dir, 'no-drivers');
  mkdirSync(drivers);
  const conf = join(dir, 'libvirtd.conf');
  writeFileSync(conf, [`unix_sock_dir = "${dir}"`, 'auth_unix_rw = "none"', 'auth_unix_ro = "none"', 'log_outputs = "1:stderr"', 'log_filters = "1:none"', 'max_client_requests = 64', ''].join('\n'));
  // Under a name of its own: tests elsewhere on the host `pkill -x libvirtd` (to restart the system
  // daemon), which must not end the bench's daemon in the middle of a run.
  const binary = join(dir, 'vnfm-bench-libvirtd');
  symlinkSync(execFileSync('sh', ['-c', 'command -v libvirtd'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } }).trim(), binary);
  const script = `mount -t tmpfs tmpfs /run/libvirt && exec '${binary}' -f '${conf}' -p '${join(dir, 'libvirtd.pid')}'`;
  const child: ChildProcess = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LIBVIRT_DRIVER_DIR: drivers },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const gone = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const uri = `test+unix:///default?socket=${dir}/libvirt-sock`;
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) break;
    if (spawnSync('virsh', ['-q', '-c', uri, 'version'], { stdio: 'ignore' }).status === 0) return { uri, pid: child.pid ?? -1, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`the bench's libvirtd did not come up:\n${output}`);
}
