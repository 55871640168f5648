import { messageOf } from '../../../core/src/index.js';
import { DomainStatusView } from './domain-status-view.js';
import { ParseCache } from './parse-cache.js';
import { DomainNotFoundError, type DomainKind, type LibvirtPort, type ObservedDomain } from '../../../libvirt/src/index.js';
import type { ObservedDomainFacts } from '../plan.js';

/**
 * Reads what libvirt has: every domain with its inactive definition in one binding call (from
 * the listed handles, no lookups), or one domain by UUID. A failed list throws (it is never read as "no domains"); a domain gone between the list
 * and its XML is simply absent; a definition that cannot be parsed is observed as unreadable.
 */
export class DomainObserver {
  /** The last parse of each domain's XML, reused while libvirt returns the same text. */
  private readonly parsed = new ParseCache();

  constructor(
    private readonly libvirt: LibvirtPort,
    /** What every observation saw, for readers that must not call libvirt (GET). */
    readonly view: DomainStatusView = new DomainStatusView(),
  ) {}

  async observeAll(): Promise<ObservedDomainFacts[]> {
    const { facts, complete } = await this.observeAvailable();
    if (!complete) await this.libvirt.listDomains(); // throws: some connection did not answer
    return facts;
  }

  /**
   * Every domain of every libvirt connection that answers, with its inactive definition from the
   * listed handles; `complete` when all did. A domain missing from an incomplete list may be on
   * the connection that is away.
   */
  async observeAvailable(): Promise<{ facts: ObservedDomainFacts[]; complete: boolean }> {
    const mark = this.view.mark();
    const { domains, complete } = await this.libvirt.listAvailableDomains();
    if (complete) {
      this.view.recordAll(domains, mark);
      this.parsed.retain(new Set(domains.map((domain) => domain.uuid)));
    } else {
      for (const domain of domains) this.view.record(domain.uuid, domain, mark);
    }
    const facts = await Promise.all(domains.map((domain) => this.factsOf(domain, domain.inactiveXml)));
    return { facts, complete };
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
    const base = { uuid: domain.uuid, name: domain.name, state: domain.state, persistent: domain.persistent };
    try {
      return { ...base, definition: await this.parsed.parse(domain.uuid, xml) };
    } catch (error) {
      return { ...base, definition: null, definitionProblem: messageOf(error).slice(0, 200) };
    }
  }
}
