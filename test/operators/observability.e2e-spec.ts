import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, type SseEvent, type SseStream } from '../support/sse.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/libvirtd.js';
import { TEST_DRIVER_URI, domstate, uniqueName, virsh } from '../support/virsh.js';

const URI = TEST_DRIVER_URI;

/** One sample's value from a Prometheus exposition (0 when the series is not there). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('operators follow a VNF: request ids in JSON logs, the watch stream, histograms (test driver)', () => {
  let t: TestApp;
  let base: string;
  const logs: string[] = [];
  const name = uniqueName('obs');
  let before = '';

  beforeAll(async () => {
    const stream = new PassThrough();
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      logs.push(...lines);
    });
    t = await startTestApp(URI, { VNFM_LOG_FORMAT: 'json' }, { logStream: stream });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    before = (await t.http.get('/metrics').expect(200)).text;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every log line is one JSON object; lines of a request carry its X-Request-Id and the VNF name', async () => {
    const created = await t.http.post('/api/v1/vnfs').set('X-Request-Id', `req-${name}`).send({ name, vcpus: 1, memoryMiB: 64 }).expect(201);
    expect(created.headers['x-request-id']).toBe(`req-${name}`);
    const parsed = logs.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.length).toBeGreaterThan(0);
    const ofRequest = parsed.filter((line) => line.requestId === `req-${name}`);
    // The audit line (structured) and the reconciler's lines about the VNF, all with the id.
    expect(ofRequest.find((line) => line.context === 'Audit')).toMatchObject({ vnf: name, audit: { method: 'POST', status: 201 }, level: 30 });
    expect(ofRequest.some((line) => line.context === 'VnfEvents' && line.vnf === name)).toBe(true);
    expect(parsed.every((line) => typeof line.time === 'string' && typeof line.msg === 'string')).toBe(true);
  });

  it('an X-Request-Id outside the pattern is replaced by a fresh one', async () => {
    const answer = await t.http.get(`/api/v1/vnfs/${name}`).set('X-Request-Id', 'no spaces; or "quotes"').expect(200);
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await t.http.get(`/api/v1/vnfs/${name}`).expect(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.headers['x-request-id']).not.toBe(answer.headers['x-request-id']);
  });

  let watch: SseStream;
  const isAbout = (wanted: string) => (event: SseEvent) => event.type === wanted && (JSON.parse(event.data) as { name: string | null }).name === watchedName;
  const watchedName = uniqueName('watch');
  let addedId = 0;

  it('the watch stream sees a create, a sabotage repaired by the reconciler, and a delete', async () => {
    watch = await openSse(`${base}/api/v1/events`);
    expect(watch.status).toBe(200);
    expect(watch.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await watch.next((event) => event.type === 'BOOKMARK', 10_000, 'the bookmark');

    await t.http.post('/api/v1/vnfs').send({ name: watchedName, vcpus: 1, memoryMiB: 64 }).expect(201);
    const added = await watch.next(isAbout('ADDED'), 20_000, 'ADDED');
    addedId = Number(added.id);
    expect(addedId).toBeGreaterThan(0);
    expect(JSON.parse(added.data)).toMatchObject({ type: 'ADDED', object: { name: watchedName, spec: { vcpus: 1 } } });

    // Sabotage behind vnfm's back; the reconciler starts it again, and the stream tells.
    await virsh(URI, 'destroy', watchedName);
    const repaired = await watch.next(
      (event) => isAbout('MODIFIED')(event) && Number(event.id) > addedId && (JSON.parse(event.data) as { object: { status: { domain: { state: string } } } }).object.status.domain.state === 'running',
      30_000,
      'MODIFIED after the repair',
    );
    expect(Number(repaired.id)).toBeGreaterThan(addedId);
    await eventually(async () => (await domstate(URI, watchedName)) === 'running', 10_000, 'running again');
    const events = (await t.http.get(`/api/v1/vnfs/${watchedName}/events`).expect(200)).body.items as Array<{ type: string }>;
    expect(events.filter((event) => event.type === 'Started').length).toBeGreaterThanOrEqual(2);

    await t.http.delete(`/api/v1/vnfs/${watchedName}`).expect(202);
    const deleted = await watch.next(isAbout('DELETED'), 20_000, 'DELETED');
    expect(JSON.parse(deleted.data)).toEqual({ type: 'DELETED', name: watchedName, object: null });
    watch.close();
  });

  it('a watch filtered by label is told of the deletion of a VNF that matched before it started', async () => {
    const labelled = uniqueName('lblw');
    await t.http.post('/api/v1/vnfs').send({ name: labelled, vcpus: 1, memoryMiB: 64, labels: { team: labelled } }).expect(201);
    const other = uniqueName('lblw');
    await t.http.post('/api/v1/vnfs').send({ name: other, vcpus: 1, memoryMiB: 64, labels: { team: 'someone-else' } }).expect(201);
    const filtered = await openSse(`${base}/api/v1/events?label=team=${labelled}`);
    await filtered.next((event) => event.type === 'BOOKMARK', 10_000, 'the bookmark');
    await t.http.delete(`/api/v1/vnfs/${other}`).expect(202);
    await t.http.delete(`/api/v1/vnfs/${labelled}`).expect(202);
    const deleted = await filtered.next((event) => event.type === 'DELETED', 20_000, 'DELETED');
    // The other VNF's deletion (first) is not this watcher's.
    expect(JSON.parse(deleted.data)).toEqual({ type: 'DELETED', name: labelled, object: null });
    filtered.close();
  });

  it('resumes after Last-Event-ID from the durable change log', async () => {
    const resumed = await openSse(`${base}/api/v1/events`, { 'last-event-id': String(addedId) });
    await resumed.next((event) => event.type === 'BOOKMARK' && Number(event.id) === addedId, 10_000, 'the bookmark at the given id');
    const replayed = await resumed.next(isAbout('DELETED'), 10_000, 'the DELETED it missed');
    expect(Number(replayed.id)).toBeGreaterThan(addedId);
    resumed.close();
    const bad = await t.http.get('/api/v1/events').set('Last-Event-ID', 'yesterday').expect(400);
    expect(bad.body.errors[0].field).toBe('Last-Event-ID');
  });

  it('after all that, the histograms moved: passes, actions, libvirt calls, HTTP requests', async () => {
    await t.http.post('/api/v1/reconcile').expect((answer) => expect(answer.status).toBeLessThan(300));
    const after = await t.http.get('/metrics').expect(200);
    expect(after.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const moved = (series: string) => sample(after.text, series) - sample(before, series);
    expect(moved('vnfm_reconcile_pass_duration_seconds_count{outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(moved('vnfm_action_duration_seconds_count{kind="start",outcome="ok"}')).toBeGreaterThanOrEqual(3);
    expect(moved('vnfm_action_duration_seconds_count{kind="define",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    expect(moved('vnfm_libvirt_call_duration_seconds_count{call="defineDomain",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    expect(moved('vnfm_http_request_duration_seconds_count{method="POST",route="/api/v1/vnfs",status="201"}')).toBeGreaterThanOrEqual(2);
    expect(moved('vnfm_http_request_duration_seconds_count{method="DELETE",route="/api/v1/vnfs/:name",status="202"}')).toBeGreaterThanOrEqual(1);
    expect(after.text).toContain('# TYPE vnfm_reconcile_pass_duration_seconds histogram');
    expect(after.text).toMatch(/^vnfm_reconcile_queue_depth \d+$/m);
    expect(after.text).toMatch(/^vnfm_domain_stats_up 1$/m);
    // The names of the hand-written exposition still answer.
    expect(sample(after.text, 'vnfm_libvirt_connected{kind="vm"}')).toBe(1);
    expect(after.text).toContain('# TYPE vnfm_reconcile_passes_total counter');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });
});
