import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Wall time (ms) of one virsh process running `commands` from stdin, then quitting: the baseline. */
export function virshBatch(uri: string, commands: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('virsh', ['-q', '-c', uri], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`virsh exited ${code}`))));
    child.stdin.end(`${[...commands, 'quit'].join('\n')}\n`);
  });
}
