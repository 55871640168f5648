import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http-client.js';
import { eventually } from '../support/libvirtd.js';
import { testToken, writeTokensFile } from '../support/tokens.js';
import { QEMU_URI, uniqueName } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, type VnfmProcess } from '../support/vnfm-service.js';

/** libvirt's own words (network names, paths) reach admin tokens only. */
describe('libvirt text is shown to admin tokens only (qemu:///system)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-redact-'));
  const reader = testToken('reader', 'read');
  const writer = testToken('writer', 'write');
  const admin = testToken('admin', 'admin');
  const name = uniqueName('redact');
  const missingNetwork = `vnfm-absent-${process.pid}`;
  let service: VnfmProcess;
  const get = (path: string, token: string) => rawRequest({ base: service.base, method: 'GET', path, token });

  beforeAll(async () => {
    writeTokensFile(join(dir, 'tokens'), [reader, writer, admin]);
    service = await startVnfm({ dbPath: join(dir, 'vnfm.db'), uri: QEMU_URI, env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: join(dir, 'tokens') } });
  });
  afterAll(async () => {
    await rawRequest({ base: service.base, method: 'DELETE', path: `/api/v1/vnfs/${name}`, token: admin.token }).catch(() => undefined);
    await eventually(async () => (await get(`/api/v1/vnfs/${name}`, admin.token)).status === 404, 30_000, 'deleted').catch(() => undefined);
    await stopAllVnfm();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a start that libvirt refuses: the code for everyone, libvirt's message for admin", async () => {
    const body = { name, vcpus: 1, memoryMiB: 128, arch: 'aarch64', interfaces: [{ type: 'network', network: missingNetwork }] };
    const created = await rawRequest({ base: service.base, method: 'POST', path: '/api/v1/vnfs', token: writer.token, body });
    expect(created.status).toBe(201);
    await eventually(async () => (await get(`/api/v1/vnfs/${name}`, admin.token)).body.status?.lastError?.code === 'start-failed', 30_000, 'start-failed');

    const asAdmin = await get(`/api/v1/vnfs/${name}`, admin.token);
    expect(asAdmin.body.status.lastError.message).toContain(missingNetwork);
    // libvirt's wording, which the spec (shown to every reader) does not contain.
    const libvirtWords = /no network with matching name/i;
    expect(asAdmin.body.status.lastError.message).toMatch(libvirtWords);
    for (const token of [reader.token, writer.token]) {
      const view = await get(`/api/v1/vnfs/${name}`, token);
      expect(view.body.status.lastError.code).toBe('start-failed');
      expect(view.text).not.toMatch(libvirtWords);
      expect(view.body.status.lastError.message).not.toContain(missingNetwork);
      const list = await get('/api/v1/vnfs', token);
      expect(list.text).not.toMatch(libvirtWords);
      const events = await get(`/api/v1/vnfs/${name}/events`, token);
      expect(events.body.items.some((event: { type: string }) => event.type === 'start-failed')).toBe(true);
      expect(events.text).not.toMatch(libvirtWords);
    }
    expect((await get(`/api/v1/vnfs/${name}/events`, admin.token)).text).toMatch(libvirtWords);
    // The same VNF started again through the API answers its view the same way.
    const started = await rawRequest({ base: service.base, method: 'POST', path: `/api/v1/vnfs/${name}/start`, token: writer.token });
    expect(started.text).not.toMatch(libvirtWords);
  });
});
