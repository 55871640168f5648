import { messageOf } from '../../../core/src/index.js';
import { DomainStatusView } from './domain-status-view.js';
import { ParseCache } from './parse-cache.js';
import { DomainNotFoundError, type DomainKind, type LibvirtPort, type ObservedDomain } from '../../../libvirt/src/index.js';
import type { ObservedDomainFacts } from '../plan.js';
import type { ParsedDomain } from '../../../domain-xml/src/index.js';

/** What a pass sees of libvirt: the listed domains at once, each one's facts once its definition is in. */
export interface PassObservation {
  domains: readonly ObservedDomain[];
  /** The status view's mark taken before the list: a domain with an event since has changed after it was listed (`view.hadEventSince`). */
  mark: number;
  /** Every connection answered the list. */
  complete: boolean;
  /**
   * A listed domain's facts once its definition is read; null when it went away meanwhile (or
   * was not listed); 'unread' when its connection went away before it was read (it may well be
   * there); rejects when reading failed before it.
   */
  factsOf(uuid: string): Promise<ObservedDomainFacts | null | 'unread'>;
  /** The facts of every listed domain still there, once all are read; rejects when a read failed. */
  all(): Promise<ObservedDomainFacts[]>;
}

/** A promise settled from outside; settling it again does nothing. Never an unhandled rejection: whoever needs it awaits it. */
function settleable<T>(): { promise: Promise<T>; resolve: (value: T | Promise<T>) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T | Promise<T>) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

type ListedFact = ObservedDomainFacts | null | 'unread';

/**
 * The facts of a pass's listed domains as their definitions come in. Memory: a listed domain
 * costs its facts only; a promise is made for a domain only when someone waits for facts not in
 * yet (a promise and its resolvers for each of 10,000 domains were 9 MiB of the heap mid-pass).
 */
class ListedFacts {
  private readonly entries = new Map<string, { domain: ObservedDomain; facts?: ListedFact | Promise<ObservedDomainFacts> }>();
  private readonly waiting = new Map<string, ReturnType<typeof settleable<ListedFact>>>();
  private ended = false;
  private failure: { error: unknown } | undefined;

  constructor(domains: readonly ObservedDomain[]) {
    for (const domain of domains) this.entries.set(domain.uuid, { domain });
  }

  uuids(): IterableIterator<string> {
    return this.entries.keys();
  }

  domainOf(uuid: string): ObservedDomain | undefined {
    return this.entries.get(uuid)?.domain;
  }

  /** Its definition is in (the first answer counts). */
  arrived(uuid: string, facts: Promise<ObservedDomainFacts>): void {
    const entry = this.entries.get(uuid);
    if (!entry || entry.facts !== undefined || this.ended) return;
    entry.facts = facts;
    void facts.then((settled) => {
      if (entry.facts === facts) entry.facts = settled;
    });
    this.answer(uuid, facts);
  }

  /** Reading is over: `unread` were on a connection that went away; the others not read are gone since the list. */
  readingEnded(unread: readonly string[]): void {
    const away = new Set(unread);
    for (const [uuid, entry] of this.entries) {
      if (entry.facts !== undefined) continue;
      entry.facts = away.has(uuid) ? 'unread' : null;
      this.answer(uuid, entry.facts);
    }
    this.ended = true;
  }

  /** Reading failed: whatever was not in by then fails with it. */
  readingFailed(error: unknown): void {
    this.failure = { error };
    this.ended = true;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  of(uuid: string): Promise<ListedFact> {
    const entry = this.entries.get(uuid);
    if (!entry) return Promise.resolve(null);
    if (entry.facts !== undefined) return Promise.resolve(entry.facts);
    if (this.failure) return Promise.reject(this.failure.error);
    let waiter = this.waiting.get(uuid);
    if (!waiter) {
      waiter = settleable<ListedFact>();
      this.waiting.set(uuid, waiter);
    }
    return waiter.promise;
  }

  /** Every listed domain still there, once reading has ended. */
  async all(): Promise<ObservedDomainFacts[]> {
    const found: ObservedDomainFacts[] = [];
    for (const entry of this.entries.values()) {
      const facts = entry.facts instanceof Promise ? await entry.facts : entry.facts;
      if (facts !== null && facts !== 'unread' && facts !== undefined) found.push(facts);
    }
    return found;
  }

  private answer(uuid: string, facts: ListedFact | Promise<ObservedDomainFacts>): void {
    const waiter = this.waiting.get(uuid);
    if (!waiter) return;
    this.waiting.delete(uuid);
    waiter.resolve(facts);
  }
}

/**
 * Reads what libvirt has: every domain listed in one binding call, then their inactive
 * definitions in batches from the listed handles (no lookups); or one domain by UUID. A failed
 * list throws (it is never read as "no domains"); a domain gone between the list and its XML is
 * simply absent; a definition that cannot be parsed is observed as unreadable.
 */
export class DomainObserver {
  /** The last parse of each domain's XML, reused while libvirt returns the same text. */
  private readonly parsed = new ParseCache();

