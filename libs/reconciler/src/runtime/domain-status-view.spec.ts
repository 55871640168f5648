import { describe, expect, it } from 'vitest';
import type { ObservedDomain } from '../../../libvirt/src/index.js';
import { DomainStatusView } from './domain-status-view.js';
import { OwnEvents } from './own-events.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const running = (uuid: string, name = 'a'): ObservedDomain => ({ uuid, name, id: 7, state: 'running', persistent: true });

describe('DomainStatusView', () => {
  it('knows nothing until a full list is recorded; then a domain not listed is absent', () => {
    const view = new DomainStatusView();
    expect(view.get(A)).toBeUndefined();
    view.recordAll([running(A)], view.mark());
    expect(view.get(A)).toMatchObject({ state: 'running', id: 7 });
    expect(view.get(B)).toBeNull();
  });

  it('follows lifecycle events: stopped, started, undefined (of a stopped domain: gone), defined', () => {
    const view = new DomainStatusView();
    view.recordAll([running(A)], view.mark());
    view.applyEvent({ uuid: A, name: 'a', what: 'stopped' });
    expect(view.get(A)).toMatchObject({ state: 'shutoff', id: null, persistent: true });
    view.applyEvent({ uuid: A, name: 'a', what: 'started', id: 9 });
    expect(view.get(A)).toMatchObject({ state: 'running', id: 9 });
    view.applyEvent({ uuid: A, name: 'a', what: 'suspended' });
    expect(view.get(A)?.state).toBe('paused');
    view.applyEvent({ uuid: A, name: 'a', what: 'undefined' });
    expect(view.get(A)).toMatchObject({ state: 'paused', persistent: false });
    view.applyEvent({ uuid: A, name: 'a', what: 'stopped' });
    expect(view.get(A)).toBeNull();
    view.applyEvent({ uuid: B, name: 'b', what: 'defined' });
    expect(view.get(B)).toMatchObject({ name: 'b', state: 'shutoff', persistent: true });
  });

  it('an observation older than an event about the same domain does not overwrite it', () => {
    const view = new DomainStatusView();
    view.recordAll([running(A), running(B, 'b')], view.mark());
    const before = view.mark();
    view.applyEvent({ uuid: A, name: 'a', what: 'stopped' });
    // A read that started before the event answers what it saw then.
    view.record(A, running(A), before);
    view.recordAll([running(A), running(B, 'b')], before);
    expect(view.get(A)?.state).toBe('shutoff');
    // B had no event: the read applies. A later read of A applies too.
    view.record(A, running(A), view.mark());
    expect(view.get(A)?.state).toBe('running');
  });

  it('after clear (a new connection) nothing is known until read again', () => {
    const view = new DomainStatusView();
    view.recordAll([running(A)], view.mark());
    view.clear();
    expect(view.get(A)).toBeUndefined();
    expect(view.get(B)).toBeUndefined();
    view.record(A, running(A), view.mark());
    expect(view.get(A)?.state).toBe('running');
    expect(view.get(B)).toBeUndefined();
  });

  it('a read that started before a clear (a reconnect: events were missed) is older than anything after it', () => {
    const view = new DomainStatusView();
    const beforeGap = view.mark();
    view.clear();
    // A pass that listed before the connection dropped answers after it came back.
    view.recordAll([running(A)], beforeGap);
    view.record(B, running(B, 'b'), beforeGap);
    expect(view.get(A)).toBeUndefined();
    expect(view.get(B)).toBeUndefined();
    expect(view.get('u-never')).toBeUndefined(); // not "known absent": that list was not a full one after the gap
    expect(view.hadEventSince(A, beforeGap)).toBe(true);
    const afterGap = view.mark();
    expect(view.hadEventSince(A, afterGap)).toBe(false);
    view.recordAll([running(A)], afterGap);
    expect(view.get(A)?.state).toBe('running');
    expect(view.get('u-never')).toBeNull();
  });

  it("vnfm's own actions are applied at once", () => {
    const view = new DomainStatusView();
    view.recordAll([{ ...running(A), state: 'shutoff', id: null }], view.mark());
    view.afterAction(A, 'start');
    expect(view.get(A)?.state).toBe('running');
    view.afterAction(A, 'destroy');
    expect(view.get(A)?.state).toBe('shutoff');
    view.afterAction(A, 'undefine');
    expect(view.get(A)).toBeNull();
  });
});

describe('OwnEvents', () => {
  it('consumes each expected event once; other events and expired expectations are not own', async () => {
    const own = new OwnEvents(20);
    own.expect(A, 'started');
    expect(own.consume(A, 'stopped')).toBe(false);
    expect(own.consume(B, 'started')).toBe(false);
    expect(own.consume(A, 'started')).toBe(true);
    // The same event again (behind vnfm's back) is not vnfm's.
    expect(own.consume(A, 'started')).toBe(false);
    own.expect(A, 'defined');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(own.consume(A, 'defined')).toBe(false);
  });
});
