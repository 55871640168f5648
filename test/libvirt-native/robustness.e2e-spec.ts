import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LibvirtNativeError, NativeConnection, type CloseReason } from '../../libs/libvirt-native/src/index.js';
import { killLibvirtd, sleep, startLibvirtd } from '../support/libvirtd.js';
import { rejection } from './native-support.js';

const run = promisify(execFile);
const QEMU = 'qemu:///system';

function closeReason(connection: NativeConnection): Promise<CloseReason> {
  return new Promise((resolve) => connection.onClose(resolve));
}

describe('binding robustness against a real libvirtd', () => {
  afterAll(async () => {
    await run('pkill', ['-CONT', '-x', 'libvirtd']).catch(() => undefined);
    await startLibvirtd();
  });

  it('kill -9 of libvirtd: the close event fires, calls reject with a connection error, a new connection works once it is back', async () => {
    const connection = await NativeConnection.open(QEMU);
    const closed = closeReason(connection);
    await killLibvirtd();
    expect(['eof', 'error']).toContain(await closed);
    expect(connection.isAlive()).toBe(false);
    const failure = await rejection(connection.getLibVersion());
    expect(failure).toBeInstanceOf(LibvirtNativeError);
    expect(['VIR_ERR_INTERNAL_ERROR', 'VIR_ERR_INVALID_CONN', 'VIR_ERR_RPC', 'VIR_ERR_SYSTEM_ERROR']).toContain(failure.codeName);
    await connection.close();
    await startLibvirtd();
    const again = await NativeConnection.open(QEMU);
    expect(await again.getLibVersion()).toBeGreaterThan(0);
    await again.close();
  });

  it('SIGSTOP of libvirtd: keepalive declares the connection dead within its interval', async () => {
    const connection = await NativeConnection.open(QEMU);
    expect(await connection.setKeepAlive(1, 2)).toBe(true);
    const closed = closeReason(connection);
    const stoppedAt = Date.now();
    await run('pkill', ['-STOP', '-x', 'libvirtd']);
    try {
      const reason = await Promise.race([closed, sleep(15_000).then(() => 'timeout' as const)]);
      const elapsed = Date.now() - stoppedAt;
      expect(reason).toBe('keepalive');
      // interval 1 s x (count 2 + 1), plus the event loop's own tick: well under 10 s.
      expect(elapsed).toBeLessThan(10_000);
      expect(connection.isAlive()).toBe(false);
    } finally {
      await run('pkill', ['-CONT', '-x', 'libvirtd']);
    }
    await connection.close();
    const again = await NativeConnection.open(QEMU);
    expect(await again.getLibVersion()).toBeGreaterThan(0);
    await again.close();
  });

  it('100,000 calls (successes and failures) leave memory flat', async () => {
    const connection = await NativeConnection.open('test:///default');
    const batch = async (count: number) => {
      for (let done = 0; done < count; done += 500) {
        await Promise.all(
          Array.from({ length: 500 }, (_, index) =>
            index % 3 === 0 ? connection.lookupByName('no-such-domain').catch(() => undefined) : index % 3 === 1 ? connection.getLibVersion() : connection.listAllDomains(),
          ),
        );
      }
    };
    await batch(20_000); // warm-up: allocator pools, JIT
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    await batch(100_000);
    globalThis.gc?.();
    const grown = process.memoryUsage().rss - before;
    await connection.close();
    expect(grown).toBeLessThan(40 * 1024 * 1024);
  }, 300_000);

  it('closing while calls are in flight never crashes: every call settles, later calls are refused', async () => {
    const connection = await NativeConnection.open(QEMU);
    const calls = Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? connection.getCapabilities() : connection.listAllDomains()));
    await connection.close();
    const outcomes = await Promise.allSettled(calls);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(LibvirtNativeError);
    }
    // Calls already made hold their own reference and finish; calls made after close() are refused.
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThan(0);
    expect((await rejection(connection.getCapabilities())).codeName).toBe('VIR_ERR_INVALID_CONN');
    const again = await NativeConnection.open(QEMU);
    expect(await again.getLibVersion()).toBeGreaterThan(0);
    await again.close();
  });
});
