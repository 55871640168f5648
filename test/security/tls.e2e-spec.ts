import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { makeCa, makeSigned, type Pem } from '../support/certificates.js';
import { rawRequest } from '../support/http-client.js';
import { eventually } from '../support/libvirtd.js';
import { testToken, writeTokensFile } from '../support/tokens.js';
import { TEST_DRIVER_URI, listAll, uniqueName } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, vnfBody, type VnfmProcess } from '../support/vnfm-service.js';

async function waitTlsReady(service: VnfmProcess, ca: Buffer, client?: Pem): Promise<void> {
  await eventually(
    async () => (await rawRequest({ base: `https://127.0.0.1:${service.port}`, method: 'GET', path: '/healthz', tls: { ca, cert: client?.cert, key: client?.key } }).catch(() => null))?.status === 200,
    20_000,
    `HTTPS ready:\n${service.output().slice(-2000)}`,
  );
}

describe('HTTPS and mutual TLS, with certificates made here by openssl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-tls-'));
  let ca: Pem;
  let rogueCa: Pem;
  let server: Pem;
  let ops: Pem;
  let stranger: Pem;
  let rogue: Pem;
  const writer = testToken('writer', 'write');

  beforeAll(() => {
    ca = makeCa(dir, 'ca', 'vnfm test CA');
    rogueCa = makeCa(dir, 'rogue-ca', 'vnfm test CA');
    server = makeSigned(dir, 'server', '127.0.0.1', ca, 'server');
    ops = makeSigned(dir, 'ops', 'ops', ca, 'client');
    stranger = makeSigned(dir, 'stranger', 'stranger', ca, 'client');
    rogue = makeSigned(dir, 'rogue', 'ops', rogueCa, 'client');
    // `ops` signs in with its certificate only (`-`): read scope.
    writeTokensFile(join(dir, 'tokens'), [writer], ['ops read -']);
  });
  afterAll(async () => {
    await stopAllVnfm();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with VNFM_TLS_CERT/KEY: tokens work over it, plain HTTP does not', async () => {
    const service = await startVnfm({
      dbPath: join(dir, 'https.db'),
      uri: TEST_DRIVER_URI,
      waitReady: false,
      env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: join(dir, 'tokens'), VNFM_TLS_CERT: server.certPath, VNFM_TLS_KEY: server.keyPath },
    });
    await waitTlsReady(service, ca.cert);
    const base = `https://127.0.0.1:${service.port}`;
    expect(service.output()).toContain(`listening on https://127.0.0.1:${service.port}/api/v1`);
    const name = uniqueName('tls');
    const created = await rawRequest({ base, method: 'POST', path: '/api/v1/vnfs', token: writer.token, body: vnfBody(name), tls: { ca: ca.cert } });
    expect(created.status).toBe(201);
    expect(created.headers['strict-transport-security']).toBeDefined();
    expect((await rawRequest({ base, method: 'GET', path: '/api/v1/vnfs', tls: { ca: ca.cert } })).status).toBe(401);
    // A client that does not trust the server's CA refuses it; plain HTTP gets no API.
    await expect(rawRequest({ base, method: 'GET', path: '/healthz', tls: { ca: rogueCa.cert } })).rejects.toThrow();
    const plain = await rawRequest({ base: `http://127.0.0.1:${service.port}`, method: 'GET', path: '/api/v1/vnfs', token: writer.token }).catch(() => null);
    expect(plain === null || plain.status === 400).toBe(true);
    expect((await rawRequest({ base, method: 'DELETE', path: `/api/v1/vnfs/${name}`, token: writer.token, tls: { ca: ca.cert } })).status).toBe(202);
    expect((await listAll(TEST_DRIVER_URI)).has(name)).toBe(false);
  });

  it("mutual TLS: the certificate's subject is the identity, scoped by the tokens file; no or a foreign certificate gets no connection", async () => {
    const service = await startVnfm({
      dbPath: join(dir, 'mtls.db'),
      uri: TEST_DRIVER_URI,
      waitReady: false,
      env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: join(dir, 'tokens'), VNFM_TLS_CERT: server.certPath, VNFM_TLS_KEY: server.keyPath, VNFM_TLS_CLIENT_CA: ca.certPath },
    });
    await waitTlsReady(service, ca.cert, ops);
    const base = `https://127.0.0.1:${service.port}`;
    const asOps = { ca: ca.cert, cert: ops.cert, key: ops.key };
    expect((await rawRequest({ base, method: 'GET', path: '/api/v1/vnfs', tls: asOps })).status).toBe(200);
    const name = uniqueName('mtls');
    const refused = await rawRequest({ base, method: 'POST', path: '/api/v1/vnfs', body: vnfBody(name), tls: asOps });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain("'ops' lacks the 'write' scope");
    expect((await listAll(TEST_DRIVER_URI)).has(name)).toBe(false);

    // A certificate the CA signed, for a subject the tokens file does not know: 403.
    const unknown = await rawRequest({ base, method: 'GET', path: '/api/v1/vnfs', tls: { ca: ca.cert, cert: stranger.cert, key: stranger.key } });
    expect(unknown.status).toBe(403);
    expect(unknown.body.detail).toContain("subject 'stranger' has no entry in the tokens file");
    // A bearer token with a valid certificate: the token names the caller.
    const withToken = await rawRequest({ base, method: 'POST', path: '/api/v1/vnfs?dryRun=true', token: writer.token, body: vnfBody(name), tls: asOps });
    expect(withToken.status).toBe(200);

    // No certificate, or one from another CA with the same subject: the handshake fails.
    const noCert = await rawRequest({ base, method: 'GET', path: '/api/v1/vnfs', token: writer.token, tls: { ca: ca.cert } }).then((answer) => answer.status, () => 'refused');
    expect(noCert).toBe('refused');
    const forged = await rawRequest({ base, method: 'GET', path: '/api/v1/vnfs', tls: { ca: ca.cert, cert: rogue.cert, key: rogue.key } }).then((answer) => answer.status, () => 'refused');
    expect(forged).toBe('refused');
  });

  it('the console WebSocket over mutual TLS (wss): the certificate is the identity and its scope decides, before any upgrade', async () => {
    const service = await startVnfm({
      dbPath: join(dir, 'wss.db'),
      uri: TEST_DRIVER_URI,
      waitReady: false,
      env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: join(dir, 'tokens'), VNFM_TLS_CERT: server.certPath, VNFM_TLS_KEY: server.keyPath, VNFM_TLS_CLIENT_CA: ca.certPath },
    });
    await waitTlsReady(service, ca.cert, ops);
    const name = uniqueName('wss');
    const asOps = { ca: ca.cert, cert: ops.cert, key: ops.key };
    expect((await rawRequest({ base: `https://127.0.0.1:${service.port}`, method: 'POST', path: '/api/v1/vnfs', token: writer.token, body: vnfBody(name), tls: asOps })).status).toBe(201);
    const refusal = (client: Pem, token?: string) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const socket = new WebSocket(`wss://127.0.0.1:${service.port}/api/v1/vnfs/${name}/console`, { ca: ca.cert, cert: client.cert, key: client.key, headers: token ? { authorization: `Bearer ${token}` } : {} });
        socket.on('open', () => reject(new Error('upgraded')));
        socket.on('error', reject);
        socket.on('unexpected-response', (_request, response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        });
      });
    const readOnly = await refusal(ops);
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.detail).toContain("'ops' lacks the 'write' scope");
    expect((await refusal(stranger)).status).toBe(403);
    // With the write token the checks pass; libvirt's test driver has no consoles: 422, nothing upgraded.
    const noConsoles = await refusal(ops, writer.token);
    expect(noConsoles.status).toBe(422);
    expect(noConsoles.body.type).toBe('https://vnfm.dev/problems/unsupported-on-host');
    expect((await rawRequest({ base: `https://127.0.0.1:${service.port}`, method: 'DELETE', path: `/api/v1/vnfs/${name}`, token: writer.token, tls: asOps })).status).toBe(202);
  });
});
