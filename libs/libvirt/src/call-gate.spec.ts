import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';
import { CallGate } from './call-gate.js';
import { LibvirtTimeoutError } from './libvirt.errors.js';

const never = () => new Promise<never>(() => undefined);

describe('CallGate', () => {
  it('answers a hung call with a timeout error', async () => {
    const gate = new CallGate(2, 50);
    await expect(gate.run('hung', never)).rejects.toBeInstanceOf(LibvirtTimeoutError);
  });

  it('keeps a timed-out call\'s slot until the call really returns', async () => {
    const gate = new CallGate(1, 30);
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    await expect(gate.run('slow', () => slow)).rejects.toBeInstanceOf(LibvirtTimeoutError);
    expect(gate.busySlots).toBe(1);
    await expect(gate.run('waits', async () => 'ran')).rejects.toThrow(/no libvirt call slot/);
    finish();
    await slow;
    await Promise.resolve();
    expect(gate.busySlots).toBe(0);
    await expect(gate.run('next', async () => 'ran')).resolves.toBe('ran');
  });

  it('never runs more than maxInFlight calls at once', async () => {
    const gate = new CallGate(3, 1_000);
    let running = 0;
    let peak = 0;
    const work = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    };
    await Promise.all(Array.from({ length: 20 }, () => gate.run('w', work)));
    expect(peak).toBe(3);
  });

  it('passes failures through unchanged', async () => {
    const gate = new CallGate(1, 1_000);
    const failure = new Error('boom');
    await expect(gate.run('f', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(gate.busySlots).toBe(0);
  });
});

describe('backoffDelayMs', () => {
  const policy = { baseMs: 100, maxMs: 5_000, jitter: 0 };
  it('doubles per attempt and stops at the cap', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, policy))).toEqual([100, 200, 400, 800]);
    expect(backoffDelayMs(40, policy)).toBe(5_000);
  });
  it('keeps jitter inside the configured share', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffDelayMs(10, jittered, () => 0)).toBe(2_500);
    expect(backoffDelayMs(10, jittered, () => 1)).toBe(5_000);
  });
});
