import { describe, expect, it } from 'vitest';
import type { AddonConnection, AddonStream } from './load-addon.js';
import { NativeConsole, type ConsoleEnd } from './native-console.js';

/** The addon's stream calls, recorded (the lane itself is tested on a real guest). */
function setup(alive = true) {
  const closes: boolean[] = [];
  const native = { isAlive: () => alive, streamClose: async (_stream: AddonStream, abort: boolean) => void closes.push(abort) } as unknown as AddonConnection;
  const chunks: string[] = [];
  const ends: ConsoleEnd[] = [];
  const finished: NativeConsole[] = [];
  const console = new NativeConsole(native, {} as AddonStream, { data: (chunk) => chunks.push(chunk.toString()), end: (how) => ends.push(how) }, (done) => finished.push(done));
  return { console, closes, chunks, ends, finished };
}

describe('NativeConsole: what a console tells its listener', () => {
  it('output, then one end; nothing after it', () => {
    const { console, chunks, ends, finished } = setup();
    console.deliver(['data', Buffer.from('abc')]);
    console.deliver(['end']);
    console.deliver(['data', Buffer.from('late')]);
    console.deliver(['error', Object.assign(new Error('late'), { code: 1 })]);
    expect(chunks).toEqual(['abc']);
    expect(ends).toEqual([{ kind: 'eof' }]);
    expect(finished).toEqual([console]);
  });

  it("the connection's close callback ends the console as lost and aborts its stream; the stream's own error after it is not told again", async () => {
    const { console, closes, ends } = setup(false);
    console.connectionLost('keepalive');
    console.deliver(['error', Object.assign(new Error('the connection to libvirtd was closed'), { code: 1 })]);
    await Promise.resolve();
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ kind: 'error', connectionLost: true });
    expect(closes).toEqual([true]);
  });

  it("a stream error while libvirt says the connection is dead counts as lost, one on a live connection does not", () => {
    const lost = setup(false);
    lost.console.deliver(['error', Object.assign(new Error('broken pipe'), { code: 38 })]);
    expect(lost.ends[0]).toMatchObject({ kind: 'error', connectionLost: true });
    const live = setup(true);
    live.console.deliver(['error', Object.assign(new Error('stream aborted'), { code: 1 })]);
    expect(live.ends[0]).toMatchObject({ kind: 'error', connectionLost: false });
  });

  it('close after the end still frees the stream (finish, not abort)', async () => {
    const { console, closes } = setup();
    console.deliver(['end']);
    await console.close();
    expect(closes).toEqual([false]);
  });
});
