import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/test-app.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from '../../support/virsh.js';

/**
 * The fault campaign's findings, each as a regression test, and the query-parameter contract on
 * every route: an unknown (or repeated single) parameter is a 400 naming it, and nothing happens.
 */
describe('fault-campaign findings: XML 1.0 text, reserved keys, query parameters', () => {
  let t: TestApp;
  let name: string;

  beforeAll(async () => {
    t = await startTestApp(TEST_DRIVER_URI);
    name = uniqueName('findings');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128 }).expect(201);
  });
  afterAll(async () => {
    await t?.http.delete(`/api/v1/vnfs/${name}`);
    await t?.close();
  });

  function expectInvalid(response: { status: number; headers: Record<string, string>; body: any }, errors: Array<{ field: string; reason: string | RegExp }>) {
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, type: 'https://vnfm.dev/problems/invalid-request' });
    for (const { field, reason } of errors) {
      expect(response.body.errors).toContainEqual({ field, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });
    }
  }

  describe('a description that is not XML 1.0 text is a 400, never a 500', () => {
    it.each([
      ['\ufffe', 'U+FFFE'],
      ['\uffff', 'U+FFFF'],
      ['edge \u{1fffe}', 'U+1FFFE'],
      ['edge \u{10ffff}', 'U+10FFFF'],
      ['\ufdd0', 'U+FDD0'],
      ['lone \ud800', 'U+D800'],
      ['lone \udfff', 'U+DFFF'],
      ['c1 \u0085', 'U+0085'],
    ])('%j', async (description, codePoint) => {
      for (const query of ['?dryRun=true', '']) {
        const response = await t.http.post(`/api/v1/vnfs${query}`).send({ name: uniqueName('xml'), description, vcpus: 1, memoryMiB: 128 });
        expectInvalid(response, [{ field: 'description', reason: `must be XML 1.0 text: ${codePoint} is not allowed` }]);
      }
      const replaced = await t.http.put(`/api/v1/vnfs/${name}`).send({ description, vcpus: 1, memoryMiB: 128 });
      expectInvalid(replaced, [{ field: 'description', reason: `must be XML 1.0 text: ${codePoint} is not allowed` }]);
    });
  });

  describe('a reserved key anywhere in the body is a 400 naming it, never dropped', () => {
    it.each([
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"labels":{"__proto__":"x"}}', 'labels.__proto__'],
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"labels":{"constructor":"x"}}', 'labels.constructor'],
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"labels":{"prototype":"x"}}', 'labels.prototype'],
      ['{"__proto__":{"vcpus":64},"name":"%s","vcpus":1,"memoryMiB":128}', '__proto__'],
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"interfaces":[{"type":"user","__proto__":{"type":"direct"}}]}', 'interfaces[0].__proto__'],
    ])('%s', async (template, field) => {
      for (const path of ['/api/v1/vnfs?dryRun=true', '/api/v1/vnfs', `/api/v1/vnfs/${name}`]) {
        const body = template.replace('%s', path.endsWith(name) ? name : uniqueName('proto'));
        const request = path.endsWith(name) ? t.http.put(path) : t.http.post(path);
        const response = await request.set('content-type', 'application/json').send(body);
        expectInvalid(response, [{ field, reason: 'reserved key' }]);
      }
    });
  });

  describe('a key twice in one object is a 400 naming it, never the last one silently', () => {
    it.each([
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"memoryMiB":99999}', 'memoryMiB'],
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"labels":{"tier":"a","tier":"b"}}', 'labels.tier'],
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"interfaces":[{"type":"user"},{"type":"user","type":"direct"}]}', 'interfaces[1].type'],
      ['{"name":"%s","vcpus":1,"memoryMiB":128,"vcpu\\u0073":2}', 'vcpus'],
    ])('%s', async (template, field) => {
      for (const path of ['/api/v1/vnfs?dryRun=true', '/api/v1/vnfs', `/api/v1/vnfs/${name}`]) {
        const body = template.replace('%s', path.endsWith(name) ? name : uniqueName('twice'));
        const rows = t.countRows('vnf');
        const request = path.endsWith(name) ? t.http.put(path) : t.http.post(path);
        const response = await request.set('content-type', 'application/json').send(body);
        expectInvalid(response, [{ field, reason: /^duplicate key/ }]);
        expect(t.countRows('vnf')).toBe(rows);
      }
      // The PUT changed nothing either.
      expect((await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body.spec.memoryMiB).toBe(128);
    });
  });

  it('a body that repeats a key and is not JSON either is refused as not JSON', async () => {
    const response = await t.http.post('/api/v1/vnfs').set('content-type', 'application/json').send('{"name":"a","name":"b"');
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({ field: '(body)', reason: expect.stringMatching(/JSON/) });
  });

  describe('query parameters: only the known ones, each once', () => {
    it('POST /vnfs?dryrun=true (lower case) is refused and creates nothing', async () => {
      const fresh = uniqueName('dryrun');
      const rows = t.countRows('vnf');
      const response = await t.http.post('/api/v1/vnfs?dryrun=true').send({ name: fresh, vcpus: 1, memoryMiB: 128 });
      expectInvalid(response, [{ field: 'dryrun', reason: 'unknown query parameter (known: dryRun)' }]);
      expect(response.body.errors).toHaveLength(1);
      expect(t.countRows('vnf')).toBe(rows);
      expect((await listAll(TEST_DRIVER_URI)).has(fresh)).toBe(false);
      await t.http.get(`/api/v1/vnfs/${fresh}`).expect(404);
    });

    it('a repeated dryRun is refused, whatever the values', async () => {
      const fresh = uniqueName('twice');
      for (const query of ['dryRun=true&dryRun=false', 'dryRun=false&dryRun=true', 'dryRun=true&dryRun=true']) {
        const response = await t.http.post(`/api/v1/vnfs?${query}`).send({ name: fresh, vcpus: 1, memoryMiB: 128 });
        expectInvalid(response, [{ field: 'dryRun', reason: 'must be given at most once (given 2 times)' }]);
      }
      await t.http.get(`/api/v1/vnfs/${fresh}`).expect(404);
    });

    it('the known parameters keep working', async () => {
      await t.http.post('/api/v1/vnfs?dryRun=true').send({ name: uniqueName('ok'), vcpus: 1, memoryMiB: 128 }).expect(200);
      const bad = await t.http.post('/api/v1/vnfs?dryRun=yes').send({ name: uniqueName('ok'), vcpus: 1, memoryMiB: 128 });
      expectInvalid(bad, [{ field: 'dryRun', reason: 'must be true or false' }]);
      const list = await t.http.get(`/api/v1/vnfs?label=a&label=b=c`).expect(200);
      expect(list.body.items).toEqual([]);
      expect((await t.http.get('/api/v1/vnfs').expect(200)).body.items.map((item: { name: string }) => item.name)).toContain(name);
      await t.http.get(`/api/v1/vnfs/${name}/domain.xml?live=true`).expect(200);
      await t.http.get(`/api/v1/vnfs/${name}/domain.xml?live=false`).expect(200);
      await t.http.get('/api/v1/host-devices?type=pci&assignable=true').expect(200);
    });

    const routes: Array<[method: 'get' | 'post' | 'put' | 'delete', path: (name: string) => string, known: string]> = [
      ['post', () => '/api/v1/vnfs', 'known: dryRun'],
      ['get', () => '/api/v1/vnfs', 'known: label, limit, cursor, phase'],
      ['put', (n) => `/api/v1/vnfs/${n}`, 'known: dryRun'],
      ['get', (n) => `/api/v1/vnfs/${n}`, 'this route takes none'],
      ['delete', (n) => `/api/v1/vnfs/${n}`, 'this route takes none'],
      ['post', (n) => `/api/v1/vnfs/${n}/start`, 'this route takes none'],
      ['post', (n) => `/api/v1/vnfs/${n}/stop`, 'this route takes none'],
      ['post', (n) => `/api/v1/vnfs/${n}/reboot`, 'this route takes none'],
      ['get', (n) => `/api/v1/vnfs/${n}/events`, 'this route takes none'],
      ['get', (n) => `/api/v1/vnfs/${n}/domain.xml`, 'known: live'],
      ['get', () => '/api/v1/host-devices', 'known: type, assignable'],
      ['post', () => '/api/v1/host-devices/rescan', 'this route takes none'],
      ['post', () => '/api/v1/reconcile', 'this route takes none'],
      ['get', () => '/api/v1/host', 'this route takes none'],
      ['get', () => '/healthz', 'this route takes none'],
      ['get', () => '/readyz', 'this route takes none'],
      ['get', () => '/metrics', 'this route takes none'],
    ];

    it.each(routes)('%s %s refuses an unknown parameter and does nothing', async (method, path, known) => {
      const before = (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body;
      const events = (await t.http.get(`/api/v1/vnfs/${name}/events`).expect(200)).body.items.length;
      const response = await t.http[method](`${path(name)}?force=true`).send({ name, vcpus: 2, memoryMiB: 256 });
      expectInvalid(response, [{ field: 'force', reason: `unknown query parameter (${known})` }]);
      const after = (await t.http.get(`/api/v1/vnfs/${name}`).expect(200)).body;
      expect(after.spec).toEqual(before.spec);
      expect(after.status.generation).toBe(before.status.generation);
      expect(after.status.domain?.state).toBe(before.status.domain?.state);
      expect((await t.http.get(`/api/v1/vnfs/${name}/events`).expect(200)).body.items.length).toBe(events);
    });

    it('repeated single parameters are refused on every route that has them', async () => {
      expectInvalid(await t.http.get(`/api/v1/vnfs/${name}/domain.xml?live=true&live=true`), [{ field: 'live', reason: /^must be given at most once/ }]);
      expectInvalid(await t.http.get('/api/v1/host-devices?type=pci&type=fsl-mc'), [{ field: 'type', reason: /^must be given at most once/ }]);
      expectInvalid(await t.http.get('/api/v1/host-devices?assignable=true&assignable=false'), [{ field: 'assignable', reason: /^must be given at most once/ }]);
    });

    it('names are case-sensitive and read as sent', async () => {
      expectInvalid(await t.http.get(`/api/v1/vnfs/${name}/domain.xml?Live=true`), [{ field: 'Live', reason: 'unknown query parameter (known: live)' }]);
      expectInvalid(await t.http.get('/api/v1/vnfs?label[]=a'), [{ field: 'label[]', reason: 'unknown query parameter (known: label, limit, cursor, phase)' }]);
      expectInvalid(await t.http.get('/api/v1/vnfs?labels=a'), [{ field: 'labels', reason: 'unknown query parameter (known: label, limit, cursor, phase)' }]);
      expectInvalid(await t.http.get('/api/v1/host?__proto__=x'), [{ field: '__proto__', reason: 'unknown query parameter (this route takes none)' }]);
    });

    it('unknown routes are still 404 problem+json', async () => {
      const response = await t.http.get('/api/v1/nope?dryrun=true').expect(404);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    });
  });
});
