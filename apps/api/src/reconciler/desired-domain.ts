import { designDomain, type AllocatedDevice, type HostFacts } from '../../../../libs/designer/src/index.js';
import { buildDomainXml, parseDomainXml } from '../../../../libs/domain-xml/src/index.js';
import type { DeviceClaimEntity, VnfEntity } from '../../../../libs/inventory/src/index.js';
import type { DesiredVnf } from '../../../../libs/reconciler/src/index.js';
import { allocatedDevices, specOf } from '../vnfs/vnf-record.js';

/** The XML vnfm would define for a VNF now, from its stored spec and the devices it holds. */
export function desiredXml(vnf: VnfEntity, devices: readonly AllocatedDevice[], host: HostFacts): string {
  const model = designDomain({ id: vnf.id, specHash: vnf.specHash, generation: vnf.generation }, specOf(vnf), host, devices);
  return buildDomainXml(model);
}

export function desiredXmlWithClaims(vnf: VnfEntity, claims: readonly DeviceClaimEntity[], host: HostFacts): string {
  return desiredXml(vnf, allocatedDevices(claims), host);
}

/** What the planner needs to know of a stored VNF. */
export async function desiredVnf(vnf: VnfEntity, claims: readonly DeviceClaimEntity[], xml: string): Promise<DesiredVnf> {
  const spec = specOf(vnf);
  return {
    id: vnf.id,
    name: vnf.name,
    deleting: vnf.pendingOperation === 'delete',
    powerState: spec.powerState,
    updateStrategy: spec.updateStrategy ?? 'Restart',
    definition: await parseDomainXml(xml),
    rebootRequested: Boolean(vnf.rebootRequested),
    restartRequired: Boolean(vnf.restartRequired),
    shutdownRequestedAt: vnf.shutdownRequestedAt,
    nextStartAttemptAt: vnf.nextAttemptAt,
    hasDroppedDevices: claims.some((claim) => claim.slot === null),
  };
}
