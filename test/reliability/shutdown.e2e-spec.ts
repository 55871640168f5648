import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../support/sse.js';
import { startPrivateLibvirtd, stopAllPrivateLibvirtd, type PrivateLibvirtd } from '../support/private-libvirtd.js';
import { startVnfm, stopAllVnfm, vnfBody } from '../support/vnfm-service.js';
import { describeAnswer } from './helpers.js';

/**
 * SIGTERM (systemd stop, docker stop, Ctrl-C) with watchers connected: the streams end, the
 * service exits 0 soon, and what it acknowledged is there after the next start. Before, an open
 * `GET /events` held the HTTP server's close forever: vnfm never exited on SIGTERM.
 */
describe('stopping with SIGTERM while watch streams are open (private libvirtd, test driver)', () => {
  let daemon: PrivateLibvirtd;
  let dir: string;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    dir = mkdtempSync(join(tmpdir(), 'vnfm-stop-'));
  });
  afterAll(async () => {
    await stopAllVnfm();
    await stopAllPrivateLibvirtd();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends every stream, exits 0 within seconds, and the next start serves what was acknowledged', async () => {
    const dbPath = join(dir, 'vnfm.db');
    const service = await startVnfm({ dbPath, uri: daemon.uri });
    const streams = await Promise.all([0, 1, 2].map(() => openSse(`${service.base}/api/v1/events`)));
    for (const stream of streams) await stream.next((event) => event.type === 'BOOKMARK', 10_000, 'the bookmark');
    const name = `stop${Date.now().toString(36).slice(-5)}`;
    const created = await service.call('POST', '/vnfs', vnfBody(name));
    expect(created.status, describeAnswer(created)).toBe(201);
    for (const stream of streams) await stream.next((event) => event.type === 'ADDED', 10_000, 'the create');

    const started = Date.now();
    service.child.kill('SIGTERM');
    const code = await Promise.race([service.exited, new Promise((resolve) => setTimeout(() => resolve('still running 15 s after SIGTERM'), 15_000))]);
    expect(code, service.output().slice(-2000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const stream of streams) await expect(stream.next(() => false, 5_000, 'the end')).rejects.toThrow('the stream ended');

    const again = await startVnfm({ dbPath, uri: daemon.uri });
    const kept = await again.call('GET', `/vnfs/${name}`);
    expect(kept.status, describeAnswer(kept)).toBe(200);
    expect(kept.body.id).toBe(created.body.id);
    expect((await again.call('DELETE', `/vnfs/${name}`)).status).toBe(202);
    await again.stop();
  });

  it('with libvirtd stalled under a write\'s reconcile, answers the write and exits 0 well within its deadline (the runs get a grace, not forever)', async () => {
    const dbPath = join(dir, 'stalled.db');
    const service = await startVnfm({ dbPath, uri: daemon.uri });
    const name = `stall${Date.now().toString(36).slice(-5)}`;
    expect((await service.call('POST', '/vnfs', vnfBody(name))).status).toBe(201);
    daemon.pause();
    try {
      // A write's reconcile now waits on libvirtd (its intent is committed first).
      const write = service.call('POST', `/vnfs/${name}/stop`, {}).catch(() => null);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      service.child.kill('SIGTERM');
      const code = await Promise.race([service.exited, new Promise((resolve) => setTimeout(() => resolve('still running 15 s after SIGTERM'), 15_000))]);
      expect(code, service.output().slice(-2000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(15_000);
      // The write was answered (its intent committed; the next start carries it out), not cut off.
      expect((await write)?.status).toBe(202);
    } finally {
      daemon.resume();
    }
    const again = await startVnfm({ dbPath, uri: daemon.uri });
    const kept = await again.call('GET', `/vnfs/${name}`);
    expect(kept.status, describeAnswer(kept)).toBe(200);
    expect(kept.body.spec.powerState).toBe('stopped');
    expect((await again.call('DELETE', `/vnfs/${name}`)).status).toBe(202);
    await again.stop();
  });
});
