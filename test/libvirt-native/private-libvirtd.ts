import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A libvirtd of the test's own, for faults (SIGSTOP, SIGKILL) that must not reach the system
 * daemon other tests and people use.
 *
 * - Private mount namespace with a tmpfs over /run/libvirt, its own socket directory and pid file:
 *   its state and locks never meet the system daemon's.
 * - No driver module (LIBVIRT_DRIVER_DIR is an empty directory): only the test driver, built into
 *   libvirt, is there, so it cannot touch the host's QEMU domains, networks or storage.
 * - Runs under another process name (`vnfm-libvirtd`, a symlink to libvirtd), so `pkill -x libvirtd`
 *   / `pgrep -x libvirtd` in other tests neither stop nor count it.
 * - A watchdog (a bash between this process and the daemon, in its own session) kills the daemon
 *   and removes its directory when this process goes away, even by a crash (SIGSEGV): it waits for
 *   the end of a pipe only this process holds open.
 */
export interface PrivateLibvirtd {
  /** Its directory (sockets, config, pid file), under /tmp. */
  dir: string;
  /** `test+unix:///default?socket=DIR/libvirt-sock` */
  uri: string;
  /** The daemon's own pid (the one to SIGSTOP). */
  pid: number;
  /** Daemon output so far (stderr and stdout), and "daemon exited: status N" if it died by itself. */
  output(): string;
  /** Whether the daemon process is still there (stopped counts as there). */
  alive(): boolean;
  /** SIGSTOP: the daemon hangs with its socket open. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGCONT then SIGTERM, SIGKILL after 3 s; removes its directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL at once (a stopped daemon dies too); removes its directory. Idempotent. */
  kill(): Promise<void>;
}

const running = new Set<PrivateLibvirtd>();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a private libvirtd and waits until it answers on its socket. */
export async function startPrivateLibvirtd(options: { readyTimeoutMs?: number } = {}): Promise<PrivateLibvirtd> {
  // Under /tmp: a unix socket path has room for ~108 bytes.
  const dir = mkdtempSync('/tmp/vnfm-plvn-');
  const drivers = join(dir, 'no-drivers');
  mkdirSync(drivers);
  const conf = join(dir, 'libvirtd.conf');
  writeFileSync(conf, [`unix_sock_dir = "${dir}"`, 'auth_unix_rw = "none"', 'auth_unix_ro = "none"', ''].join('\n'));
  const daemonPath = join(dir, 'vnfm-libvirtd');
  symlinkSync('/usr/sbin/libvirtd', daemonPath);
  const pidFile = join(dir, 'libvirtd.pid');
  const inner = `mount -t tmpfs tmpfs /run/libvirt && exec '${daemonPath}' -f '${conf}' -p '${pidFile}'`;
  // The watchdog: starts the daemon (unshare and sh exec into it, so $! is the daemon's pid), tells
  // its pid, then waits for stdin to end (stop(), kill(), or this process dying) and cleans up.
  const watchdog = [
    'exec 3<&0',
    `unshare -m --propagation private sh -c "${inner.replace(/"/g, '\\"')}" </dev/null &`,
    'daemon=$!',
    'echo "pid $daemon"',
    // fd 3: a background job's stdin would be /dev/null.
    'cat <&3 >/dev/null &',
    'reader=$!',
    'wait -n -p ended $daemon $reader',
    'status=$?',
    // The daemon died by itself (a libvirtd crash shows as status 139): say so, then wait for the end.
    'if [ "$ended" = "$daemon" ]; then echo "daemon exited: status $status"; wait $reader; fi',
    'kill -CONT $daemon 2>/dev/null',
    'kill -KILL $daemon 2>/dev/null',
    'wait $daemon 2>/dev/null',
    `rm -rf '${dir}'`,
  ].join('\n');
  const child: ChildProcess = spawn('bash', ['--norc', '--noprofile', '-c', watchdog], {
    cwd: dir, // a core dump of the daemon stays in its directory
    detached: true, // its own session: a signal to this process group does not reach it
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LIBVIRT_DRIVER_DIR: drivers },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.unref();
  let output = '';
  let pid = -1;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /^pid (\d+)$/m.exec(output);
    if (match && pid < 0) pid = Number(match[1]);
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  const watchdogGone = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let ended: Promise<void> | undefined;
  const end = (graceful: boolean): Promise<void> => {
    ended ??= (async () => {
      if (pid > 0 && isAlive(pid)) {
        signal(pid, 'SIGCONT');
        if (graceful) {
          signal(pid, 'SIGTERM');
          for (let waited = 0; waited < 3_000 && isAlive(pid); waited += 50) await sleep(50);
        }
      }
      child.stdin?.end(); // the watchdog SIGKILLs what is left and removes the directory
      await Promise.race([watchdogGone, sleep(5_000)]);
      if (pid > 0) signal(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      running.delete(daemon);
    })();
    return ended;
  };

  const uri = `test+unix:///default?socket=${dir}/libvirt-sock`;
  const daemon: PrivateLibvirtd = {
    dir,
    uri,
    get pid() {
      return pid;
    },
    output: () => output,
    alive: () => pid > 0 && !/^daemon exited/m.test(output) && isAlive(pid),
    pause: () => signal(pid, 'SIGSTOP'),
    resume: () => signal(pid, 'SIGCONT'),
    stop: () => end(true),
    kill: () => end(false),
  };
  running.add(daemon);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (pid > 0 && existsSync(join(dir, 'libvirt-sock'))) {
      const ok = await run('virsh', ['-c', uri, 'version'], { timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (ok) return daemon;
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await daemon.kill();
  throw new Error(`the private libvirtd did not come up (pid ${pid}):\n${output}`);
}

/** Kills every private libvirtd this process started and has not ended yet (for afterAll). */
export async function killAllPrivateLibvirtd(): Promise<void> {
  await Promise.all([...running].map((daemon) => daemon.kill()));
}
