import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LibvirtPort } from '../../libs/libvirt/src/index.js';
import type { TestApp } from './test-app.js';
import { eventually } from './libvirtd.js';
import { virsh } from './virsh.js';

/** `virsh define` of an edited copy of a domain's inactive XML: an operator's change behind vnfm's back. */
export async function defineEdited(uri: string, name: string, edit: (xml: string) => string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-sabotage-'));
  try {
    const file = join(dir, 'domain.xml');
    const original = await virsh(uri, 'dumpxml', '--inactive', name);
    const edited = edit(original);
    if (edited === original) throw new Error('the edit changed nothing');
    writeFileSync(file, edited);
    await virsh(uri, 'define', file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `virsh define` of a whole domain XML. */
export async function defineXml(uri: string, xml: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-sabotage-'));
  try {
    writeFileSync(join(dir, 'domain.xml'), xml);
    await virsh(uri, 'define', join(dir, 'domain.xml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface VnfEvent {
  at: string;
  type: string;
  message: string;
}

export async function eventsOf(t: TestApp, name: string): Promise<VnfEvent[]> {
  return (await t.http.get(`/api/v1/vnfs/${name}/events`).expect(200)).body.items;
}

/** Waits until the VNF's event log has an event of that type (and returns it). */
export async function eventOf(t: TestApp, name: string, type: string, timeoutMs = 15_000): Promise<VnfEvent> {
  let found: VnfEvent | undefined;
  await eventually(async () => {
    found = (await eventsOf(t, name)).find((event) => event.type === type);
    return found !== undefined;
  }, timeoutMs, `a ${type} event for ${name}`);
  return found!;
}

/**
 * A pass run now (POST /reconcile) that stops after its listing: `meanwhile` runs before any
 * definition is read (the port's readDefinitions is held), then the pass goes on; its answer.
 */
export async function passHeldAfterListing(t: TestApp, port: LibvirtPort, meanwhile: () => Promise<void>): Promise<{ status: number; body: unknown }> {
  const readDefinitions = port.readDefinitions.bind(port);
  let listed!: () => void;
  const hasListed = new Promise<void>((resolve) => (listed = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  port.readDefinitions = async (uuids, onBatch) => {
    listed();
    await released;
    return readDefinitions(uuids, onBatch);
  };
  try {
    const pass = t.http.post('/api/v1/reconcile').then((answer) => answer);
    await hasListed;
    try {
      await meanwhile();
    } finally {
      release();
    }
    const answer = await pass;
    return { status: answer.status, body: answer.body as unknown };
  } finally {
    port.readDefinitions = readDefinitions;
  }
}
