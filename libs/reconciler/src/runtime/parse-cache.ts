import { parseDomainXml, type ParsedDomain } from '../../../domain-xml/src/index.js';

/**
 * Parsed domain XML by key, reused while the text is the same: an in-sync pass reads the same
 * XML as the last one, and parsing it again is most of a pass's cost. Parsed models are shared,
 * so nobody may change one. Keys not seen for `maxIdlePasses` sweeps are dropped.
 */
export class ParseCache {
  private readonly entries = new Map<string, { xml: string; parsed: ParsedDomain }>();

  async parse(key: string, xml: string): Promise<ParsedDomain> {
    const hit = this.entries.get(key);
    if (hit && hit.xml === xml) return hit.parsed;
    const parsed = await parseDomainXml(xml);
    this.entries.set(key, { xml, parsed });
    return parsed;
  }

  /** Keeps only these keys (the domains or VNFs that still exist). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!keys.has(key)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
