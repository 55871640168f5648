import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http-client.js';
import { testToken, writeTokensFile } from '../support/tokens.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody, type VnfmProcess } from '../support/vnfm-service.js';

/**
 * What a web page in the operator's browser could make the browser send: simple cross-site
 * requests (text/plain, forms: no CORS preflight), DNS-rebound hosts, and preflights.
 */
describe('browsers cannot be turned against vnfm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-browsers-'));
  const admin = testToken('admin', 'admin');
  let open: VnfmProcess;
  let guarded: VnfmProcess;
  const running = uniqueName('brw');

  beforeAll(async () => {
    writeTokensFile(join(dir, 'tokens'), [admin]);
    // Authentication off (loopback): only the browser checks stand between a page and the API.
    open = await startVnfm({ dbPath: join(dir, 'open.db'), uri: TEST_DRIVER_URI });
    guarded = await startVnfm({
      dbPath: join(dir, 'guarded.db'),
      uri: TEST_DRIVER_URI,
      env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: join(dir, 'tokens'), VNFM_ALLOWED_HOSTS: 'vnfm.example,127.0.0.1', VNFM_CORS_ORIGINS: 'https://ops.example' },
    });
    expect((await rawRequest({ base: open.base, method: 'POST', path: '/api/v1/vnfs', body: vnfBody(running) })).status).toBe(201);
  });
  afterAll(async () => {
    await rawRequest({ base: open.base, method: 'DELETE', path: `/api/v1/vnfs/${running}` }).catch(() => undefined);
    await stopAllVnfm();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a cross-site text/plain POST (no preflight needed) is refused and stops nothing', async () => {
    const host = `127.0.0.1:${open.port}`;
    const crossSite = await rawRequest({ base: open.base, method: 'POST', path: `/api/v1/vnfs/${running}/stop`, rawBody: '', headers: { 'content-type': 'text/plain', origin: 'https://evil.example', host } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(crossSite.headers['access-control-allow-origin']).toBeUndefined();
    // Without an Origin (an old browser, a form): text/plain and form bodies are still not JSON.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await rawRequest({ base: open.base, method: 'POST', path: `/api/v1/vnfs/${running}/stop`, rawBody: 'a=b', headers: { 'content-type': type } });
      expect(answer.status, type).toBe(415);
      expect(answer.body.type).toBe('https://vnfm.dev/problems/unsupported-media-type');
    }
    const body = await rawRequest({ base: open.base, method: 'POST', path: '/api/v1/vnfs', rawBody: JSON.stringify(vnfBody(uniqueName('brw-x'))), headers: { 'content-type': 'text/plain' } });
    expect(body.status).toBe(415);
    expect(await listAll(TEST_DRIVER_URI).then((all) => all.get(running))).toBe('running');
    const sameSite = await rawRequest({ base: open.base, method: 'GET', path: `/api/v1/vnfs/${running}`, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(sameSite.status).toBe(403);
  });

  it('with authentication off, only loopback Host names are served (DNS rebinding)', async () => {
    const rebound = await rawRequest({ base: open.base, method: 'POST', path: `/api/v1/vnfs/${running}/stop`, headers: { host: `evil.example:${open.port}`, origin: `http://evil.example:${open.port}` } });
    expect(rebound.status).toBe(421);
    expect(rebound.body.type).toBe('https://vnfm.dev/problems/host-not-allowed');
    for (const host of [`localhost:${open.port}`, `127.0.0.1:${open.port}`]) {
      expect((await rawRequest({ base: open.base, method: 'GET', path: '/api/v1/vnfs', headers: { host } })).status, host).toBe(200);
    }
    expect(await listAll(TEST_DRIVER_URI).then((all) => all.get(running))).toBe('running');
  });

  it('VNFM_ALLOWED_HOSTS: other Host headers get 421', async () => {
    const ok = await rawRequest({ base: guarded.base, method: 'GET', path: '/api/v1/vnfs', token: admin.token, headers: { host: `vnfm.example:${guarded.port}` } });
    expect(ok.status).toBe(200);
    const other = await rawRequest({ base: guarded.base, method: 'GET', path: '/api/v1/vnfs', token: admin.token, headers: { host: 'attacker.example' } });
    expect(other.status).toBe(421);
  });

  it('CORS only for the configured origins; security headers on every answer', async () => {
    const preflight = (origin: string) =>
      rawRequest({ base: guarded.base, method: 'OPTIONS', path: '/api/v1/vnfs', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight('https://ops.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ops.example');
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect((await rawRequest({ base: open.base, method: 'OPTIONS', path: '/api/v1/vnfs', headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST' } })).headers['access-control-allow-origin']).toBeUndefined();

    for (const answer of [
      await rawRequest({ base: guarded.base, method: 'GET', path: '/api/v1/vnfs', token: admin.token }),
      await rawRequest({ base: guarded.base, method: 'GET', path: '/api/v1/vnfs' }),
      await rawRequest({ base: open.base, method: 'GET', path: '/healthz' }),
    ]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
      expect(answer.headers['x-frame-options']).toBeDefined();
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });
});
