import { describe, expect, it } from 'vitest';
import { CompositeLibvirt, type CompositeMember } from './composite-libvirt.js';
import type { ObservedDomain } from './domain-state.js';
import { DomainNotFoundError, LibvirtConnectionError, LibvirtTimeoutError } from './libvirt.errors.js';
import type { LibvirtClient } from './libvirt-client.js';

/** An in-memory stand-in for one connection: its domains, whether it is up, and what it was asked. */
function fakeConnection(uri: string, domains: ObservedDomain[] = []) {
  const calls: string[] = [];
  const state = { up: true, stalled: false, lookups: 0 };
  const client = {
    uri,
    keepsQemuCommandline: true,
    isConnected: () => state.up,
    lookupDomainByUuid: async (uuid: string) => {
      state.lookups += 1;
      return domains.find((domain) => domain.uuid === uuid) ?? null;
    },
    lookupDomain: async (name: string) => domains.find((domain) => domain.name === name) ?? null,
    listDomains: async () => {
      if (!state.up) throw new LibvirtConnectionError(`${uri} down`, 'listDomains');
      return [...domains];
    },
    readDefinitions: async (uuids: readonly string[], onBatch: (batch: Array<{ uuid: string; inactiveXml: string }>) => void) => {
      calls.push(`read ${uuids.join(',')}`);
      if (!state.up) throw new LibvirtConnectionError(`${uri} down`, 'readDefinitions');
      if (state.stalled) throw new LibvirtTimeoutError('readDefinitions timed out', 'readDefinitions');
      onBatch(domains.filter((found) => uuids.includes(found.uuid)).map((found) => ({ uuid: found.uuid, inactiveXml: `<domain><name>${found.name}</name></domain>` })));
      return { unread: [] };
    },
    defineDomain: async (xml: string) => {
      calls.push(`define ${/<name>([^<]*)<\/name>/.exec(xml)?.[1]}`);
      return domain('defined', 'u-new');
    },
    startDomain: async (uuid: string) => {
      if (!domains.some((domain) => domain.uuid === uuid)) throw new DomainNotFoundError(uuid, 'startDomain');
      calls.push(`start ${uuid}`);
    },
    destroyDomain: async (uuid: string) => void calls.push(`destroy ${uuid}`),
    undefineDomain: async (uuid: string) => void calls.push(`undefine ${uuid}`),
    openConsole: async (uuid: string, _output: unknown, options: { force?: boolean }) => {
      calls.push(`console ${uuid}${options.force ? ' force' : ''}`);
      return { write: async () => undefined, setReading: () => undefined, close: async () => undefined };
    },
    onConnected: () => () => undefined,
    onDomainEvent: () => () => undefined,
  };
  return { client: client as unknown as LibvirtClient, calls, state, domains };
}

function domain(name: string, uuid: string): ObservedDomain {
  return { name, uuid, id: 1, state: 'running', persistent: true };
}

