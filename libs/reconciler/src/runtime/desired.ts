import { designDomain, type AllocatedDevice, type HostFacts } from '../../../designer/src/index.js';
import { buildDomainXml, type ParsedDomain } from '../../../domain-xml/src/index.js';
import type { DeviceClaim, VnfRecord } from '../../../inventory/src/index.js';
import type { VnfSpec } from '../../../vnf/src/index.js';
import type { DesiredVnf } from '../plan.js';

/** The devices a VNF's current spec uses (claims a replace dropped are still held, but not used). */
export function allocatedDevices(claims: readonly DeviceClaim[]): AllocatedDevice[] {
  return claims.flatMap((claim) => (claim.slot === null ? [] : [{ slot: claim.slot, kind: claim.kind as AllocatedDevice['kind'], name: claim.name }]));
}

/** The XML vnfm would define for a VNF now, from its spec and the devices it holds. Throws when the designer or the XML builder refuses. */
export function desiredXml(vnf: Pick<VnfRecord, 'id' | 'specHash' | 'generation'>, spec: VnfSpec, devices: readonly AllocatedDevice[], host: HostFacts, instanceId: string): string {
  return buildDomainXml(designDomain({ id: vnf.id, instanceId, specHash: vnf.specHash, generation: vnf.generation }, spec, host, devices));
}

/**
 * The model the planner compares with libvirt's parse, and the XML vnfm would define (built on
 * demand from the same design). The model is exactly what parsing that XML back gives (strictly
 * equal: checked for random designs in test/properties/domain-xml.property.spec.ts), so it is
 * not parsed back.
 */
export function designed(vnf: Pick<VnfRecord, 'id' | 'specHash' | 'generation'>, spec: VnfSpec, devices: readonly AllocatedDevice[], host: HostFacts, instanceId: string): Design {
  const model = designDomain({ id: vnf.id, instanceId, specHash: vnf.specHash, generation: vnf.generation }, spec, host, devices);
  // A parse always has a <cpu> mode ('' when there is none: containers).
  const cpu = model.cpu;
  const definition = { ...model, cpu: cpu ?? { mode: '' }, otherQemuArgs: [] };
  // Only the definition is kept (not the model beside it): the model's XML is built from it.
  return { xml: () => buildDomainXml({ ...definition, cpu }), definition };
}

/** A VNF's design: the model to compare, and its XML (built when asked: only a define needs it). */
export interface Design {
  xml(): string;
  definition: ParsedDomain;
}

/**
 * The design of each VNF, by VNF id, reused while everything it is made of is the same: the
 * decoded spec (the same object while the stored text is the same), spec hash, generation,
 * devices, host and instance. An in-sync pass then designs nothing. Designs are shared: nobody
 * may change one. Memory: the model only (its XML text, as large again, is built when a define
 * needs it).
 */
export class DesignCache {
  private readonly entries = new Map<string, { spec: VnfSpec; specHash: string; generation: number; devices: string; host: HostFacts; instanceId: string; design: Design }>();

  design(vnf: Pick<VnfRecord, 'id' | 'specHash' | 'generation'>, spec: VnfSpec, devices: readonly AllocatedDevice[], host: HostFacts, instanceId: string): Design {
    const devicesKey = devices.length === 0 ? '' : JSON.stringify(devices);
    const hit = this.entries.get(vnf.id);
    if (hit && hit.spec === spec && hit.specHash === vnf.specHash && hit.generation === vnf.generation && hit.devices === devicesKey && hit.host === host && hit.instanceId === instanceId) {
      return hit.design;
    }
    const design = designed(vnf, spec, devices, host, instanceId);
    this.entries.set(vnf.id, { spec, specHash: vnf.specHash, generation: vnf.generation, devices: devicesKey, host, instanceId, design });
    return design;
  }

  /** Keeps only these VNFs. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
  }

  /** A deleted VNF's design goes with it. */
  forget(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What the planner needs to know of a stored VNF, with the XML to define. */
export async function desiredVnf(
  vnf: VnfRecord,
  spec: VnfSpec,
  claims: readonly DeviceClaim[],
  host: HostFacts,
  instanceId: string,
  designs: DesignCache = new DesignCache(),
): Promise<{ desired: DesiredVnf; xml: () => string }> {
  const { xml, definition } = designs.design(vnf, spec, allocatedDevices(claims), host, instanceId);
  return {
    xml,
    desired: {
      id: vnf.id,
      name: vnf.name,
      instanceId,
      powerState: spec.powerState,
      updateStrategy: spec.updateStrategy ?? 'Restart',
      definition,
      rebootRequested: vnf.rebootRequested,
      restartRequired: vnf.restartRequired,
      shutdownRequestedAt: vnf.shutdownRequestedAt,
      nextAttemptAt: vnf.nextAttemptAt,
      hasDroppedDevices: claims.some((claim) => claim.slot === null),
    },
  };
}
