import { designDomain, type AllocatedDevice, type HostFacts } from '../../../designer/src/index.js';
import { buildDomainXml } from '../../../domain-xml/src/index.js';
import type { DeviceClaim, VnfRecord } from '../../../inventory/src/index.js';
import type { VnfSpec } from '../../../vnf/src/index.js';
import type { DesiredVnf } from '../plan.js';
import { ParseCache } from './parse-cache.js';

/** The devices a VNF's current spec uses (claims a replace dropped are still held, but not used). */
export function allocatedDevices(claims: readonly DeviceClaim[]): AllocatedDevice[] {
  return claims.flatMap((claim) => (claim.slot === null ? [] : [{ slot: claim.slot, kind: claim.kind as AllocatedDevice['kind'], name: claim.name }]));
}

/** The XML vnfm would define for a VNF now, from its spec and the devices it holds. Throws when the designer or the XML builder refuses. */
export function desiredXml(vnf: Pick<VnfRecord, 'id' | 'specHash' | 'generation'>, spec: VnfSpec, devices: readonly AllocatedDevice[], host: HostFacts, instanceId: string): string {
  return buildDomainXml(designDomain({ id: vnf.id, instanceId, specHash: vnf.specHash, generation: vnf.generation }, spec, host, devices));
}

/** What the planner needs to know of a stored VNF, with the XML to define. */
export async function desiredVnf(
  vnf: VnfRecord,
  spec: VnfSpec,
  claims: readonly DeviceClaim[],
  host: HostFacts,
  instanceId: string,
  parses: ParseCache = new ParseCache(),
): Promise<{ desired: DesiredVnf; xml: string }> {
  const xml = desiredXml(vnf, spec, allocatedDevices(claims), host, instanceId);
  return {
    xml,
    desired: {
      id: vnf.id,
      name: vnf.name,
      instanceId,
      powerState: spec.powerState,
      updateStrategy: spec.updateStrategy ?? 'Restart',
      // Parsed back as libvirt's XML is, so both sides are normalised alike.
      definition: await parses.parse(vnf.id, xml),
      rebootRequested: vnf.rebootRequested,
      restartRequired: vnf.restartRequired,
      shutdownRequestedAt: vnf.shutdownRequestedAt,
      nextAttemptAt: vnf.nextAttemptAt,
      hasDroppedDevices: claims.some((claim) => claim.slot === null),
    },
  };
}
