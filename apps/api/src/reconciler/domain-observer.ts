import { Inject, Injectable } from '@nestjs/common';
import { parseDomainXml } from '../../../../libs/domain-xml/src/index.js';
import { DomainNotFoundError, LIBVIRT_PORT, type LibvirtPort, type ObservedDomain } from '../../../../libs/libvirt/src/index.js';
import type { ObservedDomainFacts } from '../../../../libs/reconciler/src/index.js';

/**
 * Reads what libvirt has: every domain in one list call, then each one's inactive definition.
 * A failed list throws (it is never read as "no domains"); a domain gone between the list and
 * its XML is simply absent.
 */
@Injectable()
export class DomainObserver {
  constructor(@Inject(LIBVIRT_PORT) private readonly libvirt: LibvirtPort) {}

  async observeAll(): Promise<ObservedDomainFacts[]> {
    const domains = await this.libvirt.listDomains();
    const facts = await Promise.all(domains.map((domain) => this.withDefinition(domain)));
    return facts.filter((fact): fact is ObservedDomainFacts => fact !== null);
  }

  async observeOne(name: string): Promise<ObservedDomainFacts | null> {
    const domain = await this.libvirt.lookupDomain(name);
    return domain ? this.withDefinition(domain) : null;
  }

  private async withDefinition(domain: ObservedDomain): Promise<ObservedDomainFacts | null> {
    let xml: string;
    try {
      xml = await this.libvirt.getDomainXmlByUuid(domain.uuid, { inactive: true });
    } catch (error) {
      if (error instanceof DomainNotFoundError) return null;
      throw error;
    }
    const definition = await parseDomainXml(xml).catch(() => null);
    return { uuid: domain.uuid, name: domain.name, state: domain.state, persistent: domain.persistent, definition };
  }
}
