import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeConnection, type ConsoleEnd, type NativeConsole } from '../../libs/libvirt-native/src/index.js';
import { ConsoleTranscript, GUEST_BANNER, buildConsoleGuest } from '../support/console-guest.js';
import { ImageDir } from '../support/image-dir.js';
import { QEMU_URI, uniqueName, virsh } from '../support/virsh.js';
import { rejection } from './native-support.js';

/** A console's output and how it ended, as a test sees them. */
class Watched {
  readonly transcript = new ConsoleTranscript();
  readonly ends: ConsoleEnd[] = [];
  private endedResolve!: (how: ConsoleEnd) => void;
  readonly ended = new Promise<ConsoleEnd>((resolve) => (this.endedResolve = resolve));
  readonly listener = {
    data: (chunk: Buffer) => this.transcript.add(chunk),
    end: (how: ConsoleEnd) => {
      this.ends.push(how);
      this.endedResolve(how);
    },
  };
}

function guestXml(name: string, disk: string): string {
  return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>16</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
  <serial type='pty'/><console type='pty'/></devices></domain>`;
}

describe("the binding's console streams on a real guest (qemu:///system, TCG)", () => {
  const images = new ImageDir();
  let connection: NativeConnection;
  const domains: string[] = [];

  async function startGuest(): Promise<{ name: string; uuid: string }> {
    const name = uniqueName('nbcon');
    const { uuid } = await connection.defineXml(guestXml(name, buildConsoleGuest(images, `${name}.img`)));
    domains.push(uuid);
    await connection.create(uuid);
    return { name, uuid };
  }

  beforeAll(async () => {
    connection = await NativeConnection.open(QEMU_URI);
  });
  afterAll(async () => {
    for (const uuid of domains) {
      await connection.destroy(uuid).catch(() => undefined);
      await connection.undefine(uuid).catch(() => undefined);
    }
    await connection?.close();
    images.remove();
  });

  it("the guest's output arrives, input reaches it, and the guest's answer comes back", async () => {
    const { uuid } = await startGuest();
    const watched = new Watched();
    const console = await connection.openConsole(uuid, watched.listener);
    try {
      await watched.transcript.waitFor(GUEST_BANNER);
      const mark = watched.transcript.output.length;
      await console.write(Buffer.from('ping-abc\r'));
      await watched.transcript.waitFor('PING-ABC\r\n', 60_000, mark);
      expect(watched.ends).toEqual([]);

      // Paused: libvirt keeps the output; resumed: it flows again.
      console.setReading(false);
      console.setReading(true);
      const later = watched.transcript.output.length;
      await watched.transcript.waitFor(GUEST_BANNER, 60_000, later);
    } finally {
      await console.close();
    }
    expect(console.ended).toBe(true);
    expect((await rejection(console.write(Buffer.from('x')))).message).toMatch(/closed/);
  });

  it('a console in use is refused (VIR_ERR_OPERATION_FAILED) unless forced; the forced one takes over', async () => {
    const { uuid } = await startGuest();
    const first = new Watched();
    const opened = await connection.openConsole(uuid, first.listener);
    let second: NativeConsole | undefined;
    try {
      await first.transcript.waitFor(GUEST_BANNER);
      const busy = await rejection(connection.openConsole(uuid, new Watched().listener));
      expect(busy.codeName).toBe('VIR_ERR_OPERATION_FAILED');
      expect(busy.message).toMatch(/console session exists/i);

      const taker = new Watched();
      second = await connection.openConsole(uuid, taker.listener, { force: true });
      // The first stream is ended by libvirt's side, not by a connection loss.
      const how = await first.ended;
      expect(how.kind === 'eof' || (how.kind === 'error' && !how.connectionLost)).toBe(true);
      await second.write(Buffer.from('taken\r'));
      await taker.transcript.waitFor('TAKEN\r\n');
    } finally {
      await opened.close();
      await second?.close();
    }
  });

  it('a domain destroyed under an open console ends it, once', async () => {
    const { uuid } = await startGuest();
    const watched = new Watched();
    const console = await connection.openConsole(uuid, watched.listener);
    await watched.transcript.waitFor(GUEST_BANNER);
    await virsh(QEMU_URI, 'destroy', uuid);
    const how = await watched.ended;
    expect(how.kind === 'eof' || (how.kind === 'error' && !how.connectionLost)).toBe(true);
    await console.close();
    expect(watched.ends).toHaveLength(1);
  });

  it('a console of a domain that is not running, or of no domain, is refused with its code', async () => {
    const name = uniqueName('nbcon');
    const { uuid } = await connection.defineXml(guestXml(name, buildConsoleGuest(images, `${name}.img`)));
    domains.push(uuid);
    expect((await rejection(connection.openConsole(uuid, new Watched().listener))).codeName).toBe('VIR_ERR_OPERATION_INVALID');
    expect((await rejection(connection.openConsole('6d3c5b8e-0000-4000-8000-000000000000', new Watched().listener))).codeName).toBe('VIR_ERR_NO_DOMAIN');
  });

  it('closing the connection under an open console ends it with an error, and nothing hangs or crashes', async () => {
    const own = await NativeConnection.open(QEMU_URI);
    const { uuid } = await startGuest();
    const watched = new Watched();
    const console = await own.openConsole(uuid, watched.listener);
    await watched.transcript.waitFor(GUEST_BANNER);
    const writing = console.write(Buffer.from('a'.repeat(1000)));
    await own.close();
    await writing.catch(() => undefined);
    const how = await watched.ended;
    expect(how).toMatchObject({ kind: 'error', connectionLost: true });
    expect(watched.ends).toHaveLength(1);
    expect((await rejection(console.write(Buffer.from('x')))).codeName).toBe('VIR_ERR_INVALID_CONN');
    await console.close();
    // The guest is untouched: another connection still reads its console.
    const again = new Watched();
    const reopened = await connection.openConsole(uuid, again.listener);
    await again.transcript.waitFor(GUEST_BANNER);
    await reopened.close();
  });
});

describe("the binding's console on libvirt's test driver", () => {
  it('is refused with libvirt code (the test driver has no consoles)', async () => {
    const connection = await NativeConnection.open('test:///default');
    try {
      const [domain] = await connection.listAllDomains();
      const refused = await rejection(connection.openConsole(domain!.uuid, { data: () => undefined, end: () => undefined }));
      expect(refused.codeName).toMatch(/VIR_ERR_NO_SUPPORT|VIR_ERR_OPERATION_INVALID/);
    } finally {
      await connection.close();
    }
  });
});
