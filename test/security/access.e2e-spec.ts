import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawAnswer } from '../support/http-client.js';
import { readDb } from '../support/invariants.js';
import { eventually } from '../support/libvirtd.js';
import { testToken, tokenLine, writeTokensFile } from '../support/tokens.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody, type VnfmProcess } from '../support/vnfm-service.js';

/** Rows that any write would add or change, and the domains on the daemon. */
function footprint(dbPath: string) {
  return readDb(dbPath, (db) => ({
    vnfs: (db.prepare('SELECT count(*) AS n FROM vnf').get() as { n: number }).n,
    claims: (db.prepare('SELECT count(*) AS n FROM device_claim').get() as { n: number }).n,
    events: (db.prepare('SELECT count(*) AS n FROM vnf_event').get() as { n: number }).n,
    generations: (db.prepare('SELECT group_concat(name || generation || phase) AS g FROM vnf').get() as { g: string | null }).g,
  }));
}

function expectProblem(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.body.type).toBe(`https://vnfm.dev/problems/${code}`);
}

describe('authentication and scopes on the built service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-access-'));
  const tokensFile = join(dir, 'tokens');
  const reader = testToken('reader', 'read');
  const writer = testToken('writer', 'read,write');
  const boss = testToken('boss', 'admin');
  const existing = uniqueName('acc-existing');
  let service: VnfmProcess;
  const send = (method: string, path: string, token?: string, body?: unknown) => rawRequest({ base: service.base, method, path, token, body });

  beforeAll(async () => {
    writeTokensFile(tokensFile, [reader, writer, boss]);
    service = await startVnfm({ dbPath: join(dir, 'vnfm.db'), uri: TEST_DRIVER_URI, env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: tokensFile, VNFM_LOG_LEVEL: 'log' } });
    expect((await send('POST', '/api/v1/vnfs', writer.token, vnfBody(existing))).status).toBe(201);
  });
  afterAll(async () => {
    await send('DELETE', `/api/v1/vnfs/${existing}`, boss.token).catch(() => undefined);
    await stopAllVnfm();
    rmSync(dir, { recursive: true, force: true });
  });

  const fresh = uniqueName('acc-new');
  const writeRoutes: Array<[string, string, unknown?]> = [
    ['POST', '/api/v1/vnfs', vnfBody(fresh)],
    ['POST', '/api/v1/vnfs?dryRun=true', vnfBody(fresh)],
    ['PUT', `/api/v1/vnfs/${fresh}`, vnfBody(fresh)],
    ['PUT', `/api/v1/vnfs/${existing}`, vnfBody(existing, { vcpus: 2 })],
    ['DELETE', `/api/v1/vnfs/${existing}`],
    ['POST', `/api/v1/vnfs/${existing}/stop`],
    ['POST', `/api/v1/vnfs/${existing}/start`],
    ['POST', `/api/v1/vnfs/${existing}/reboot`],
  ];
  const adminRoutes: Array<[string, string]> = [
    ['POST', '/api/v1/reconcile'],
    ['GET', '/api/v1/host'],
    ['POST', '/api/v1/host-devices/rescan'],
    ['GET', `/api/v1/vnfs/${existing}/domain.xml?live=true`],
  ];
  const readRoutes: Array<[string, string]> = [
    ['GET', '/api/v1/vnfs'],
    ['GET', `/api/v1/vnfs/${existing}`],
    ['GET', `/api/v1/vnfs/${existing}/events`],
    ['GET', `/api/v1/vnfs/${existing}/domain.xml`],
    ['GET', '/api/v1/host-devices'],
    ['GET', '/metrics'],
  ];

  it('no token, a wrong token or a malformed header: 401 on every route but the probes, and nothing written', async () => {
    const before = footprint(service.dbPath);
    for (const [method, path, body] of [...writeRoutes, ...adminRoutes, ...readRoutes]) {
      const none = await send(method, path, undefined, body);
      expectProblem(none, 401, 'unauthenticated');
      expect(none.headers['www-authenticate']).toBe('Bearer realm="vnfm"');
      expectProblem(await send(method, path, `${writer.token}x`, body), 401, 'unauthenticated');
      const malformed = await rawRequest({ base: service.base, method, path, body, headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
      expectProblem(malformed, 401, 'unauthenticated');
    }
    expect(footprint(service.dbPath)).toEqual(before);
    expect((await listAll(TEST_DRIVER_URI)).has(fresh)).toBe(false);
    expect((await listAll(TEST_DRIVER_URI)).get(existing)).toBe('running');
  });

  it('a read token reads, and gets 403 on every write route with nothing written', async () => {
    for (const [method, path] of readRoutes) expect((await send(method, path, reader.token)).status, `${method} ${path}`).toBe(200);
    const before = footprint(service.dbPath);
    for (const [method, path, body] of writeRoutes) {
      const answer = await send(method, path, reader.token, body);
      expectProblem(answer, 403, 'forbidden');
      expect(answer.body.detail).toContain("'reader' lacks the 'write' scope");
    }
    expect(footprint(service.dbPath)).toEqual(before);
    expect((await listAll(TEST_DRIVER_URI)).has(fresh)).toBe(false);
    expect((await listAll(TEST_DRIVER_URI)).get(existing)).toBe('running');
  });

  it('admin-only routes: 403 for read and write tokens, served for admin', async () => {
    const before = footprint(service.dbPath);
    for (const [method, path] of adminRoutes) {
      expectProblem(await send(method, path, reader.token), 403, 'forbidden');
      expectProblem(await send(method, path, writer.token), 403, 'forbidden');
    }
    expect(footprint(service.dbPath)).toEqual(before);
    for (const [method, path] of adminRoutes) expect((await send(method, path, boss.token)).status, `${method} ${path}`).toBe(200);
  });

  it('the probes need no token and tell an anonymous caller no host details', async () => {
    expect((await send('GET', '/healthz')).status).toBe(200);
    const ready = await send('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.libvirtUri).toBeUndefined();
    expect((await send('GET', '/readyz', boss.token)).body.libvirtUri).toBe(TEST_DRIVER_URI);
    expectProblem(await send('GET', '/metrics'), 401, 'unauthenticated');
  });

  it('every accepted write is in the VNF events with the token name; refused ones are in the log', async () => {
    expect((await send('POST', `/api/v1/vnfs/${existing}/reboot`, writer.token)).status).toBe(202);
    await send('POST', `/api/v1/vnfs/${existing}/stop`, reader.token);
    const events = (await send('GET', `/api/v1/vnfs/${existing}/events`, reader.token)).body.items as Array<{ type: string; message: string }>;
    const requests = events.filter((event) => event.type === 'Request').map((event) => event.message);
    expect(requests).toContain("POST /api/v1/vnfs by token 'writer'");
    expect(requests).toContain("POST /api/v1/vnfs/:name/reboot by token 'writer'");
    expect(requests.some((message) => message.includes('reader'))).toBe(false);
    await eventually(async () => /POST \/api\/v1\/vnfs\/[^ ]+\/stop by token 'reader' vnf=\S+ -> 403/.test(service.output()), 5_000, 'the audit line');
    expect(service.output()).toMatch(/POST \/api\/v1\/vnfs by token 'writer' vnf=\S+ -> 201/);
  });

  it('a path the audit cannot decode, or one carrying CR/LF, neither crashes the service nor forges a log line', async () => {
    for (const method of ['DELETE', 'POST', 'PUT']) {
      const answer = await send(method, '/api/v1/vnfs/%E0%A4%A', writer.token);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect((await send(method, '/api/v1/vnfs/%E0%A4%A')).status).toBe(401);
    }
    const forged = '/api/v1/vnfs/x%0d%0a%5BNest%5D%201%20-%20LOG%20%5BAudit%5D%20DELETE%20%2Fapi%2Fv1%2Fvnfs%2Fprod%20by%20token%20forged/stop';
    expect((await send('POST', forged)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(service.alive()).toBe(true);
    expect((await send('GET', '/healthz')).status).toBe(200);
    expect(service.output()).not.toMatch(/^.*\[Audit\] DELETE \/api\/v1\/vnfs\/prod by token forged/m);
    expect(service.output()).toContain('x%0d%0a');
  });

  it('what no route matches is a problem+json 404 inside and outside /api/v1', async () => {
    for (const path of ['/nothing', '/api', '/api/v1/nothing']) {
      const answer = await send('GET', path, reader.token);
      expectProblem(answer, 404, 'not-found');
    }
  });

  it('the tokens file is read again on SIGHUP; a broken file keeps the tokens in force', async () => {
    const late = testToken('late', 'read');
    expectProblem(await send('GET', '/api/v1/vnfs', late.token), 401, 'unauthenticated');
    appendFileSync(tokensFile, `${tokenLine(late)}\n`);
    service.child.kill('SIGHUP');
    await eventually(async () => (await send('GET', '/api/v1/vnfs', late.token)).status === 200, 5_000, 'the new token accepted');

    writeFileSync(tokensFile, `${tokenLine(reader)}\nthis line is broken\n`);
    service.child.kill('SIGHUP');
    await eventually(async () => service.output().includes('tokens NOT reloaded'), 5_000, 'the refusal logged');
    expect(service.output()).toMatch(/line 2: expected NAME SCOPES SHA256HEX/);
    expect((await send('GET', '/api/v1/vnfs', late.token)).status).toBe(200);
    expect((await send('GET', '/api/v1/vnfs', boss.token)).status).toBe(200);

    writeTokensFile(tokensFile, [reader, writer, boss]);
    service.child.kill('SIGHUP');
    await eventually(async () => (await send('GET', '/api/v1/vnfs', late.token)).status === 401, 5_000, 'the removed token refused');
  });
});

describe('write rate limit per token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-rate-'));
  afterAll(async () => {
    await stopAllVnfm();
    rmSync(dir, { recursive: true, force: true });
  });

  it('429 with Retry-After once a token has used its burst; other tokens and reads go on; nothing written', async () => {
    const hasty = testToken('hasty', 'write');
    const calm = testToken('calm', 'write');
    writeTokensFile(join(dir, 'tokens'), [hasty, calm]);
    const service = await startVnfm({
      dbPath: join(dir, 'vnfm.db'),
      uri: TEST_DRIVER_URI,
      env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: join(dir, 'tokens'), VNFM_WRITE_RATE_PER_SECOND: '0.2', VNFM_WRITE_BURST: '3' },
    });
    const name = uniqueName('rate');
    const dryRun = (token: string) => rawRequest({ base: service.base, method: 'POST', path: '/api/v1/vnfs?dryRun=true', token, body: vnfBody(name) });
    for (let index = 0; index < 3; index += 1) expect((await dryRun(hasty.token)).status).toBe(200);
    const limited = await dryRun(hasty.token);
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const create = await rawRequest({ base: service.base, method: 'POST', path: '/api/v1/vnfs', token: hasty.token, body: vnfBody(name) });
    expectProblem(create, 429, 'rate-limited');
    expect(footprint(service.dbPath).vnfs).toBe(0);
    expect((await listAll(TEST_DRIVER_URI)).has(name)).toBe(false);
    expect((await dryRun(calm.token)).status).toBe(200);
    expect((await rawRequest({ base: service.base, method: 'GET', path: '/api/v1/vnfs', token: hasty.token })).status).toBe(200);
  });
});