describe('CompositeLibvirt: two connections behind one port', () => {
  const setup = () => {
    const vm = fakeConnection('qemu:///system', [domain('fw-1', 'u-vm')]);
    const lxc = fakeConnection('lxc:///', [domain('dns-1', 'u-ct')]);
    const members: CompositeMember[] = [
      { kind: 'vm', client: vm.client },
      { kind: 'container', client: lxc.client },
    ];
    return { vm, lxc, port: new CompositeLibvirt(members) };
  };

  it('lists both, routes each action to the connection that has the UUID, and a define by its domain type', async () => {
    const { vm, lxc, port } = setup();
    expect((await port.listDomains()).map((found) => found.name)).toEqual(['fw-1', 'dns-1']);
    await port.destroyDomain('u-ct');
    await port.startDomain('u-vm');
    await port.defineDomain("<domain type='lxc'><name>dns-2</name></domain>");
    await port.defineDomain('<domain type="qemu"><name>fw-2</name></domain>');
    expect(lxc.calls).toEqual(['destroy u-ct', 'define dns-2']);
    expect(vm.calls).toEqual(['start u-vm', 'define fw-2']);
  });

  it('asks the remembered connection directly; one that no longer has the UUID sends it to the one that has it now', async () => {
    const { vm, lxc, port } = setup();
    await port.listDomains();
    await port.startDomain('u-vm');
    expect(vm.state.lookups + lxc.state.lookups).toBe(0);
    // The domain went from the VM connection and is now on the container one.
    lxc.domains.push(vm.domains.splice(0, 1)[0]!);
    await port.startDomain('u-vm');
    expect(vm.calls).toEqual(['start u-vm']);
    expect(lxc.calls).toEqual(['start u-vm']);
    await expect(port.startDomain('u-none')).rejects.toBeInstanceOf(DomainNotFoundError);
  });

  it('reads the definition of each listed domain on the connection that listed it', async () => {
    const { vm, lxc, port } = setup();
    const listed = await port.listAvailableDomains();
    const read: string[] = [];
    expect(await port.readDefinitions([...listed.domains.map((found) => found.uuid), 'u-never-listed'], (batch) => read.push(...batch.map((found) => found.uuid)))).toEqual({ unread: [] });
    expect(read.sort()).toEqual(['u-ct', 'u-vm']);
    expect(vm.calls).toEqual(['read u-vm']);
    expect(lxc.calls).toEqual(['read u-ct']);
  });

  it('a connection lost after the listing leaves its domains unread (not gone) while the other answers; any other failure, or both failing, fails the read', async () => {
    const { vm, lxc, port } = setup();
    await port.listAvailableDomains();
    const read: string[] = [];
    const readBoth = () => port.readDefinitions(['u-vm', 'u-ct'], (batch) => read.push(...batch.map((found) => found.uuid)));
    lxc.state.up = false;
    expect(await readBoth()).toEqual({ unread: ['u-ct'] });
    expect(read).toEqual(['u-vm']);
    lxc.state.up = true;
    lxc.state.stalled = true; // still connected: not away, a failure
    await expect(readBoth()).rejects.toBeInstanceOf(LibvirtTimeoutError);
    lxc.state.stalled = false;
    lxc.state.up = false;
    vm.state.up = false;
    await expect(readBoth()).rejects.toBeInstanceOf(LibvirtConnectionError);
  });

  it('a connection lost during its read is away for that read even when it is back before the other answers (reconnects take 250 ms)', async () => {
    const { vm, lxc, port } = setup();
    await port.listAvailableDomains();
    let vmAnswers!: () => void;
    const vmRead = vm.client.readDefinitions.bind(vm.client);
    (vm.client as { readDefinitions: typeof vmRead }).readDefinitions = async (uuids, onBatch) => {
      await new Promise<void>((resolve) => (vmAnswers = resolve));
      return vmRead(uuids, onBatch);
    };
    lxc.state.up = false;
    const reading = port.readDefinitions(['u-vm', 'u-ct'], () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    lxc.state.up = true; // reconnected while the VM connection still reads
    vmAnswers();
    expect(await reading).toEqual({ unread: ['u-ct'] });
  });

  it('with one connection away: a partial list says so, listDomains refuses, the other kind is still answered', async () => {
    const { lxc, port } = setup();
    lxc.state.up = false;
    expect(port.isConnected()).toBe(true);
    expect(await port.listAvailableDomains()).toEqual({ domains: [domain('fw-1', 'u-vm')], complete: false });
    await expect(port.listDomains()).rejects.toBeInstanceOf(LibvirtConnectionError);
    // A VM's absent domain is absent; a container's (or an unknown kind's) cannot be decided.
    expect(await port.lookupDomainByUuid('u-missing', 'vm')).toBeNull();
    await expect(port.lookupDomainByUuid('u-missing', 'container')).rejects.toBeInstanceOf(LibvirtConnectionError);
    await expect(port.lookupDomainByUuid('u-missing')).rejects.toBeInstanceOf(LibvirtConnectionError);
    expect(port.connectionStates()).toEqual([
      { uri: 'qemu:///system', kind: 'vm', connected: true },
      { uri: 'lxc:///', kind: 'container', connected: false },
    ]);
  });

  it('refuses a container definition when no LXC connection is configured', async () => {
    const vm = fakeConnection('qemu:///system');
    const port = new CompositeLibvirt([{ kind: 'vm', client: vm.client }]);
    await expect(port.defineDomain("<domain type='lxc'><name>x</name></domain>")).rejects.toThrow(/VNFM_LXC_URI is off/);
    expect(vm.calls).toEqual([]);
  });

  it("opens a console on the domain's own connection; force only where the driver takes it (QEMU, not LXC)", async () => {
    const { vm, lxc, port } = setup();
    const output = { data: () => undefined, end: () => undefined };
    await port.openConsole('u-vm', output, { force: true });
    await port.openConsole('u-ct', output, { force: true });
    expect(vm.calls).toEqual(['console u-vm force']);
    expect(lxc.calls).toEqual(['console u-ct']);
    await expect(port.openConsole('u-none', output)).rejects.toThrow(/not found/);
  });
});
