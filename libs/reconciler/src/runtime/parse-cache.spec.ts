import { describe, expect, it } from 'vitest';
import { designDomain, type HostFacts } from '../../../designer/src/index.js';
import { buildDomainXml, parseDomainXml } from '../../../domain-xml/src/index.js';
import { makeVnfSpecSchema, normalizeSpec } from '../../../vnf/src/index.js';
import { ParseCache } from './parse-cache.js';

const ID = '0b7e1c2a-5a8e-4b11-9d9e-3f3a4b5c6d7e';
const HOST: HostFacts = { arch: 'x86_64', kvmArches: new Set() };

function xmlFor(memoryMiB: number): string {
  const spec = normalizeSpec(makeVnfSpecSchema({ defaultArch: 'x86_64' }).parse({ name: 'fw-1', vcpus: 1, memoryMiB, interfaces: [{ type: 'user', mac: '52:54:00:00:00:01' }] }), new Set());
  return buildDomainXml(designDomain({ id: ID, instanceId: 'i-1', specHash: 'a'.repeat(64), generation: 1 }, spec, HOST, []));
}

describe('ParseCache', () => {
  it('reuses the parse while the text is the same, and parses again when it changes', async () => {
    const cache = new ParseCache();
    const first = await cache.parse(ID, xmlFor(256));
    expect(await cache.parse(ID, xmlFor(256))).toBe(first);
    const changed = await cache.parse(ID, xmlFor(512));
    expect(changed).not.toBe(first);
    expect(changed.memoryKiB).toBe(512 * 1024);
  });

  it('shareWith: the kept parse takes the fields equal to the reference from it, stays value-equal, and a new text ends the sharing', async () => {
    const cache = new ParseCache();
    const parsed = await cache.parse(ID, xmlFor(256));
    // The reference differs in one field (as libvirt's stored machine type differs on QEMU).
    const reference = { ...(await parseDomainXml(xmlFor(256))), memoryKiB: 1 };
    cache.shareWith(ID, parsed, reference);
    const kept = await cache.parse(ID, xmlFor(256));
    expect(kept).not.toBe(parsed);
    expect(kept).toEqual(parsed);
    expect(kept.os).toBe(reference.os);
    expect(kept.interfaces).toBe(reference.interfaces);
    expect(kept.memoryKiB).toBe(256 * 1024);
    // Sharing an outdated parse does nothing; a new text is parsed afresh.
    cache.shareWith(ID, parsed, { ...reference, memoryKiB: 256 * 1024 });
    expect(await cache.parse(ID, xmlFor(256))).toBe(kept);
    const fresh = await cache.parse(ID, xmlFor(512));
    expect(fresh.os).not.toBe(reference.os);
  });
});