  constructor(
    private readonly libvirt: LibvirtPort,
    /** What every observation saw, for readers that must not call libvirt (GET). */
    readonly view: DomainStatusView = new DomainStatusView(),
  ) {}

  /**
   * Every domain of every libvirt connection that answers (`complete` when all did; a domain
   * missing from an incomplete list may be on the connection that is away), listed at once; each
   * one's facts follow as its inactive definition is read, in batches, so the caller can work on
   * the first domains while libvirt answers for the rest.
   */
  async observeAvailable(): Promise<PassObservation> {
    const mark = this.view.mark();
    const { domains, complete } = await this.libvirt.listAvailableDomains();
    if (complete) {
      this.view.recordAll(domains, mark);
      this.parsed.retain(new Set(domains.map((domain) => domain.uuid)));
    } else {
      for (const domain of domains) this.view.record(domain.uuid, domain, mark);
    }
    const facts = new ListedFacts(domains);
    const reading = this.libvirt
      .readDefinitions([...facts.uuids()], (batch) => {
        for (const { uuid, inactiveXml } of batch) {
          const domain = facts.domainOf(uuid);
          if (domain) facts.arrived(uuid, this.factsOf(domain, inactiveXml));
        }
      })
      .then(
        ({ unread }) => facts.readingEnded(unread),
        (error: unknown) => {
          facts.readingFailed(error);
          throw error;
        },
      );
    reading.catch(() => undefined);
    return {
      domains,
      mark,
      complete,
      factsOf: (uuid) => facts.of(uuid),
      all: async () => {
        await reading;
        return facts.all();
      },
    };
  }

  /**
   * What libvirt has for a VNF: its own domain by UUID, whatever it is called now; failing
   * that, whatever holds its name (another UUID's domain: a conflict). `where`: the VNF's kind,
   * so a connection of the other kind that is away does not keep it from being looked at.
   */
  async observeOne(id: string, name: string, where?: DomainKind): Promise<ObservedDomainFacts | null> {
    const mark = this.view.mark();
    const own = await this.libvirt.lookupDomainByUuid(id, where);
    this.view.record(id, own, mark);
    const domain = own ?? (await this.libvirt.lookupDomain(name, where));
    return domain ? this.withDefinition(domain) : null;
  }

  /**
   * After a domain event: a domain the view knows (its state as the events left it, newer than
   * any read) is not looked up again, only its definition is read afresh; one the view does not
   * know, or gone before its definition was read, is observed as `observeOne` does.
   */
  async observeAfterEvent(id: string, name: string, where?: DomainKind): Promise<ObservedDomainFacts | null> {
    const known = this.view.get(id);
    const facts = known ? await this.withDefinition(known) : null;
    return facts ?? this.observeOne(id, name, where);
  }

  /** A domain vnfm removed: what was kept of it goes (a pass would otherwise drop it only when it next lists). */
  forget(uuid: string): void {
    this.parsed.forget(uuid);
  }

  /** How many domains' parses are kept. */
  get parsedCount(): number {
    return this.parsed.size;
  }

  /** Memory: the kept parse of this domain's definition shares the parts equal to its design (ParseCache.shareWith). */
  shareDefinition(uuid: string, parsed: ParsedDomain, design: ParsedDomain): void {
    this.parsed.shareWith(uuid, parsed, design);
  }

  /** The VNF's own domain as last known, or read now when it is not known (GET's answer). */
  async domainOf(id: string, where?: DomainKind): Promise<ObservedDomain | null> {
    const known = this.view.get(id);
    if (known !== undefined) return known;
    const mark = this.view.mark();
    const domain = await this.libvirt.lookupDomainByUuid(id, where);
    this.view.record(id, domain, mark);
    return domain;
  }

  private async withDefinition(domain: ObservedDomain): Promise<ObservedDomainFacts | null> {
    let xml: string;
    try {
      xml = await this.libvirt.getDomainXml(domain.uuid, { inactive: true });
    } catch (error) {
      if (error instanceof DomainNotFoundError) return null;
      throw error;
    }
    return this.factsOf(domain, xml);
  }

  private async factsOf(domain: ObservedDomain, xml: string): Promise<ObservedDomainFacts> {
    const { uuid, name, state, persistent } = domain;
    try {
      return { uuid, name, state, persistent, definition: await this.parsed.parse(uuid, xml) };
    } catch (error) {
      return { uuid, name, state, persistent, definition: null, definitionProblem: messageOf(error).slice(0, 200) };
    }
  }
}
