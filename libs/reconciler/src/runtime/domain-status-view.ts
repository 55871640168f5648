import type { DomainEventHint, ObservedDomain } from '../../../libvirt/src/index.js';

/**
 * What vnfm last knew of each libvirt domain, kept in memory from full passes, single
 * observations, its own actions and libvirt's domain events, so a GET needs no libvirt call.
 *
 * - `get` answers a domain (or null: known absent) only when it is known; undefined means "ask
 *   libvirt" (after a reconnect, before the next full pass, events may have been missed).
 * - An observation that started before an event about the same domain is older than that event:
 *   it is not applied over it (`mark` is taken before the libvirt call, `record*` given it after).
 */
export class DomainStatusView {
  private readonly domains = new Map<string, ObservedDomain>();
  /** The event counter when each domain last had an event. */
  private readonly lastEvent = new Map<string, number>();
  private events = 0;
  /** The event counter at the last `clear`: a read marked before it is older than every event. */
  private clearedAt = 0;
  /** A full pass was recorded since the last `clear`: a domain not in the map is absent. */
  private complete = false;
  private changes = 0;

  /** Counts the changes of what `get` answers: equal versions, the same answers. */
  get version(): number {
    return this.changes;
  }

  /** Taken before a libvirt read; hand it to `record`/`recordAll` with the read's answer. */
  mark(): number {
    return this.events;
  }

  get(uuid: string): ObservedDomain | null | undefined {
    const known = this.domains.get(uuid);
    if (known) return known;
    return this.complete ? null : undefined;
  }

  /** Every domain, as a full list read after `mark` saw them. */
  recordAll(domains: readonly ObservedDomain[], mark: number): void {
    const fresh = new Map(domains.map((domain) => [domain.uuid, domain]));
    for (const uuid of this.domains.keys()) {
      if (!fresh.has(uuid) && !this.eventSince(uuid, mark)) {
        this.domains.delete(uuid);
        this.changes += 1;
      }
    }
    for (const [uuid, domain] of fresh) {
      // An unchanged domain keeps its entry: a pass at 10,000 domains allocates nothing here to keep.
      if (!this.eventSince(uuid, mark) && !same(this.domains.get(uuid), domain)) {
        this.domains.set(uuid, copy(domain));
        this.changes += 1;
      }
    }
    for (const [uuid, at] of this.lastEvent) if (at <= mark) this.lastEvent.delete(uuid);
    if (mark >= this.clearedAt && !this.complete) {
      this.complete = true;
      this.changes += 1;
    }
  }

  /** One domain as read after `mark` (null: libvirt has no domain with that UUID). */
  record(uuid: string, domain: ObservedDomain | null, mark: number): void {
    if (this.eventSince(uuid, mark)) return;
    this.changes += 1;
    if (domain && domain.uuid === uuid) this.domains.set(uuid, copy(domain));
    else this.domains.delete(uuid);
  }

  /** vnfm's own action succeeded: its effect is the newest thing known. */
  afterAction(uuid: string, action: 'start' | 'destroy' | 'undefine' | 'resume'): void {
    const domain = this.domains.get(uuid);
    if (!domain) return;
    this.changes += 1;
    if (action === 'start' || action === 'resume') Object.assign(domain, { state: 'running' });
    else if (action === 'destroy') this.stopped(uuid, domain);
    else if (domain.state === 'shutoff') this.domains.delete(uuid);
    else domain.persistent = false;
  }

  /** A libvirt domain event: the state it implies (the reconcile it triggers reads the rest). */
  applyEvent(event: DomainEventHint): void {
    this.events += 1;
    this.changes += 1;
    this.lastEvent.set(event.uuid, this.events);
    const domain = this.domains.get(event.uuid);
    switch (event.what) {
      case 'defined':
        if (domain) Object.assign(domain, { persistent: true, name: event.name });
        else this.domains.set(event.uuid, { uuid: event.uuid, name: event.name, id: null, state: 'shutoff', persistent: true });
        return;
      case 'undefined':
        if (domain) this.afterAction(event.uuid, 'undefine');
        return;
      case 'started':
        if (domain) Object.assign(domain, { state: 'running', id: event.id ?? domain.id });
        else this.domains.set(event.uuid, { uuid: event.uuid, name: event.name, id: event.id ?? null, state: 'running', persistent: false });
        return;
      case 'stopped':
        if (domain) this.stopped(event.uuid, domain);
        return;
      case 'suspended':
        if (domain) domain.state = 'paused';
        return;
      case 'resumed':
        if (domain) domain.state = 'running';
        return;
      case 'crashed':
        if (domain) domain.state = 'crashed';
        return;
      case 'pmsuspended':
        if (domain) domain.state = 'pmsuspended';
        return;
      default:
        return;
    }
  }

  /** libvirt reported an event for this domain after `mark` was taken: what was read before is older. */
  hadEventSince(uuid: string, mark: number): boolean {
    return this.eventSince(uuid, mark);
  }

  /**
   * Events may have been missed (a new connection): known only what is read from now on. A read
   * marked before this (a pass that listed before the gap) is older than every event since.
   */
  clear(): void {
    this.domains.clear();
    this.complete = false;
    this.changes += 1;
    this.events += 1;
    this.clearedAt = this.events;
  }

  private stopped(uuid: string, domain: ObservedDomain): void {
    if (!domain.persistent) this.domains.delete(uuid);
    else Object.assign(domain, { state: 'shutoff', id: null });
  }

  private eventSince(uuid: string, mark: number): boolean {
    return mark < this.clearedAt || (this.lastEvent.get(uuid) ?? 0) > mark;
  }
}

function same(known: ObservedDomain | undefined, domain: ObservedDomain): boolean {
  return known !== undefined && known.name === domain.name && known.id === domain.id && known.state === domain.state && known.persistent === domain.persistent;
}

function copy(domain: ObservedDomain): ObservedDomain {
  return { name: domain.name, uuid: domain.uuid, id: domain.id, state: domain.state, persistent: domain.persistent };
}
