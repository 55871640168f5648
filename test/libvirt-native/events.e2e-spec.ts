import { describe, expect, it } from 'vitest';
import { NativeConnection, virDomainUndefineFlagsValues, type DomainEvent } from '../../libs/libvirt-native/src/index.js';
import { uniqueName } from '../support/virsh.js';
import { minimalDomainXml, rejection, waitFor } from './native-support.js';

describe('domain events through the binding', () => {
  it.each(['test+unix:///default', 'qemu:///system'])('%s: define, start, destroy, undefine arrive as lifecycle events, in order', async (uri) => {
    const connection = await NativeConnection.open(uri);
    const seen: DomainEvent[] = [];
    try {
      await connection.onDomainEvent((event) => seen.push(event));
      const { uuid } = await connection.defineXml(minimalDomainXml(uri));
      await connection.create(uuid);
      await connection.destroy(uuid);
      await connection.undefine(uuid);
      const mine = () => seen.filter((event) => event.uuid === uuid).map((event) => (event.kind === 'lifecycle' ? event.type : event.kind));
      await waitFor(seen, () => mine().includes('undefined'));
      // QEMU also reports the start-paused-then-resume it does; the four asked-for steps come in order.
      const lifecycle = ['defined', 'started', 'stopped', 'undefined'];
      expect(mine().filter((type) => lifecycle.includes(type))).toEqual(lifecycle);
      const started = seen.find((event) => event.uuid === uuid && event.kind === 'lifecycle' && event.type === 'started');
      expect(started?.id).toEqual(expect.any(Number));
    } finally {
      await connection.close();
    }
  });

  it('qemu:///system: a reboot and a live device removal arrive as reboot and device-removed events', async () => {
    const connection = await NativeConnection.open('qemu:///system');
    const seen: DomainEvent[] = [];
    const name = uniqueName('devrm');
    const tablet = "<input type='tablet' bus='usb'><alias name='ua-tablet'/></input>";
    const xml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='aarch64' machine='virt'>hvm</type></os><cpu mode='maximum'/><devices><controller type='usb' model='qemu-xhci'/>${tablet}<serial type='pty'/></devices></domain>`;
    const { uuid } = await connection.defineXml(xml);
    try {
      await connection.onDomainEvent((event) => seen.push(event));
      await connection.create(uuid);
      await connection.detachDevice(uuid, tablet, 1); // VIR_DOMAIN_AFFECT_LIVE: a USB device needs no guest consent
      await connection.reset(uuid);
      await waitFor(seen, () => seen.some((event) => event.uuid === uuid && event.kind === 'device-removed') && seen.some((event) => event.uuid === uuid && event.kind === 'reboot'));
      expect(seen.find((event) => event.uuid === uuid && event.kind === 'device-removed')).toMatchObject({ name, deviceAlias: 'ua-tablet' });
    } finally {
      await connection.destroy(uuid).catch(() => undefined);
      await connection.undefine(uuid);
      await connection.close();
    }
  });

  it('an aarch64 UEFI guest has NVRAM: undefine without the flag is refused, with VIR_DOMAIN_UNDEFINE_NVRAM it goes', async () => {
    const connection = await NativeConnection.open('qemu:///system');
    const name = uniqueName('uefi');
    const xml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os firmware='efi'><type arch='aarch64' machine='virt'>hvm</type></os><cpu mode='maximum'/><devices><serial type='pty'/></devices></domain>`;
    const { uuid } = await connection.defineXml(xml);
    try {
      await connection.create(uuid); // first boot creates the NVRAM file from the AAVMF template
      await connection.destroy(uuid);
      const refused = await rejection(connection.undefine(uuid, 0));
      expect(refused.codeName).toBe('VIR_ERR_OPERATION_INVALID');
      expect(refused.message).toMatch(/nvram/);
      await connection.undefine(uuid, virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_NVRAM);
      expect((await rejection(connection.lookupByUuid(uuid))).codeName).toBe('VIR_ERR_NO_DOMAIN');
    } finally {
      await connection.destroy(uuid).catch(() => undefined);
      await connection.undefine(uuid, virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_NVRAM).catch(() => undefined);
      await connection.close();
    }
  });
});

describe('process lifetime', () => {
  it.each(['test:///default', 'test+unix:///default', 'qemu:///system'])('%s: a process with an open connection, events and a close callback still exits by itself, cleanly', async (uri) => {
    const { execFile } = await import('node:child_process');
    const addon = new URL('../../libs/libvirt-native/build/Release/vnfm_libvirt.node', import.meta.url).pathname;
    const script = `
      const addon = require(${JSON.stringify(addon)});
      (async () => {
        const connection = await addon.open(${JSON.stringify(uri)});
        connection.onClose(() => {});
        await connection.registerDomainEvents(() => {});
        console.log('registered');
      })();`;
    const started = Date.now();
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    expect(output.trim()).toBe('registered');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
