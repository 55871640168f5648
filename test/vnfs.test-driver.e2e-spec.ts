import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, domstate, listAll, uniqueName, virsh, virshResult } from './support/virsh.js';
import { virtXmlValidate } from './support/xml-validate.js';

const URI = TEST_DRIVER_URI;

describe('VNF lifecycle on the libvirt test driver (test+unix:///default)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(URI);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is ready once the database is migrated and libvirt is connected', async () => {
    const response = await t.http.get('/readyz').expect(200);
    expect(response.body.checks).toEqual({ database: true, libvirt: true, connections: [{ uri: TEST_DRIVER_URI, kind: 'vm', connected: true }] });
  });

  it('create -> virsh shows it running with vnfm metadata -> delete -> virsh no longer has it', async () => {
    const name = uniqueName('life');
    const created = await t.http
      .post('/api/v1/vnfs')
      .send({ name, description: 'edge firewall', vcpus: 2, memoryMiB: 256, arch: 'aarch64', interfaces: [{ type: 'user' }, { type: 'network', network: 'default' }] })
      .expect(201);
    expect(created.headers.location).toBe(`/api/v1/vnfs/${name}`);
    expect(created.body.status).toMatchObject({ phase: 'Running', generation: 1, observedGeneration: 1, lastError: null });
    expect(created.body.status.domain).toMatchObject({ uuid: created.body.id, state: 'running', persistent: true });
    expect(created.body.spec).toMatchObject({ arch: 'aarch64', machine: 'virt', powerState: 'running' });

    expect((await listAll(URI)).get(name)).toBe('running');
    const dumped = await virsh(URI, 'dumpxml', name);
    expect(dumped).toContain('<vnfm:vnf xmlns:vnfm="https://vnfm.dev/xmlns/vnfm/1">');
    expect(dumped).toContain(`<vnfm:id>${created.body.id}</vnfm:id>`);
    expect(dumped).toContain('<title>edge firewall</title>');
    expect(dumped).toContain(`<uuid>${created.body.id}</uuid>`);
    expect(await virsh(URI, 'dominfo', name)).toMatch(/Persistent:\s+yes/);

    const got = await t.http.get(`/api/v1/vnfs/${name}`).expect(200);
    expect(got.body.status.domain.state).toBe('running');
    const list = await t.http.get('/api/v1/vnfs').expect(200);
    expect(list.body.items.map((item: { name: string }) => item.name)).toContain(name);

    const desired = await t.http.get(`/api/v1/vnfs/${name}/domain.xml`).expect(200).expect('content-type', /application\/xml/);
    expect((await virtXmlValidate(desired.text)).valid).toBe(true);
    const live = await t.http.get(`/api/v1/vnfs/${name}/domain.xml?live=true`).expect(200);
    expect(live.text).toContain(`<domain type='qemu' id=`);

    const deleted = await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect(deleted.body.status.phase).toBe('Deleting');
    expect((await listAll(URI)).has(name)).toBe(false);
    const gone = await t.http.get(`/api/v1/vnfs/${name}`).expect(404);
    expect(gone.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(t.countRows('vnf')).toBe(0);
  });

  it('dry run: answers the domain XML it would define and writes nothing', async () => {
    const name = uniqueName('dry');
    const rowsBefore = t.countRows('vnf');
    const response = await t.http
      .post('/api/v1/vnfs?dryRun=true')
      .send({ name, vcpus: 2, memoryMiB: 256, arch: 'aarch64', interfaces: [{ type: 'bridge', bridge: 'br-int', ovs: true, vlan: 100 }] })
      .expect(200);
    expect(response.body).toMatchObject({ dryRun: true, devices: [], spec: { name, machine: 'virt' } });
    expect(response.body.domainXml).toContain(`<name>${name}</name>`);
    expect(response.body.domainXml).toContain(`<tag id="100"/>`);
    expect((await virtXmlValidate(response.body.domainXml)).valid).toBe(true);
    expect(t.countRows('vnf')).toBe(rowsBefore);
    expect((await listAll(URI)).has(name)).toBe(false);
    await t.http.get(`/api/v1/vnfs/${name}`).expect(404);

    const badFlag = await t.http.post('/api/v1/vnfs?dryRun=maybe').send({ name, vcpus: 1, memoryMiB: 128 }).expect(400);
    expect(badFlag.body.errors).toEqual([{ field: 'dryRun', reason: 'must be true or false' }]);
  });

  it('dry run runs the same checks as create: a taken name is a 409', async () => {
    const name = uniqueName('drytaken');
    await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128 }).expect(201);
    await t.http.post('/api/v1/vnfs?dryRun=true').send({ name, vcpus: 1, memoryMiB: 128 }).expect(409);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('defines but does not start a VNF whose powerState is stopped', async () => {
    const name = uniqueName('stopped');
    const created = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128, powerState: 'stopped' }).expect(201);
    expect(created.body.status.phase).toBe('Stopped');
    expect(await domstate(URI, name)).toBe('shut off');
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
    expect((await listAll(URI)).has(name)).toBe(false);
  });

  it('answers 409 for a taken name and keeps the first VNF as it was', async () => {
    const name = uniqueName('taken');
    const first = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 128 }).expect(201);
    const second = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 4, memoryMiB: 512 }).expect(409);
    expect(second.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(second.body).toMatchObject({ status: 409, field: 'name' });
    expect(t.countRows('vnf')).toBe(1);
    expect(await virsh(URI, 'dumpxml', name)).toContain(`<uuid>${first.body.id}</uuid>`);
    expect(await virsh(URI, 'dumpxml', name)).toContain(`<vcpu placement='static'>1</vcpu>`);
    await t.http.delete(`/api/v1/vnfs/${name}`).expect(202);
  });

  it('never overwrites a libvirt domain it does not own', async () => {
    const name = uniqueName('foreign');
    const foreignXml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`;
    const { writeFileSync } = await import('node:fs');
    const file = `${t.dbPath}.foreign.xml`;
    writeFileSync(file, foreignXml);
    await virsh(URI, 'define', file);
    try {
      const response = await t.http.post('/api/v1/vnfs').send({ name, vcpus: 2, memoryMiB: 256 }).expect(409);
      expect(response.body.type).toMatch(/domain-name-taken/);
      expect(t.countRows('vnf')).toBe(0);
      const dumped = await virsh(URI, 'dumpxml', name);
      expect(dumped).not.toContain('vnfm');
      expect(dumped).toContain(`<vcpu placement='static'>1</vcpu>`);
    } finally {
      await virshResult(URI, 'undefine', name);
    }
  });

  describe('bad input: 400 problem+json naming the field, nothing written anywhere', () => {
    const bad: Array<[string, unknown, string]> = [
      ['a name with <', { name: 'fw<1', vcpus: 1, memoryMiB: 128 }, 'name'],
      ['a name with /', { name: 'fw/../x', vcpus: 1, memoryMiB: 128 }, 'name'],
      ["a name with '", { name: "fw'1", vcpus: 1, memoryMiB: 128 }, 'name'],
      ['a 100-character name', { name: 'a'.repeat(100), vcpus: 1, memoryMiB: 128 }, 'name'],
      ['vcpus 0', { name: 'ok-name', vcpus: 0, memoryMiB: 128 }, 'vcpus'],
      ['vcpus as a string', { name: 'ok-name', vcpus: '2', memoryMiB: 128 }, 'vcpus'],
      ['memoryMiB missing', { name: 'ok-name', vcpus: 1 }, 'memoryMiB'],
      ['name missing', { vcpus: 1, memoryMiB: 128 }, 'name'],
      ['an unknown field', { name: 'ok-name', vcpus: 1, memoryMiB: 128, hugepagez: true }, 'hugepagez'],
      ['an unknown interface field', { name: 'ok-name', vcpus: 1, memoryMiB: 128, interfaces: [{ type: 'user', script: '/bin/sh' }] }, 'interfaces[0].script'],
      ['a bridge name with a quote', { name: 'ok-name', vcpus: 1, memoryMiB: 128, interfaces: [{ type: 'bridge', bridge: "br0'" }] }, 'interfaces[0].bridge'],
      ['a description with a newline', { name: 'ok-name', description: 'a\nb', vcpus: 1, memoryMiB: 128 }, 'description'],
      ['interfaces not a list', { name: 'ok-name', vcpus: 1, memoryMiB: 128, interfaces: 'user' }, 'interfaces'],
    ];

    let rowsBefore: number;
    let domainsBefore: Map<string, string>;
    beforeAll(async () => {
      rowsBefore = t.countRows('vnf');
      domainsBefore = await listAll(URI);
    });

    it.each(bad)('%s', async (_label, body, field) => {
      const response = await t.http.post('/api/v1/vnfs').send(body as object).expect(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 400, type: expect.stringContaining('invalid-request') });
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it('malformed JSON and non-object bodies', async () => {
      const malformed = await t.http.post('/api/v1/vnfs').set('content-type', 'application/json').send('{"name": "x",').expect(400);
      expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
      await t.http.post('/api/v1/vnfs').send([{ name: 'x' }]).expect(400);
      await t.http.post('/api/v1/vnfs').set('content-type', 'application/json').send('"just a string"').expect(400);
    });

    it('left the database and libvirt unchanged', async () => {
      expect(t.countRows('vnf')).toBe(rowsBefore);
      expect(await listAll(URI)).toEqual(domainsBefore);
    });
  });

  it('answers unknown routes and VNFs with problem+json 404', async () => {
    const route = await t.http.get('/api/v1/nope').expect(404);
    expect(route.headers['content-type']).toMatch(/application\/problem\+json/);
    const vnf = await t.http.get('/api/v1/vnfs/does-not-exist').expect(404);
    expect(vnf.body.detail).toContain('does-not-exist');
  });
});
