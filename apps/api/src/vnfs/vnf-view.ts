import type { DeviceClaimEntity, VnfEntity } from '../../../../libs/inventory/src/index.js';
import type { ObservedDomain } from '../../../../libs/libvirt/src/index.js';
import { deviceViews, lastErrorOf, specOf } from './vnf-record.js';

/** The observed libvirt domain; `absent` when libvirt has none of ours, `unknown` when libvirt is unreachable. */
export type DomainView = { uuid: string; id: number | null; state: ObservedDomain['state']; persistent: boolean } | { state: 'absent' } | { state: 'unknown' };

export function domainView(vnf: VnfEntity, observed: ObservedDomain | null | 'unknown'): DomainView {
  if (observed === 'unknown') return { state: 'unknown' };
  if (!observed || observed.uuid !== vnf.id) return { state: 'absent' };
  return { uuid: observed.uuid, id: observed.id, state: observed.state, persistent: observed.persistent };
}

/** What GET returns: the stored spec beside the status vnfm observed. */
export function vnfView(vnf: VnfEntity, observed: ObservedDomain | null | 'unknown', claims: readonly DeviceClaimEntity[]) {
  return {
    id: vnf.id,
    name: vnf.name,
    spec: specOf(vnf),
    status: {
      phase: vnf.phase,
      domain: domainView(vnf, observed),
      devices: deviceViews(claims),
      inSync: Boolean(vnf.inSync),
      drift: JSON.parse(vnf.drift ?? '[]') as string[],
      generation: vnf.generation,
      observedGeneration: vnf.observedGeneration,
      pendingOperation: vnf.pendingOperation,
      restartRequired: Boolean(vnf.restartRequired),
      lastError: lastErrorOf(vnf),
      startBackoff: vnf.failureCount > 0 ? { failures: vnf.failureCount, nextAttemptAt: vnf.nextAttemptAt === null ? null : new Date(vnf.nextAttemptAt).toISOString() } : null,
      rebootRequested: Boolean(vnf.rebootRequested),
      lastReconciledAt: vnf.lastReconciledAt,
    },
    createdAt: vnf.createdAt,
    updatedAt: vnf.updatedAt,
  };
}

export type VnfView = ReturnType<typeof vnfView>;
