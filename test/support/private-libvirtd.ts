import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './libvirtd.js';
import { virshResult } from './virsh.js';

/**
 * A libvirtd of the test's own, so faults (SIGSTOP, orphan deletion) never reach the system
 * daemon other tests use. It runs in a private mount namespace with a tmpfs over /run/libvirt
 * (its state and locks do not meet the system daemon's), listens in its own socket directory,
 * and loads no driver module (LIBVIRT_DRIVER_DIR is an empty directory): only the test driver,
 * which is built into libvirt, is there, so it cannot touch the host's QEMU domains or networks.
 */
export interface PrivateLibvirtd {
  dir: string;
  /** `test+unix:///default?socket=DIR/libvirt-sock` */
  uri: string;
  /** The libvirtd process id (unshare and sh exec into it). */
  pid: number;
  child: ChildProcess;
  output(): string;
  /** SIGSTOP: the daemon hangs with its socket open. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Ends the daemon (SIGCONT first, then SIGTERM, SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
}

const started = new Set<PrivateLibvirtd>();

export async function startPrivateLibvirtd(): Promise<PrivateLibvirtd> {
  // Under /tmp (short path: a unix socket path has ~108 bytes).
  const dir = mkdtempSync('/tmp/vnfm-plv-');
  const drivers = join(dir, 'no-drivers');
  mkdirSync(drivers);
  const conf = join(dir, 'libvirtd.conf');
  writeFileSync(conf, [`unix_sock_dir = "${dir}"`, 'auth_unix_rw = "none"', 'auth_unix_ro = "none"', 'log_outputs = "3:stderr"', ''].join('\n'));
  const script = `mount -t tmpfs tmpfs /run/libvirt && exec libvirtd -f '${conf}' -p '${join(dir, 'libvirtd.pid')}'`;
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LIBVIRT_DRIVER_DIR: drivers },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const uri = `test+unix:///default?socket=${dir}/libvirt-sock`;
  const daemon: PrivateLibvirtd = {
    dir,
    uri,
    pid: child.pid ?? -1,
    child,
    output: () => output,
    pause: () => {
      if (!exited) process.kill(child.pid!, 'SIGSTOP');
    },
    resume: () => {
      if (!exited) process.kill(child.pid!, 'SIGCONT');
    },
    async stop() {
      if (!exited) {
        process.kill(child.pid!, 'SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(timer);
      }
      started.delete(daemon);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  started.add(daemon);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (exited) break;
    if ((await virshResult(uri, 'version')).ok) return daemon;
    await sleep(100);
  }
  await daemon.stop();
  throw new Error(`the private libvirtd did not come up:\n${output}`);
}

/** Stops every private libvirtd still running (afterAll). */
export async function stopAllPrivateLibvirtd(): Promise<void> {
  await Promise.all([...started].map((daemon) => daemon.stop()));
}
