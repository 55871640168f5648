import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConsoleTranscript, GUEST_BANNER, buildConsoleGuest } from '../support/console-guest.js';
import { ImageDir } from '../support/image-dir.js';
import { eventually } from '../support/libvirtd.js';
import { testToken, writeTokensFile } from '../support/tokens.js';
import { QEMU_URI, domstate, uniqueName, virsh } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, type Json, type VnfmProcess } from '../support/vnfm-service.js';

const VNFCTL = new URL('../../dist/apps/vnfctl/src/main.js', import.meta.url).pathname;

/** A console client as a test drives it: what it received, and how it was closed. */
interface Attached {
  socket: WebSocket;
  transcript: ConsoleTranscript;
  closed: Promise<{ code: number; reason: string }>;
}

/** What the service answered instead of upgrading. */
interface Refused {
  status: number;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  body: Json;
}

/**
 * The serial console end to end: the built service with tokens on, a real guest under
 * qemu:///system (TCG) whose serial port answers in uppercase, the WebSocket route, and
 * vnfctl console with a piped stdin.
 */
describe("a VNF's serial console over the WebSocket route (qemu:///system, tokens on)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-console-'));
  const images = new ImageDir();
  const writer = testToken('writer', 'read,write');
  const other = testToken('other', 'read,write');
  const reader = testToken('reader', 'read');
  const name = uniqueName('con');
  let service: VnfmProcess;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${service.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${writer.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  /** Opens the console WebSocket; resolves once it is up, or with the HTTP refusal. */
  const attach = (vnf: string, options: { token?: string | null; query?: string; headers?: Record<string, string> } = {}): Promise<Attached | Refused> =>
    new Promise((resolve, reject) => {
      const token = options.token === undefined ? writer.token : options.token;
      const socket = new WebSocket(`ws://127.0.0.1:${service.port}/api/v1/vnfs/${vnf}/console${options.query ?? ''}`, {
        headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
      });
      const transcript = new ConsoleTranscript();
      const closed = new Promise<{ code: number; reason: string }>((done) => socket.on('close', (code, reason) => done({ code, reason: reason.toString() })));
      socket.on('message', (data: Buffer) => transcript.add(data));
      socket.on('open', () => resolve({ socket, transcript, closed }));
      socket.on('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} }));
      });
      socket.on('error', (error) => reject(error));
    });

  const attached = async (vnf: string, options?: Parameters<typeof attach>[1]): Promise<Attached> => {
    const result = await attach(vnf, options);
    if (!('socket' in result)) throw new Error(`refused: ${result.status} ${JSON.stringify(result.body)}`);
    return result;
  };

  const refused = async (vnf: string, status: number, code: string, options?: Parameters<typeof attach>[1]): Promise<Refused> => {
    const result = await attach(vnf, options);
    if ('socket' in result) {
      result.socket.terminate();
      throw new Error(`expected ${status} ${code}, but the console was attached`);
    }
    expect(result.status, JSON.stringify(result.body)).toBe(status);
    expect(result.contentType).toMatch(/^application\/problem\+json/);
    expect(result.body.type).toBe(`https://vnfm.dev/problems/${code}`);
    return result;
  };

  const running = () => eventually(async () => (await domstate(QEMU_URI, name)) === 'running', 60_000, `${name} running`);

  beforeAll(async () => {
    const tokensFile = join(dir, 'tokens');
    writeTokensFile(tokensFile, [writer, other, reader]);
    service = await startVnfm({
      dbPath: join(dir, 'vnfm.db'),
      uri: QEMU_URI,
      env: { VNFM_AUTH: 'on', VNFM_TOKENS_FILE: tokensFile, VNFM_IMAGE_DIRS: images.dir, VNFM_SHUTDOWN_TIMEOUT_MS: '1000', VNFM_LOG_LEVEL: 'log', VNFM_LOG_FORMAT: 'json' },
    });
    const disk = buildConsoleGuest(images);
    const created = await api('POST', '/vnfs', { name, vcpus: 1, memoryMiB: 64, arch: 'x86_64', disks: [{ path: disk, format: 'raw' }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await running();
  });
  afterAll(async () => {
    await api("DELETE", `/vnfs/${name}`).catch(() => undefined);
    if (process.env.CONSOLE_LOG) (await import("node:fs")).writeFileSync(process.env.CONSOLE_LOG, service.output());
    await stopAllVnfm();
    await virsh(QEMU_URI, 'destroy', name).catch(() => undefined);
    await virsh(QEMU_URI, 'undefine', name).catch(() => undefined);
    images.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the guest's serial output arrives, and input reaches the guest (its uppercase answer comes back)", async () => {
    const client = await attached(name);
    await client.transcript.waitFor(GUEST_BANNER);
    const mark = client.transcript.output.length;
    client.socket.send(Buffer.from('hello-vnfm\r'));
    await client.transcript.waitFor('HELLO-VNFM\r\n', 60_000, mark);
    client.socket.close(1000);
    expect(await client.closed).toMatchObject({ code: 1000 });
    // Attach and detach are audit lines with the caller.
    await eventually(async () => /console detach vnf=\S+ by token 'writer'/.test(service.output()), 10_000, 'the detach line');
    expect(service.output()).toMatch(new RegExp(`console attach vnf=${name} by token 'writer'`));
  });

  it('refuses before the upgrade, as plain problem+json: no token 401, read token 403, cross-origin 403, unknown 404, no upgrade 426, bad query 400', async () => {
    const anonymous = await refused(name, 401, 'unauthenticated', { token: null });
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    await refused(name, 403, 'forbidden', { token: reader.token });
    await refused(name, 403, 'forbidden', { headers: { origin: 'http://evil.example' } });
    await refused('no-such-vnf', 404, 'not-found');
    await refused('Bad_Name', 404, 'not-found');
    await refused(name, 400, 'invalid-request', { query: '?force=maybe' });
    await refused(name, 400, 'invalid-request', { query: '?other=1' });
    const plain = await fetch(`${service.base}/api/v1/vnfs/${name}/console`, { headers: { authorization: `Bearer ${writer.token}` } });
    expect(plain.status).toBe(426);
    expect(plain.headers.get('upgrade')).toBe('websocket');
    expect(((await plain.json()) as Json).type).toBe('https://vnfm.dev/problems/upgrade-required');
  });

  it('a second client is refused with 409 console-busy; ?force=true takes the console over and closes the first with 4002', async () => {
    const first = await attached(name);
    await first.transcript.waitFor(GUEST_BANNER);
    const busy = await refused(name, 409, 'console-busy', { token: other.token });
    expect(busy.body.detail).toMatch(/in use by token 'writer'/);

    const second = await attached(name, { token: other.token, query: '?force=true' });
    expect(await first.closed).toEqual({ code: 4002, reason: "the console was taken over by token 'other'" });
    const mark = second.transcript.output.length;
    second.socket.send(Buffer.from('taken\r'));
    await second.transcript.waitFor('TAKEN\r\n', 60_000, mark);
    second.socket.close(1000);
    await second.closed;
  });

  it('a console that virsh console holds is 409 console-busy; ?force=true takes it from virsh', async () => {
    // virsh console wants a terminal: script(1) gives it one.
    const holder = spawn('script', ['-qfc', `virsh -c ${QEMU_URI} console ${name}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const held = new ConsoleTranscript();
    holder.stdout.on('data', (chunk: Buffer) => held.add(chunk));
    const holderExited = new Promise((resolve) => holder.on('exit', resolve));
    try {
      await held.waitFor(GUEST_BANNER);
      const busy = await refused(name, 409, 'console-busy');
      expect(busy.body.detail).toMatch(/virsh console/);
      const taker = await attached(name, { query: '?force=true' });
      const mark = taker.transcript.output.length;
      taker.socket.send(Buffer.from('from-api\r'));
      await taker.transcript.waitFor('FROM-API\r\n', 60_000, mark);
      taker.socket.close(1000);
      await taker.closed;
    } finally {
      holder.kill();
      await holderExited;
    }
  });

  it('vnfctl console with a piped stdin: the input reaches the guest, its output comes to stdout', async () => {
    const child = spawn(process.execPath, [VNFCTL, 'console', name, '--linger', '1'], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, VNFM_URL: service.base, VNFM_TOKEN: writer.token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = new ConsoleTranscript();
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await stdout.waitFor(GUEST_BANNER);
    child.stdin.write('from-vnfctl\r');
    await stdout.waitFor('FROM-VNFCTL\r\n');
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr).toContain(`Connected to ${name} (escape character is ^])`);
  });

  it('vnfctl console exits with the conflict code (4) when the console is taken', async () => {
    const holder = await attached(name);
    const child = spawn(process.execPath, [VNFCTL, 'console', name], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, VNFM_URL: service.base, VNFM_TOKEN: writer.token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(4);
    expect(stderr).toMatch(/console-busy/);
    holder.socket.close(1000);
    await holder.closed;
  });

  it('the WebSocket is closed with 4000 when the VNF is stopped, a stopped VNF is refused with 409, and virsh destroy closes it too', async () => {
    const client = await attached(name);
    await client.transcript.waitFor(GUEST_BANNER);
    expect((await api('POST', `/vnfs/${name}/stop`)).status).toBe(202);
    expect(await client.closed).toEqual({ code: 4000, reason: 'the guest stopped (shutoff)' });
    await eventually(async () => (await domstate(QEMU_URI, name)) === 'shut off', 60_000, `${name} shut off`);
    await refused(name, 409, 'vnf-not-running');

    expect((await api('POST', `/vnfs/${name}/start`)).status).toBe(202);
    await running();
    const again = await attached(name);
    await again.transcript.waitFor(GUEST_BANNER);
    await virsh(QEMU_URI, 'destroy', name);
    expect(await again.closed).toEqual({ code: 4000, reason: 'the guest stopped (shutoff)' });
  });

  it('deleting the VNF closes its console with 4001', async () => {
    const doomed = uniqueName('con-del');
    const disk = buildConsoleGuest(images, `${doomed}.img`);
    expect((await api('POST', '/vnfs', { name: doomed, vcpus: 1, memoryMiB: 64, arch: 'x86_64', disks: [{ path: disk, format: 'raw' }] })).status).toBe(201);
    const client = await attached(doomed);
    await client.transcript.waitFor(GUEST_BANNER);
    expect((await api('DELETE', `/vnfs/${doomed}`)).status).toBe(202);
    expect(await client.closed).toEqual({ code: 4001, reason: `VNF '${doomed}' is being deleted` });
    await refused(doomed, 404, 'not-found');
  });

  it('the service shutting down closes the console with 1001', async () => {
    await running(); // the reconciler started the guest again after the virsh destroy
    const client = await attached(name);
    await service.stop();
    expect(await client.closed).toEqual({ code: 1001, reason: 'vnfm is shutting down' });
  });
});
