import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDomains } from '../support/invariants.js';
import { TEST_DRIVER_URI, listAll, uniqueName, virsh } from '../support/virsh.js';
import { startVnfm, stopAllVnfm, type VnfmProcess } from '../support/vnfm-service.js';

const URI = TEST_DRIVER_URI;
const VNFCTL = new URL('../../dist/apps/vnfctl/src/main.js', import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * vnfctl end to end: the built CLI as a child process against the built service with
 * authentication on, finding the service's admin.token the way a newcomer on the host does.
 */
describe('vnfctl against a running vnfm (test+unix:///default, tokens on)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-vnfctl-'));
  const home = join(dir, 'home');
  const prefix = uniqueName('ctl');
  const yamlName = `${prefix}-y`;
  const jsonName = `${prefix}-j`;
  let service: VnfmProcess;
  let env: Record<string, string>;

  const vnfctl = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [VNFCTL, ...args], { env: { ...env, ...extraEnv }, timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  beforeAll(async () => {
    mkdirSync(home);
    const dbPath = join(dir, 'data', 'vnfm.db');
    service = await startVnfm({ dbPath, uri: URI, env: { VNFM_AUTH: 'on' } });
    // What a newcomer has: the service's URL and its data folder (admin.token beside the DB).
    env = { PATH: process.env.PATH ?? '', HOME: home, VNFM_URL: service.base, VNFM_DB_PATH: dbPath };
  });
  afterAll(async () => {
    await stopAllVnfm();
    await removeDomains(URI, (name) => name.startsWith(prefix));
    rmSync(dir, { recursive: true, force: true });
  });

  it('apply creates from YAML and from JSON, then says unchanged, then configured', async () => {
    const files = join(dir, 'vnfs');
    mkdirSync(files);
    writeFileSync(join(files, 'a.yaml'), `name: ${yamlName}\nvcpus: 1\nmemoryMiB: 64\nlabels:\n  site: edge-1\n`);
    writeFileSync(join(files, 'b.json'), JSON.stringify({ name: jsonName, vcpus: 1, memoryMiB: 64, labels: { site: 'core' } }));
    const created = await vnfctl(['apply', '-f', files]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toBe(`vnf/${yamlName} created\nvnf/${jsonName} created\n`);
    expect((await listAll(URI)).get(yamlName)).toBe('running');

    const again = await vnfctl(['apply', '-f', join(files, 'a.yaml')]);
    expect(again.stdout).toBe(`vnf/${yamlName} unchanged\n`);
  });

  it('get lists as a table, filters by label, and -o json / -o name / -o yaml', async () => {
    const listed = await vnfctl(['get']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+DOMAIN\s+IN-SYNC\s+VCPUS\s+MEMORY\s+GEN\s+AGE$/);
    expect(listed.stdout).toMatch(new RegExp(`^${yamlName}\\s+Running\\s+running\\s+yes\\s+1\\s+64Mi\\s+1/1\\s+\\d+[smhd]$`, 'm'));

    const json = await vnfctl(['get', '-l', 'site=edge-1', '-o', 'json']);
    const names = (JSON.parse(json.stdout) as { items: Array<{ name: string }> }).items.map((item) => item.name);
    expect(names).toContain(yamlName);
    expect(names).not.toContain(jsonName);
    expect((await vnfctl(['get', jsonName, '-o', 'name'])).stdout).toBe(`${jsonName}\n`);
    expect((await vnfctl(['get', jsonName, '-o', 'yaml'])).stdout).toMatch(new RegExp(`^name: ${jsonName}$`, 'm'));
  });

  it('describe shows spec, status, devices and recent events', async () => {
    const described = await vnfctl(['describe', yamlName]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(new RegExp(`^Name:\\s+${yamlName}$`, 'm'));
    expect(described.stdout).toMatch(/^Phase:\s+Running$/m);
    expect(described.stdout).toMatch(/^Domain:\s+running \(id \d+\)$/m);
    expect(described.stdout).toMatch(/^Spec:\n  name: /m);
    expect(described.stdout).toMatch(/^Devices:\n  <none>$/m);
    expect(described.stdout).toMatch(/^Events:\n  AT\s+TYPE\s+MESSAGE\n.*Defined/m);
  });

  it('diff: nothing for the applied file (exit 0), a unified diff of the domain XML for a changed one (exit 1)', async () => {
    const same = join(dir, 'same.yaml');
    writeFileSync(same, `name: ${yamlName}\nvcpus: 1\nmemoryMiB: 64\nlabels:\n  site: edge-1\n`);
    expect(await vnfctl(['diff', '-f', same])).toEqual({ code: 0, stdout: '', stderr: '' });
    const changed = join(dir, 'changed.yaml');
    writeFileSync(changed, `name: ${yamlName}\nvcpus: 2\nmemoryMiB: 64\nlabels:\n  site: edge-1\n`);
    const diff = await vnfctl(['diff', '-f', changed]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`--- vnf/${yamlName} (now)\n+++ vnf/${yamlName} (${changed})\n`);
    expect(diff.stdout).toMatch(/^-\s*<vcpu placement="static">1<\/vcpu>$/m);
    expect(diff.stdout).toMatch(/^\+\s*<vcpu placement="static">2<\/vcpu>$/m);
    expect(diff.stdout).toMatch(/^\+\s*<vnfm:generation>2<\/vnfm:generation>$/m);
    // A dry run: nothing changed.
    expect(await virsh(URI, 'dumpxml', '--inactive', yamlName)).toMatch(/<vcpu placement='static'>1<\/vcpu>/);
    const configured = await vnfctl(['apply', '-f', changed]);
    expect(configured.stdout).toBe(`vnf/${yamlName} configured\n`);
    expect(await virsh(URI, 'dumpxml', '--inactive', yamlName)).toMatch(/<vcpu placement='static'>2<\/vcpu>/);
  });

  it('xml, events, stop and start', async () => {
    const xml = await vnfctl(['xml', jsonName]);
    expect(xml.stdout).toMatch(new RegExp(`<name>${jsonName}</name>`));
    const stopped = await vnfctl(['stop', jsonName]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(new RegExp(`^vnf/${jsonName} stopped \\(phase \\w+, domain shutoff\\)\n$`));
    expect((await listAll(URI)).get(jsonName)).toBe('shut off');
    expect((await vnfctl(['start', jsonName])).code).toBe(0);
    expect((await listAll(URI)).get(jsonName)).toBe('running');
    const events = await vnfctl(['events', jsonName, '-o', 'json']);
    expect((JSON.parse(events.stdout) as { items: Array<{ type: string }> }).items.map((event) => event.type)).toEqual(expect.arrayContaining(['Defined', 'Started']));
  });

  it('exit codes scripts rely on: 3 not found, 5 invalid, 2 usage, 6 bad token, 7 unreachable', async () => {
    const missing = await vnfctl(['get', `${prefix}-nope`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^vnfctl: not-found: /);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `name: ${prefix}-bad\nvcpus: 0\nmemoryMiB: 64\n`);
    const invalid = await vnfctl(['apply', '-f', bad]);
    expect(invalid.code).toBe(5);
    expect(invalid.stderr).toMatch(/invalid-request: .*\n  vcpus: /);
    expect((await listAll(URI)).has(`${prefix}-bad`)).toBe(false);
    expect((await vnfctl(['frobnicate'])).code).toBe(2);
    expect((await vnfctl(['get', '-o', 'xml'])).code).toBe(2);
    const notYaml = join(dir, 'broken.yaml');
    writeFileSync(notYaml, 'name: [unclosed\n');
    expect((await vnfctl(['apply', '-f', notYaml])).code).toBe(2);
    expect((await vnfctl(['get'], { VNFM_TOKEN: 'vnfm_not-a-real-token' })).code).toBe(6);
    expect((await vnfctl(['get'], { VNFM_URL: 'http://127.0.0.1:9' })).code).toBe(7);
  });

  it('a config file gives URL and token; flags win over it', async () => {
    const token = readFileSync(join(dir, 'data', 'admin.token'), 'utf8').trim();
    mkdirSync(join(home, '.config', 'vnfm'), { recursive: true });
    writeFileSync(join(home, '.config', 'vnfm', 'config.yaml'), `url: ${service.base}\ntoken: ${token}\n`);
    const noEnv = { VNFM_URL: '', VNFM_DB_PATH: '/nonexistent/vnfm.db' };
    expect((await vnfctl(['get', yamlName, '-o', 'name'], noEnv)).stdout).toBe(`${yamlName}\n`);
    expect((await vnfctl(['get', yamlName, '--token', 'vnfm_wrong'], noEnv)).code).toBe(6);
  });

  it('get -w follows changes without polling: a create, then its delete; Ctrl-C ends it with 0', async () => {
    const watched = `${prefix}-w`;
    const child = spawn(process.execPath, [VNFCTL, 'get', '-w', '-o', 'json', '-l', `watch=${prefix}`], { env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (check: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(check(), what).toBe(true);
    };
    await until(() => out.includes('"items"'), 'the initial list');
    const token = readFileSync(join(dir, 'data', 'admin.token'), 'utf8').trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await fetch(`${service.base}/api/v1/vnfs`, { method: 'POST', headers, body: JSON.stringify({ name: watched, vcpus: 1, memoryMiB: 64, labels: { watch: prefix } }) });
    await until(() => out.includes(`{"type":"ADDED","name":"${watched}"`), 'ADDED');
    await fetch(`${service.base}/api/v1/vnfs/${watched}`, { method: 'DELETE', headers: { authorization: headers.authorization } });
    await until(() => out.includes(`{"type":"DELETED","name":"${watched}","object":null}`), 'DELETED');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('delete, and the domain is gone (virsh agrees); completion names the commands', async () => {
    expect(await vnfctl(['delete', yamlName])).toMatchObject({ code: 0, stdout: `vnf/${yamlName} deleted\n` });
    expect((await vnfctl(['delete', jsonName, '-o', 'json'])).code).toBe(0);
    const domains = await listAll(URI);
    expect(domains.has(yamlName) || domains.has(jsonName)).toBe(false);
    expect((await vnfctl(['get', yamlName])).code).toBe(3);
    const completion = await vnfctl(['completion', 'bash']);
    expect(completion.stdout).toContain('complete -F _vnfctl vnfctl');
    expect(completion.stdout).toContain('get describe apply diff delete start stop reboot xml events devices host reconcile');
  });
});
