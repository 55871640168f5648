import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient, type DomainDefinition } from '../../libs/libvirt/src/index.js';
import { NativeConnection } from '../../libs/libvirt-native/src/index.js';
import { minimalDomainXml } from './native-support.js';
import { startPrivateLibvirtd, stopAllPrivateLibvirtd, type PrivateLibvirtd } from '../support/private-libvirtd.js';

/**
 * The definition reader: a second connection that reads definitions beside the first in a pass
 * (LibvirtClient's readDefinitions), on a private libvirtd. Every definition must be handed over
 * once, whether the reader is up, cut by the daemon in the middle of it all, or reconnecting.
 */

const DOMAINS = 450; // 5 batches of 100: both connections get some
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The daemon's client ids (virt-admin, the admin socket of the private daemon), oldest first. */
function clientIds(daemon: PrivateLibvirtd): number[] {
  const out = execFileSync('virt-admin', ['-c', `libvirtd:///system?socket=${daemon.dir}/libvirt-admin-sock`, 'srv-clients-list', 'libvirtd'], { encoding: 'utf8' });
  return [...out.matchAll(/^\s*(\d+)\s+unix/gm)].map((match) => Number(match[1])).sort((a, b) => a - b);
}

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('LibvirtClient definition reader (private libvirtd)', () => {
  let daemon: PrivateLibvirtd;
  let keeper: NativeConnection;
  let client: LibvirtClient;
  const log: string[] = [];
  const uuids: string[] = [];
  const names = new Map<string, string>();

  /** readDefinitions of every domain: the definitions handed over, by UUID, each counted. */
  async function readAll(): Promise<Map<string, DomainDefinition[]>> {
    const seen = new Map<string, DomainDefinition[]>();
    await client.readDefinitions(uuids, (batch) => {
      for (const definition of batch) seen.set(definition.uuid, [...(seen.get(definition.uuid) ?? []), definition]);
    });
    return seen;
  }

  function expectEachOnce(seen: Map<string, DomainDefinition[]>): void {
    expect(seen.size).toBe(DOMAINS);
    for (const uuid of uuids) {
      expect(seen.get(uuid)).toHaveLength(1);
      expect(seen.get(uuid)![0]!.inactiveXml).toContain(`<name>${names.get(uuid)}</name>`);
    }
  }

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    keeper = await NativeConnection.open(daemon.uri); // keeps the test driver's state
    for (let index = 0; index < DOMAINS; index += 1) {
      const domain = await keeper.defineXml(minimalDomainXml(daemon.uri, `reader-${index}`));
      uuids.push(domain.uuid);
      names.set(domain.uuid, domain.name);
    }
    client = new LibvirtClient({ uri: daemon.uri, callTimeoutMs: 5_000, maxInFlight: 8, definitionReader: true, reconnect: { baseMs: 50, maxMs: 200, jitter: 0 }, log: (_level, message) => log.push(message) });
    expect(await client.start()).toBe(true);
    await until('the reader to connect', () => log.some((line) => line.includes('(definition reader)') && line.startsWith('connected')));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await keeper?.close().catch(() => undefined);
    await stopAllPrivateLibvirtd();
  });

  it('is a second connection of its own, and every definition is handed over once', async () => {
    expect(clientIds(daemon)).toHaveLength(3); // the keeper, the client, its reader
    await client.listDomains(); // a pass lists first: these handles are the first connection's
    expectEachOnce(await readAll());
  });

  it('hands every definition over once when the daemon cuts the reader off, and the reader comes back', async () => {
    for (let round = 0; round < 5; round += 1) {
      const reader = clientIds(daemon).at(-1)!; // connected last: after the keeper and the client
      await client.listDomains();
      const reading = readAll();
      execFileSync('virt-admin', ['-c', `libvirtd:///system?socket=${daemon.dir}/libvirt-admin-sock`, 'client-disconnect', 'libvirtd', String(reader)], { stdio: 'ignore' });
      expectEachOnce(await reading);
      await until('the reader to reconnect', () => log.filter((line) => line.startsWith('connected') && line.includes('(definition reader)')).length >= round + 2);
    }
    expect(log.filter((line) => line.includes('(definition reader) lost')).length).toBeGreaterThanOrEqual(5);
    expect(client.isConnected()).toBe(true);
    expectEachOnce(await readAll());
  }, 120_000);

  it('has no reader on the in-process test driver, where a second connection would see other domains', async () => {
    const lines: string[] = [];
    const local = new LibvirtClient({ uri: 'test:///default', callTimeoutMs: 5_000, maxInFlight: 8, definitionReader: true, log: (_level, message) => lines.push(message) });
    try {
      expect(await local.start()).toBe(true);
      await sleep(300);
      expect(lines.filter((line) => line.startsWith('connected'))).toEqual(['connected to libvirtd at test:///default']);
    } finally {
      await local.close();
    }
  });
});
