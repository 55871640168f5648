import { describe, expect, it } from 'vitest';
import { LibvirtConnectionError, type DefinitionsRead, type DomainDefinition, type LibvirtPort, type ObservedDomain } from '../../../libvirt/src/index.js';
import { DomainObserver } from './observer.js';

const domain = (n: number): ObservedDomain => ({ name: `fw-${n}`, uuid: `u-${n}`, id: null, state: 'shutoff', persistent: true });

/** A port whose definitions arrive when the test hands them over, batch by batch. */
function streamingPort(listed: ObservedDomain[]) {
  let deliver!: (batch: DomainDefinition[]) => void;
  let finish!: (error?: Error, unread?: string[]) => void;
  const port = {
    listAvailableDomains: async () => ({ domains: listed, complete: true }),
    readDefinitions: (_uuids: readonly string[], onBatch: (batch: DomainDefinition[]) => void) =>
      new Promise<DefinitionsRead>((resolve, reject) => {
        deliver = onBatch;
        finish = (error, unread = []) => (error ? reject(error) : resolve({ unread }));
      }),
  } as unknown as LibvirtPort;
  const xml = (n: number): DomainDefinition => ({ uuid: `u-${n}`, inactiveXml: `<domain><name>fw-${n}</name></domain>` });
  return { port, send: (...ns: number[]) => deliver(ns.map(xml)), finish: (error?: Error, unread?: string[]) => finish(error, unread) };
}

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('DomainObserver.observeAvailable: the listing at once, each domain as its definition arrives', () => {
  it('answers a domain as soon as its batch is in, and one listed but never read as gone (null)', async () => {
    const libvirt = streamingPort([domain(1), domain(2), domain(3)]);
    const observer = new DomainObserver(libvirt.port);
    const observation = await observer.observeAvailable();
    expect(observation.domains.map((found) => found.uuid)).toEqual(['u-1', 'u-2', 'u-3']);
    // The view knows the listing before any definition is read.
    expect(observer.view.get('u-2')).toMatchObject({ name: 'fw-2', state: 'shutoff' });
    const second = observation.factsOf('u-2');
    expect(await settled(second)).toBe('pending');
    libvirt.send(2);
    expect(await second).toMatchObject({ uuid: 'u-2', name: 'fw-2', state: 'shutoff', persistent: true });
    libvirt.send(1);
    libvirt.finish();
    expect(await observation.factsOf('u-3')).toBeNull();
    expect(await observation.factsOf('u-never-listed')).toBeNull();
    expect((await observation.all()).map((facts) => facts.uuid)).toEqual(['u-1', 'u-2']);
  });

  it('a read that fails rejects the domains not read yet and the whole, and keeps what came before it', async () => {
    const libvirt = streamingPort([domain(1), domain(2)]);
    const observation = await new DomainObserver(libvirt.port).observeAvailable();
    libvirt.send(1);
    libvirt.finish(new LibvirtConnectionError('lost the connection', 'readDefinitions'));
    expect(await observation.factsOf('u-1')).toMatchObject({ uuid: 'u-1' });
    await expect(observation.factsOf('u-2')).rejects.toBeInstanceOf(LibvirtConnectionError);
    await expect(observation.all()).rejects.toBeInstanceOf(LibvirtConnectionError);
  });

  it("tells a domain whose connection went away before it was read ('unread') from one that is gone (null)", async () => {
    const libvirt = streamingPort([domain(1), domain(2), domain(3)]);
    const observation = await new DomainObserver(libvirt.port).observeAvailable();
    libvirt.send(1);
    libvirt.finish(undefined, ['u-2']);
    expect(await observation.factsOf('u-2')).toBe('unread');
    expect(await observation.factsOf('u-3')).toBeNull();
    expect((await observation.all()).map((facts) => facts.uuid)).toEqual(['u-1']);
  });

  it('leaves no unhandled rejection when nobody waits for a domain whose read failed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const libvirt = streamingPort([domain(1), domain(2)]);
      await new DomainObserver(libvirt.port).observeAvailable();
      libvirt.finish(new LibvirtConnectionError('lost the connection', 'readDefinitions'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
