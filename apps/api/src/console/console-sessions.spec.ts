import { describe, expect, it } from 'vitest';
import type { VnfUseCases } from '../../../../libs/use-cases/src/index.js';
import { CONSOLE_CLOSE } from './close-codes.js';
import { ConsoleSessions } from './console-sessions.js';

/** The states libvirt answers, one per look, the last repeated. */
function sessionsSeeing(states: string[]): { sessions: ConsoleSessions; looks: () => number } {
  let looks = 0;
  const vnfs = { consoleDomainState: async () => states[Math.min(looks++, states.length - 1)] } as unknown as VnfUseCases;
  return { sessions: new ConsoleSessions(vnfs), looks: () => looks };
}

const explainHangup = (sessions: ConsoleSessions, name: string) =>
  (sessions as unknown as { explainHangup(name: string): Promise<{ code: number; reason: string }> }).explainHangup(name);

describe('why a console hung up', () => {
  it('waits out "being shut down" (a virsh destroy passes through it) and reports where the guest settled', async () => {
    const { sessions, looks } = sessionsSeeing(['shutdown', 'shutoff']);
    expect(await explainHangup(sessions, 'vnf-a')).toEqual({ code: CONSOLE_CLOSE.guestStopped, reason: 'the guest stopped (shutoff)' });
    expect(looks()).toBe(2);
  });

  it('a guest that stays "being shut down" is still reported as stopped, in the end', async () => {
    const { sessions } = sessionsSeeing(['shutdown']);
    expect(await explainHangup(sessions, 'vnf-a')).toEqual({ code: CONSOLE_CLOSE.guestStopped, reason: 'the guest stopped (shutdown)' });
  }, 10_000);

  it('a crashed or paused guest is reported at once', async () => {
    const { sessions, looks } = sessionsSeeing(['crashed']);
    expect(await explainHangup(sessions, 'vnf-a')).toEqual({ code: CONSOLE_CLOSE.guestStopped, reason: 'the guest stopped (crashed)' });
    expect(looks()).toBe(1);
  });
});
