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
    const listed = new Map(domains.map((domain) => [domain.uuid, { domain, facts: settleable<ObservedDomainFacts | null | 'unread'>() }]));
    const reading = this.libvirt
      .readDefinitions([...listed.keys()], (batch) => {
        for (const { uuid, inactiveXml } of batch) {
          const entry = listed.get(uuid);
          entry?.facts.resolve(this.factsOf(entry.domain, inactiveXml));
        }
      })
      .then(
        ({ unread }) => {
          for (const uuid of unread) listed.get(uuid)?.facts.resolve('unread');
          // Listed but not read otherwise: gone since the list.
          listed.forEach((entry) => entry.facts.resolve(null));
        },
        (error: unknown) => {
          listed.forEach((entry) => entry.facts.reject(error));
          throw error;
        },
      );
    reading.catch(() => undefined);
    return {
      domains,
      mark,
      complete,
      factsOf: (uuid) => listed.get(uuid)?.facts.promise ?? Promise.resolve(null),
      all: async () => {
        await reading;
        const facts = await Promise.all([...listed.values()].map((entry) => entry.facts.promise));
        return facts.filter((found): found is ObservedDomainFacts => found !== null && found !== 'unread');
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
