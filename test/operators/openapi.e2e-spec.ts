import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../libs/core/src/index.js';
import { ImageDir } from '../support/image-dir.js';
import { ls2088aHost, x86Host, type HostFixture } from '../support/sysfs-fixture.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TEST_DRIVER_URI } from '../support/virsh.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an OpenAPI document, read field by field

describe('the OpenAPI 3.1 document (/docs/openapi.json) and Swagger UI (/docs)', () => {
  let host: HostFixture;
  let images: ImageDir;
  let sockets: string;
  let t: TestApp;
  let document: Json;
  beforeAll(async () => {
    // One fixture host with both a Layerscape DPRC and x86 PCI / SR-IOV functions, the examples'
    // bridge, and real image files where the examples name them (their folders relocated).
    host = x86Host(ls2088aHost()).netdev('br-mgmt', { kind: 'bridge' });
    images = new ImageDir();
    images.qcow2('fw-1.qcow2');
    images.qcow2('router.qcow2');
    images.raw('Image');
    images.raw('initrd');
    sockets = mkdtempSync(join(tmpdir(), 'vnfm-openapi-sockets-'));
    mkdirSync(join(sockets, 'openvswitch'));
    t = await startTestApp(TEST_DRIVER_URI, {
      VNFM_SYSFS_ROOT: host.sysfsRoot,
      VNFM_PROCFS_ROOT: host.procfsRoot,
      VNFM_IMAGE_DIRS: images.dir,
      VNFM_VHOST_SOCKET_DIRS: join(sockets, 'openvswitch'),
    });
    document = (await t.http.get('/docs/openapi.json').expect(200)).body as Json;
  });
  afterAll(async () => {
    await t?.close();
    host?.remove();
    images?.remove();
    rmSync(sockets, { recursive: true, force: true });
  });

  /** The example with its host folders moved to this test's (the document names the defaults). */
  const relocated = (value: Json): Json =>
    JSON.parse(JSON.stringify(value).replaceAll('/var/lib/vnfm/images', images.dir).replaceAll('/var/run/openvswitch', join(sockets, 'openvswitch'))) as Json;

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('its request schema is the zod schema that validates requests', () => {
    const request = document.components.schemas.VnfRequest;
    expect(request.properties.name.pattern).toBe('^[a-z][a-z0-9-]{0,62}$');
    expect(request.properties.vcpus).toMatchObject({ minimum: 1, maximum: 256 });
    expect(request.additionalProperties).toBe(false);
    expect(request.required).toEqual(expect.arrayContaining(['name', 'vcpus', 'memoryMiB']));
  });

  it('documents every error code as problem+json', () => {
    const types = document.components.schemas.Problem.properties.type.enum as string[];
    expect(types.map((type) => type.split('/').pop())).toEqual([...ERROR_CODES]);
    const described = Object.values(document.components.responses as Record<string, { description: string; content: Json }>);
    for (const code of ERROR_CODES) expect(described.some((response) => response.description.includes(`\`${code}\``)), code).toBe(true);
    for (const response of described) expect(Object.keys(response.content)).toEqual(['application/problem+json']);
    expect(document.paths['/api/v1/vnfs/{name}'].put.responses['412']).toEqual({ $ref: '#/components/responses/Problem412' });
  });

  it('every example (DPAA2, OVS-DPDK, SR-IOV, PCI) is accepted by the running API as a dry run', async () => {
    const examples = document.paths['/api/v1/vnfs'].post.requestBody.content['application/json'].examples as Record<string, { value: Json }>;
    expect(Object.keys(examples).sort()).toEqual(['dpaa2', 'ovsDpdk', 'pci', 'sriov']);
    for (const [kind, example] of Object.entries(examples)) {
      const answer = await t.http.post('/api/v1/vnfs?dryRun=true').send(relocated(example.value));
      expect(answer.status, `${kind}: ${JSON.stringify(answer.body).slice(0, 400)}`).toBe(200);
      expect(answer.body).toMatchObject({ dryRun: true, spec: { name: example.value.name } });
      expect(answer.body.domainXml).toMatch(/^<domain /);
    }
    expect(t.countRows('vnf')).toBe(0);
  });

  it('Swagger UI is served from the service itself, with a CSP relaxed on that page only', async () => {
    const page = await t.http.get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('/docs/swagger-ui-bundle.js');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await t.http.get('/docs/swagger-ui-bundle.js').expect(200)).text.length).toBeGreaterThan(100_000);
    expect((await t.http.get('/docs/init.js').expect(200)).text).toContain("url: '/docs/openapi.json'");
    const api = await t.http.get('/api/v1/vnfs').expect(200);
    expect(api.headers['content-security-policy']).toMatch(/^default-src 'none'/);
  });
});
