import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http-client.js';
import { eventually } from '../support/libvirtd.js';
import { startPrivateLibvirtd, stopAllPrivateLibvirtd } from '../support/private-libvirtd.js';
import { testToken, writeTokensFile } from '../support/tokens.js';
import { uniqueName } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody } from '../support/vnfm-service.js';

describe('error bodies keep host paths from non-admin tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-redact-down-'));
  afterAll(async () => {
    await stopAllVnfm();
    await stopAllPrivateLibvirtd();
    rmSync(dir, { recursive: true, force: true });
  });

  it("libvirtd gone: nothing a write token reads names the socket path; an admin's 503 does; /readyz tells anonymous callers no path", async () => {
    const libvirtd = await startPrivateLibvirtd();
    const writer = testToken('writer', 'write');
    const admin = testToken('admin', 'admin');
    writeTokensFile(join(dir, 'tokens'), [writer, admin]);
    const service = await startVnfm({ dbPath: join(dir, 'vnfm.db'), uri: libvirtd.uri, env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: join(dir, 'tokens'), VNFM_LIBVIRT_PROBE_INTERVAL_MS: '1000' } });
    await libvirtd.stop();
    await eventually(async () => (await rawRequest({ base: service.base, method: 'GET', path: '/readyz' })).status === 503, 20_000, 'not ready');

    const anonymous = await rawRequest({ base: service.base, method: 'GET', path: '/readyz' });
    expect(anonymous.text).not.toContain(libvirtd.dir);
    expect((await rawRequest({ base: service.base, method: 'GET', path: '/readyz', token: admin.token })).text).toContain(libvirtd.dir);

    // A create is acknowledged with libvirtd away (the reconciler applies it later): nothing in it names the socket.
    const name = uniqueName('down');
    const asWriter = await rawRequest({ base: service.base, method: 'POST', path: '/api/v1/vnfs', token: writer.token, body: vnfBody(name) });
    expect(asWriter.status).toBe(201);
    for (const path of [`/api/v1/vnfs/${name}`, '/api/v1/vnfs', `/api/v1/vnfs/${name}/events`]) {
      const answer = await rawRequest({ base: service.base, method: 'GET', path, token: writer.token });
      expect(answer.status, path).toBe(200);
      expect(answer.text, path).not.toContain(libvirtd.dir);
    }
    // An admin asking for a pass gets libvirt's own reason, socket path included.
    const pass = await rawRequest({ base: service.base, method: 'POST', path: '/api/v1/reconcile', token: admin.token });
    expect(pass.status).toBe(503);
    expect(pass.body.type).toBe('https://vnfm.dev/problems/libvirt-unavailable');
    expect(pass.text).toContain(libvirtd.dir);
  });
});
