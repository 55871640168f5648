import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvariants } from '../support/invariants.js';
import { sleep } from '../support/libvirtd.js';
import { startPrivateLibvirtd, stopAllPrivateLibvirtd, type PrivateLibvirtd } from '../support/private-libvirtd.js';
import { uniqueName, virsh } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody, type HttpAnswer, type VnfmProcess } from '../support/vnfm-service.js';
import { describeAnswer, stateOf, until } from './helpers.js';

const STALL_MS = 20_000;

/**
 * libvirtd SIGSTOPped for ~20 s with calls in flight, then SIGCONTinued: vnfm never dies, and
 * recovers by itself (ready, reconciling). A private libvirtd: the system one is not touched.
 */
describe('libvirtd stalled (SIGSTOP) under a running vnfm (private libvirtd, test driver)', () => {
  let daemon: PrivateLibvirtd;
  let dir: string;
  let svc: VnfmProcess;
  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    dir = mkdtempSync(join(tmpdir(), 'vnfm-stall-'));
  });
  afterAll(async () => {
    daemon?.resume();
    await stopAllVnfm();
    await stopAllPrivateLibvirtd();
    rmSync(dir, { recursive: true, force: true });
  });

  it('vnfm keeps running through a 20 s stall with calls in flight, then is ready again and reconciles', async () => {
    const dbPath = join(dir, 'vnfm.db');
    svc = await startVnfm({ dbPath, uri: daemon.uri, env: { VNFM_RECONCILE_INTERVAL_MS: '1000', VNFM_LIBVIRT_PROBE_INTERVAL_MS: '1000' } });
    const before = [uniqueName('stall'), uniqueName('stall'), uniqueName('stall')];
    const acknowledged: Array<{ name: string; id: string }> = [];
    for (const name of before) {
      const created = await svc.call('POST', '/vnfs', vnfBody(name));
      expect(created.status, describeAnswer(created)).toBe(201);
      acknowledged.push({ name, id: created.body.id });
    }

    daemon.pause();
    const pausedAt = new Date().toISOString();
    let resumed = false;
    try {
      // Calls in flight while libvirtd hangs: a pass, a create, a replace, a delete, reads.
      const during = uniqueName('stall');
      const inFlight = {
        reconcile: svc.call('POST', '/reconcile', undefined, STALL_MS + 30_000),
        create: svc.call('POST', '/vnfs', vnfBody(during), STALL_MS + 30_000),
        replace: svc.call('PUT', `/vnfs/${before[0]}`, vnfBody(before[0]!, { memoryMiB: 256 }), STALL_MS + 30_000),
        remove: svc.call('DELETE', `/vnfs/${before[2]}`, undefined, STALL_MS + 30_000),
        list: svc.call('GET', '/vnfs', undefined, STALL_MS + 30_000),
        xml: svc.call('GET', `/vnfs/${before[1]}/domain.xml?live=true`, undefined, STALL_MS + 30_000),
      };
      const settled = Object.fromEntries(Object.keys(inFlight).map((key) => [key, 'pending'])) as Record<string, string>;
      for (const [key, promise] of Object.entries(inFlight)) promise.then((answer) => (settled[key] = String(answer.status)), (error) => (settled[key] = `error ${String(error)} ${String((error as { cause?: unknown }).cause)} at ${new Date().toISOString()}`));

      // Through the stall: the process stays up and answers /healthz.
      const stallEnds = Date.now() + STALL_MS;
      const unanswered: string[] = [];
      while (Date.now() < stallEnds) {
        expect(svc.alive(), `vnfm died during the stall (exit ${svc.child.exitCode}, signal ${svc.child.signalCode}):\n${svc.output().slice(-3000)}`).toBe(true);
        const health = await svc.call('GET', '/healthz', undefined, 5_000).catch((error) => ({ status: 0, text: String(error) }));
        if (health.status !== 200) unanswered.push(`${new Date().toISOString()} ${health.status} ${health.text.slice(0, 100)}`);
        await sleep(1_000);
      }
      expect(unanswered, 'GET /healthz during the stall').toEqual([]);

      daemon.resume();
      const resumedAt = new Date().toISOString();
      resumed = true;
      // Every call in flight is answered (whatever the answer); none hangs for good.
      const answers: HttpAnswer[] = await Promise.all(Object.values(inFlight).map((promise) => promise.catch((error): HttpAnswer => ({ status: 0, contentType: '', body: {}, text: String(error) }))));
      // vnfm is still there after the stall (an exit shows here, not as a closed socket).
      const exit = await Promise.race([svc.exited.then((code) => `exited: ${String(code)}`), until(() => svc.call('GET', '/healthz', undefined, 5_000), (answer) => answer.status === 200, 10_000, 'healthz after the stall').then(() => 'alive', (error) => String(error))]);
      expect(exit, `vnfm after the stall (in flight: ${JSON.stringify(settled)}):\n${svc.output().slice(-3000)}`).toBe('alive');
      for (const answer of answers) expect(answer.status, `paused ${pausedAt} resumed ${resumedAt} ${JSON.stringify(settled)} ${answer.text.slice(0, 200)}\n${svc.output().slice(-3000)}`).toBeGreaterThan(0);
      const createAnswer = answers[1]!;
      if (createAnswer.status === 201) acknowledged.push({ name: during, id: createAnswer.body.id });
      // An acknowledged delete completes; a refused one leaves the VNF as it was.
      const removed = answers[3]!.status === 202;
      if (removed) acknowledged.splice(acknowledged.findIndex((ack) => ack.name === before[2]), 1);

      // Ready again by itself, and reconciling: a sabotaged VNF is started again.
      await until(() => svc.call('GET', '/readyz'), (answer) => answer.status === 200, 30_000, 'readyz 200 after the stall');
      const pass = await until(() => svc.call('POST', '/reconcile'), (answer) => answer.status === 200, 15_000, 'a reconcile pass after the stall');
      expect(pass.status).toBe(200);
      await virsh(daemon.uri, 'destroy', before[1]!);
      await until(() => stateOf(daemon.uri, before[1]!), (state) => state === 'running', 15_000, `${before[1]} started again after virsh destroy`);
      for (const ack of acknowledged) await until(() => stateOf(daemon.uri, ack.name), (state) => state === 'running', 15_000, `${ack.name} running`);
      await expectInvariants({ uri: daemon.uri, dbPath, inScope: () => true, acknowledged, absent: removed ? [before[2]!] : [] }, 20_000);
      expect(svc.alive()).toBe(true);
    } finally {
      if (!resumed) daemon.resume();
    }
    await svc.stop();
  }, 180_000);

  it('a libvirtd stalled when vnfm starts does not keep vnfm from listening: /healthz answers within seconds, /readyz names libvirt; resumed, vnfm is ready and creates', async () => {
    const dbPath = join(dir, 'stalled-start.db');
    daemon.pause();
    let resumed = false;
    try {
      // The default call timeout (30 s): the first connection attempt hangs that long.
      svc = await startVnfm({ dbPath, uri: daemon.uri, waitReady: false, env: { VNFM_LIBVIRT_PROBE_INTERVAL_MS: '1000' } });
      await until(() => svc.call('GET', '/healthz', undefined, 2_000), (answer) => answer.status === 200, 10_000, 'GET /healthz while libvirtd is stalled');
      const ready = await svc.call('GET', '/readyz', undefined, 5_000);
      expect(ready.status, describeAnswer(ready)).toBe(503);
      expect(ready.text).toContain('libvirt');
      daemon.resume();
      resumed = true;
      await until(() => svc.call('GET', '/readyz'), (answer) => answer.status === 200, 45_000, 'readyz 200 after libvirtd resumed');
      const name = uniqueName('stall');
      const created = await svc.call('POST', '/vnfs', vnfBody(name));
      expect(created.status, describeAnswer(created)).toBe(201);
      await until(() => stateOf(daemon.uri, name), (state) => state === 'running', 15_000, `${name} running`);
      await expectInvariants({ uri: daemon.uri, dbPath, inScope: (domain) => domain === name, acknowledged: [{ name, id: created.body.id }] });
    } finally {
      if (!resumed) daemon.resume();
    }
    await svc.stop();
  }, 120_000);
});
