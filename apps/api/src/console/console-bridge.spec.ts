import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { CONSOLE_CLOSE } from './close-codes.js';
import { ConsoleBridge, INPUT_HIGH_WATER, OUTPUT_HIGH_WATER, type ConsoleClosed } from './console-bridge.js';

/** A WebSocket as the bridge uses it: sends pile up in bufferedAmount until the test flushes them. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  paused = false;
  sent: Buffer[] = [];
  closedWith: [number, string] | null = null;
  private readonly callbacks: Array<() => void> = [];
  send(chunk: Buffer, _options: unknown, callback: () => void): void {
    this.sent.push(chunk);
    this.bufferedAmount += chunk.length;
    this.callbacks.push(() => {
      this.bufferedAmount -= chunk.length;
      callback();
    });
  }
  /** The network took everything queued. */
  flush(): void {
    for (const callback of this.callbacks.splice(0)) callback();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
  ping(): void {}
  terminate(): void {}
}

/** A console whose writes finish when the test says so. */
function fakeConsole() {
  const reading: boolean[] = [];
  const written: string[] = [];
  const pending: Array<() => void> = [];
  let closed = 0;
  return {
    reading,
    written,
    finishWrites: () => pending.splice(0).forEach((done) => done()),
    closed: () => closed,
    console: {
      write: (chunk: Buffer) =>
        new Promise<void>((resolve) => {
          written.push(chunk.toString());
          pending.push(resolve);
        }),
      setReading: (on: boolean) => void reading.push(on),
      close: async () => void closed++,
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const closings: ConsoleClosed[] = [];
  const bridge = new ConsoleBridge(
    (closed) => closings.push(closed),
    async () => ({ code: CONSOLE_CLOSE.guestStopped, reason: 'the guest stopped (shutoff)' }),
  );
  const socket = new FakeSocket();
  const guest = fakeConsole();
  bridge.attachConsole(guest.console);
  return { bridge, socket, guest, closings, attach: () => bridge.attachSocket(socket as unknown as WebSocket) };
}

describe('ConsoleBridge: a console session with bounded buffers both ways', () => {
  it('a client that does not keep up pauses the guest output at the high-water mark, and resumes it once drained', () => {
    const { bridge, socket, guest, attach } = setup();
    attach();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent <= OUTPUT_HIGH_WATER; sent += chunk.length) bridge.output.data(chunk);
    expect(guest.reading).toEqual([false]);
    socket.flush();
    expect(guest.reading).toEqual([false, true]);
  });

  it('output before the WebSocket is up waits in order, within the same bound', () => {
    const { bridge, socket, guest, attach } = setup();
    const chunk = Buffer.alloc(512 * 1024, 0x62);
    bridge.output.data(Buffer.from('first'));
    bridge.output.data(chunk);
    bridge.output.data(chunk);
    expect(guest.reading).toEqual([false]);
    attach();
    expect(socket.sent.map((sent) => sent.length)).toEqual([5, chunk.length, chunk.length]);
  });

  it('input goes to the guest one write at a time, in order; past the high-water mark the client socket is not read', async () => {
    const { socket, guest, attach } = setup();
    attach();
    socket.emit('message', Buffer.from('a'), true);
    socket.emit('message', Buffer.from('b'), false);
    await settle();
    expect(guest.written).toEqual(['a']);
    socket.emit('message', Buffer.alloc(INPUT_HIGH_WATER, 0x63), true);
    expect(socket.paused).toBe(true);
    for (let round = 0; round < 4; round++) {
      guest.finishWrites();
      await settle();
    }
    expect(guest.written.slice(0, 2)).toEqual(['a', 'b']);
    expect(guest.written).toHaveLength(3);
    expect(socket.paused).toBe(false);
  });

  it("ends once: the guest's hang-up closes the client with the code and reason, and the console", async () => {
    const { bridge, socket, guest, closings, attach } = setup();
    attach();
    bridge.output.end({ reason: 'hangup' });
    await settle();
    bridge.output.end({ reason: 'libvirt-lost', message: 'gone' });
    socket.emit('close', 1000);
    expect(socket.closedWith).toEqual([CONSOLE_CLOSE.guestStopped, 'the guest stopped (shutoff)']);
    expect(closings).toEqual([{ code: CONSOLE_CLOSE.guestStopped, reason: 'the guest stopped (shutoff)', bytesIn: 0, bytesOut: 0 }]);
    expect(guest.closed()).toBe(1);
  });

  it('a lost libvirtd connection closes with 4003', () => {
    const { bridge, socket, attach } = setup();
    attach();
    bridge.output.end({ reason: 'libvirt-lost', message: 'keepalive' });
    expect(socket.closedWith).toEqual([CONSOLE_CLOSE.libvirtLost, 'the connection to libvirtd was lost']);
  });
});
