import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../../bench/c/libvirt-floor.c', import.meta.url));
const BINARY = fileURLToPath(new URL('./libvirt-floor', import.meta.url));

/** Compiles bench/c/libvirt-floor.c against the host's libvirt (cc + pkg-config). */
export function buildCFloor(): string {
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libvirt'], { encoding: 'utf8' }).trim().split(/\s+/);
  execFileSync('cc', ['-O2', '-Wall', '-o', BINARY, SOURCE, ...flags], { stdio: 'inherit' });
  return BINARY;
}

/** Runs the C program; it prints one time (ms) a line, measured after its connection is open. */
export function runCFloor(args: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').map(Number)) : reject(new Error(`libvirt-floor ${args[0]} exited ${code}`))));
  });
}
