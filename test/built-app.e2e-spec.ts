import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, freePort, startBuilt, waitReady } from './support/built-service.js';
import { rawRequest } from './support/http-client.js';
import { testToken, writeTokensFile } from './support/tokens.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from './support/virsh.js';

describe('the built service (node dist/apps/api/src/main.js)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-built-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first (make test does)`);
  });

  it("a newcomer's first start: an admin token beside the database (0600), printed, that the API accepts; kept across restarts", async () => {
    const port = await freePort();
    const dbPath = join(dir, 'nested', 'vnfm.db');
    const env = { VNFM_PORT: String(port), VNFM_DB_PATH: dbPath, VNFM_LIBVIRT_URI: TEST_DRIVER_URI };
    const service = startBuilt(env);
    const base = `http://127.0.0.1:${port}`;
    const tokenPath = join(dir, 'nested', 'admin.token');
    let token = '';
    try {
      await waitReady(base);
      expect(statSync(tokenPath).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'nested', 'tokens')).mode & 0o777).toBe(0o600);
      token = readFileSync(tokenPath, 'utf8').trim();
      expect(readFileSync(join(dir, 'nested', 'tokens'), 'utf8')).not.toContain(token);
      expect(service.output()).toContain(`admin token written to ${tokenPath}`);

      const name = uniqueName('built');
      expect((await rawRequest({ base, method: 'POST', path: '/api/v1/vnfs', body: { name, vcpus: 1, memoryMiB: 128 } })).status).toBe(401);
      expect((await listAll(TEST_DRIVER_URI)).has(name)).toBe(false);
      const created = await rawRequest({ base, method: 'POST', path: '/api/v1/vnfs', token, body: { name, vcpus: 1, memoryMiB: 128 } });
      expect(created.status).toBe(201);
      expect((await listAll(TEST_DRIVER_URI)).get(name)).toBe('running');
      expect((await rawRequest({ base, method: 'DELETE', path: `/api/v1/vnfs/${name}`, token })).status).toBe(202);
      expect((await listAll(TEST_DRIVER_URI)).has(name)).toBe(false);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain(`listening on http://127.0.0.1:${port}/api/v1`);

    const again = startBuilt(env);
    try {
      await waitReady(base);
      expect(readFileSync(tokenPath, 'utf8').trim()).toBe(token);
      expect(again.output()).not.toContain('admin token written');
      expect((await rawRequest({ base, method: 'GET', path: '/api/v1/vnfs', token })).status).toBe(200);
    } finally {
      again.child.kill('SIGTERM');
    }
    expect(await again.exited).toBe(0);
  });

  it('refuses to start on a bad setting, naming the variable', async () => {
    const service = startBuilt({ VNFM_PORT: 'eighty', VNFM_DB_PATH: join(dir, 'never.db') });
    expect(await service.exited).toBe(2);
    expect(service.output()).toMatch(/VNFM_PORT/);
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
  });

  it.each([
    ['VNFM_AUTH=off on 0.0.0.0', { VNFM_AUTH: 'off', VNFM_HOST: '0.0.0.0', VNFM_ALLOW_PLAINTEXT: 'true' }, /VNFM_AUTH: 'off' is accepted only with a loopback VNFM_HOST/],
    ['VNFM_AUTH=off on a LAN address', { VNFM_AUTH: 'off', VNFM_HOST: '10.1.2.3', VNFM_ALLOW_PLAINTEXT: 'true' }, /VNFM_AUTH/],
    ['plain HTTP on 0.0.0.0', { VNFM_HOST: '0.0.0.0' }, /VNFM_HOST: 0\.0\.0\.0 is not loopback; serve it with VNFM_TLS_CERT/],
    ['a key without a certificate', { VNFM_TLS_KEY: '/nonexistent/key.pem' }, /VNFM_TLS_CERT: VNFM_TLS_CERT and VNFM_TLS_KEY go together/],
    ['an unreadable certificate', { VNFM_TLS_KEY: '/nonexistent/key.pem', VNFM_TLS_CERT: '/nonexistent/cert.pem' }, /VNFM_TLS_CERT: cannot read \/nonexistent\/cert\.pem/],
    ['a missing tokens file', { VNFM_TOKENS_FILE: '/nonexistent/tokens' }, /tokens file \/nonexistent\/tokens: cannot be read/],
  ])('refuses to start with %s (exit 2, naming it)', async (_, extra, message) => {
    const port = await freePort();
    const dbPath = join(dir, `refused-${port}.db`);
    const service = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: dbPath, VNFM_LIBVIRT_URI: TEST_DRIVER_URI, ...extra });
    expect(await service.exited).toBe(2);
    expect(service.output()).toMatch(message);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status).toBeUndefined();
  });

  it('refuses a tokens file with a bad line, or one that others can write', async () => {
    const tokensFile = join(dir, 'bad-tokens');
    writeTokensFile(tokensFile, [testToken('ok', 'read')], ['someone superuser 0123']);
    const port = await freePort();
    const bad = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: join(dir, 'bad.db'), VNFM_LIBVIRT_URI: TEST_DRIVER_URI, VNFM_TOKENS_FILE: tokensFile });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/line 3: unknown scope\(s\) superuser/);

    writeTokensFile(tokensFile, [testToken('ok', 'read')]);
    chmodSync(tokensFile, 0o666);
    const open = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: join(dir, 'bad.db'), VNFM_LIBVIRT_URI: TEST_DRIVER_URI, VNFM_TOKENS_FILE: tokensFile });
    expect(await open.exited).toBe(2);
    expect(open.output()).toMatch(/writable by group or others/);
  });

  it('a SIGHUP while starting does not end the service; an unknown command is exit 2', async () => {
    const port = await freePort();
    const service = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: join(dir, 'hup.db'), VNFM_LIBVIRT_URI: TEST_DRIVER_URI });
    // As soon as the process handles SIGHUP (its first statement), long before it listens.
    const catchesHup = () => /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${service.child.pid}/status`, 'utf8'))?.[1];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (BigInt(`0x${catchesHup() ?? '0'}`) & 1n) === 0n) await new Promise((resolve) => setTimeout(resolve, 5));
    service.child.kill('SIGHUP');
    try {
      await waitReady(`http://127.0.0.1:${port}`);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited).toBe(0);
    const { spawnSync } = await import('node:child_process');
    const typo = spawnSync(process.execPath, [MAIN, 'tokn', 'create', 'x'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("unknown command 'tokn'");
    const twice = spawnSync(process.execPath, [MAIN, 'token', 'create', 'x', '--scopes', 'read', '--scopes', 'admin'], { encoding: 'utf8' });
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('--scopes given twice');
  });

  it('a SIGTERM while starting stops the service as soon as it is up, before it listens: exit 0, and the next start serves the database', async () => {
    const port = await freePort();
    const dbPath = join(dir, 'term.db');
    const service = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: dbPath, VNFM_LIBVIRT_URI: TEST_DRIVER_URI });
    // As soon as the process handles SIGHUP (its stop signals are handled before that), long
    // before it listens: it opens and migrates the database first. (Node itself catches SIGTERM
    // from its first instant, only to die of it, so SIGTERM's own bit says nothing.)
    const caught = () => BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${service.child.pid}/status`, 'utf8'))?.[1] ?? '0'}`);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (caught() & 1n) === 0n) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(service.output()).not.toContain('vnfm listening');
    service.child.kill('SIGTERM');
    expect(await service.exited, service.output().slice(-1500)).toBe(0);
    expect(service.output()).toContain('SIGTERM while starting: stopping as soon as it is up');
    expect(service.output()).not.toContain('vnfm listening');
    const again = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: dbPath, VNFM_LIBVIRT_URI: TEST_DRIVER_URI });
    try {
      await waitReady(`http://127.0.0.1:${port}`);
    } finally {
      again.child.kill('SIGTERM');
    }
    expect(await again.exited).toBe(0);
  });

  it('plain HTTP on a non-loopback address with VNFM_ALLOW_PLAINTEXT=true', async () => {
    const port = await freePort();
    const service = startBuilt({ VNFM_PORT: String(port), VNFM_HOST: '0.0.0.0', VNFM_ALLOW_PLAINTEXT: 'true', VNFM_DB_PATH: join(dir, 'plain.db'), VNFM_LIBVIRT_URI: TEST_DRIVER_URI });
    try {
      await waitReady(`http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/vnfs`)).status).toBe(401);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited).toBe(0);
  });

  it('`vnfm token create` prints a token and the tokens-file line that accepts it', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [MAIN, 'token', 'create', 'ci-bot', '--scopes', 'read,write'], { encoding: 'utf8' });
    const token = /token \(shown once[^:]*\): (\S+)/.exec(out)?.[1];
    const line = /^(ci-bot read,write [0-9a-f]{64})$/m.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(line).toBeDefined();
    const tokensFile = join(dir, 'minted-tokens');
    writeFileSync(tokensFile, `${line}\n`, { mode: 0o600 });
    const port = await freePort();
    const service = startBuilt({ VNFM_PORT: String(port), VNFM_DB_PATH: join(dir, 'minted.db'), VNFM_LIBVIRT_URI: TEST_DRIVER_URI, VNFM_TOKENS_FILE: tokensFile });
    try {
      await waitReady(`http://127.0.0.1:${port}`);
      const base = `http://127.0.0.1:${port}`;
      expect((await rawRequest({ base, method: 'GET', path: '/api/v1/vnfs', token })).status).toBe(200);
      expect((await rawRequest({ base, method: 'POST', path: '/api/v1/reconcile', token })).status).toBe(403);
    } finally {
      service.child.kill('SIGTERM');
    }
    await service.exited;
    expect(() => execFileSync(process.execPath, [MAIN, 'token', 'create', 'x', '--scopes', 'root'], { stdio: 'pipe' })).toThrow(/unknown scope/);
  });
});
