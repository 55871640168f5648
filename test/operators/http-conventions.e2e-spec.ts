import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDomains } from '../support/invariants.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, type VnfmProcess } from '../support/vnfm-service.js';
import { writeDb } from '../reliability/helpers.js';

const URI = TEST_DRIVER_URI;
const body = (name: string, vcpus = 1) => ({ name, vcpus, memoryMiB: 64 });

describe('HTTP conventions: ETag / If-Match, Idempotency-Key, Location (test driver)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(URI);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a VNF carries a strong ETag that follows its intent, not the observed status', async () => {
    const name = uniqueName('etag');
    const created = await t.http.post('/api/v1/vnfs').send(body(name)).expect(201);
    expect(created.headers.location).toBe(`/api/v1/vnfs/${name}`);
    const tag = created.headers.etag as string;
    expect(tag).toMatch(/^"1-[A-Za-z0-9_-]{22}"$/);
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).headers.etag).toBe(tag);
    // A reconcile pass records status, not intent: the tag stays.
    await t.http.post('/api/v1/reconcile').expect((answer) => expect(answer.status).toBeLessThan(300));
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).headers.etag).toBe(tag);
    const stopped = await t.http.post(`/api/v1/vnfs/${name}/stop`).expect(202);
    expect(stopped.headers.etag).not.toBe(tag);
    const replaced = await t.http.put(`/api/v1/vnfs/${name}`).send(body(name, 2)).expect(200);
    expect(replaced.headers.etag).toMatch(/^"2-/);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('If-Match on PUT and DELETE: 412 precondition-failed on a stale tag, and nothing changes', async () => {
    const name = uniqueName('ifm');
    const first = (await t.http.put(`/api/v1/vnfs/${name}`).send(body(name)).expect(201)).headers.etag as string;
    const second = (await t.http.put(`/api/v1/vnfs/${name}`).set('If-Match', first).send(body(name, 2)).expect(200)).headers.etag as string;
    expect(second).not.toBe(first);

    const stale = await t.http.put(`/api/v1/vnfs/${name}`).set('If-Match', first).send(body(name, 3)).expect(412);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stale.body).toMatchObject({ type: expect.stringMatching(/precondition-failed$/), status: 412 });
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.spec.vcpus).toBe(2);

    // Weak tags never match (If-Match compares strongly); a list matches when one is current.
    await t.http.put(`/api/v1/vnfs/${name}`).set('If-Match', `W/${second}`).send(body(name, 3)).expect(412);
    await t.http.delete(`/api/v1/vnfs/${name}`).set('If-Match', first).expect(412);
    expect(t.countRows('vnf')).toBeGreaterThan(0);
    expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.status.pendingOperation).not.toBe('delete');

    const bad = await t.http.delete(`/api/v1/vnfs/${name}`).set('If-Match', 'not-quoted').expect(400);
    expect(bad.body.errors[0].field).toBe('If-Match');
    await t.http.delete(`/api/v1/vnfs/${name}`).set('If-Match', `"x", ${second}`).expect(202);
  });

  it('If-Match on a VNF that does not exist is 412, and nothing is created', async () => {
    const name = uniqueName('ifm');
    await t.http.put(`/api/v1/vnfs/${name}`).set('If-Match', '*').send(body(name)).expect(412);
    await t.http.get(`/api/v1/vnfs/${name}`).expect(404);
    expect((await listAll(URI)).has(name)).toBe(false);
  });

  it('Idempotency-Key: a damaged stored answer is not replayed; the retry gets the VNF as it is, never a 500', async () => {
    for (const damage of ['{"id":', '42', 'null', '[1,2]']) {
      const name = uniqueName('idemdmg');
      const key = `k-${name}`;
      const first = await t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send(body(name)).expect(201);
      writeDb(t.dbPath, (db) => expect(db.prepare(`UPDATE "idempotency_key" SET "response" = ? WHERE "key" = ?`).run(damage, key).changes).toBe(1));
      const retry = await t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send(body(name));
      expect(retry.status, `${damage}: ${retry.text}`).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toMatchObject({ id: first.body.id, name });
      await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    }
  });

  it('Idempotency-Key: a retry gets the first answer, and two concurrent retries make one VNF', async () => {
    const name = uniqueName('idem');
    const key = `k-${name}`;
    const [a, b] = await Promise.all([
      t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send(body(name)),
      t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send({ memoryMiB: 64, vcpus: 1, name }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).toBe(b.body.id);
    expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].sort()).toEqual(['true', undefined].sort());
    expect(b.headers.location).toBe(`/api/v1/vnfs/${name}`);

    const later = await t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send(body(name)).expect(201);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.body).toEqual(a.headers['idempotent-replayed'] ? b.body : a.body);
    // Without the key, the same body is a second create: refused, the name is taken.
    await t.http.post('/api/v1/vnfs').send(body(name)).expect(409);
    expect([...(await listAll(URI)).keys()].filter((domain) => domain === name)).toHaveLength(1);

    const reused = await t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send(body(uniqueName('idem'))).expect(422);
    expect(reused.body).toMatchObject({ type: expect.stringMatching(/idempotency-key-reused$/), status: 422 });
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    // The key outlives the VNF it made: a late retry does not make it again.
    const afterDelete = await t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send(body(name)).expect(201);
    expect(afterDelete.headers['idempotent-replayed']).toBe('true');
    await t.http.get(`/api/v1/vnfs/${name}`).expect(404);
  });

  it('two concurrent requests under one key with different bodies: one VNF, the other 422', async () => {
    const key = uniqueName('idem-k');
    const names = [uniqueName('idem'), uniqueName('idem')];
    const answers = await Promise.all(names.map((name) => t.http.post('/api/v1/vnfs').set('Idempotency-Key', key).send(body(name))));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 422]);
    const winner = answers.find((answer) => answer.status === 201)!.body.name as string;
    const loser = names.find((name) => name !== winner)!;
    await t.http.get(`/api/v1/vnfs/${loser}`).expect(404);
    expect((await listAll(URI)).has(loser)).toBe(false);
    await t.http.delete(`/api/v1/vnfs/${winner}`).expect(202);
  });

  it('a malformed key is a 400 and writes nothing; a dry run ignores the key', async () => {
    const name = uniqueName('idem');
    const before = t.countRows('idempotency_key');
    const bad = await t.http.post('/api/v1/vnfs').set('Idempotency-Key', 'spaces are not allowed').send(body(name)).expect(400);
    expect(bad.body.errors[0].field).toBe('Idempotency-Key');
    await t.http.post('/api/v1/vnfs?dryRun=true').set('Idempotency-Key', `dry-${name}`).send(body(name)).expect(200);
    expect(t.countRows('idempotency_key')).toBe(before);
    await t.http.get(`/api/v1/vnfs/${name}`).expect(404);
  });
});

describe('Idempotency-Key survives a crash right after the commit (built service, SIGKILL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-idem-crash-'));
  const dbPath = join(dir, 'vnfm.db');
  const name = uniqueName('idemcrash');
  afterAll(async () => {
    await stopAllVnfm();
    await removeDomains(URI, (domain) => domain === name);
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (service: VnfmProcess) =>
    fetch(`${service.base}/api/v1/vnfs`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `crash-${name}` }, body: JSON.stringify(body(name)) });

  it('the key and the VNF were stored together: the retry after restart is a replay, not a second VNF', async () => {
    const crashing = await startVnfm({ dbPath, uri: URI, env: { VNFM_FAILPOINT: 'after-commit' } });
    await post(crashing).then(
      () => undefined,
      () => undefined,
    );
    await crashing.exited;
    const service = await startVnfm({ dbPath, uri: URI });
    const retry = await post(service);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const listed = (await service.call('GET', '/vnfs')).body.items.filter((item: { name: string }) => item.name === name);
    expect(listed).toHaveLength(1);
    expect(((await retry.json()) as { id: string }).id).toBe(listed[0].id);
    expect((await service.call('DELETE', `/vnfs/${name}`)).status).toBe(202);
  });
});
