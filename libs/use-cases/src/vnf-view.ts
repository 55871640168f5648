import type { DeviceClaim, VnfLastError, VnfRecord } from '../../inventory/src/index.js';
import type { ObservedDomain } from '../../libvirt/src/index.js';

/** The observed libvirt domain; `absent` when libvirt has none of ours, `unknown` when libvirt is unreachable. */
export type DomainView = { uuid: string; id: number | null; state: ObservedDomain['state']; persistent: boolean } | { state: 'absent' } | { state: 'unknown' };

export function domainView(vnf: VnfRecord, observed: ObservedDomain | null | 'unknown'): DomainView {
  if (observed === 'unknown') return { state: 'unknown' };
  if (!observed || observed.uuid !== vnf.id) return { state: 'absent' };
  return { uuid: observed.uuid, id: observed.id, state: observed.state, persistent: observed.persistent };
}

/** Devices as the API shows them; `releasing`: dropped by a replace, held until the old domain lets go. */
export function deviceViews(claims: readonly DeviceClaim[]) {
  return claims.map((claim) => ({ slot: claim.slot, kind: claim.kind, name: claim.name, releasing: claim.slot === null }));
}

/** A damaged row shows as Failed with spec-unreadable even before a reconcile has recorded it. */
function lastErrorOf(vnf: VnfRecord): VnfLastError | null {
  if (vnf.specProblem && vnf.lastError?.code !== 'spec-unreadable') return { code: 'spec-unreadable', message: vnf.specProblem, at: vnf.updatedAt };
  return vnf.lastError;
}

/** What GET returns: the stored spec beside the status vnfm observed. */
export function vnfView(vnf: VnfRecord, observed: ObservedDomain | null | 'unknown', claims: readonly DeviceClaim[]) {
  return {
    id: vnf.id,
    name: vnf.name,
    /** `vm` or `container` (null while the stored spec cannot be read). */
    kind: vnf.spec ? (vnf.spec.kind ?? 'vm') : null,
    spec: vnf.spec,
    status: {
      phase: vnf.specProblem && vnf.pendingOperation !== 'delete' ? 'Failed' : vnf.phase,
      domain: domainView(vnf, observed),
      devices: deviceViews(claims),
      inSync: vnf.inSync && vnf.specProblem === null,
      drift: vnf.drift,
      generation: vnf.generation,
      observedGeneration: vnf.observedGeneration,
      pendingOperation: vnf.pendingOperation,
      restartRequired: vnf.restartRequired,
      lastError: lastErrorOf(vnf),
      backoff: vnf.failureCount > 0 ? { failures: vnf.failureCount, nextAttemptAt: vnf.nextAttemptAt === null ? null : new Date(vnf.nextAttemptAt).toISOString() } : null,
      rebootRequested: vnf.rebootRequested,
      lastReconciledAt: vnf.lastReconciledAt,
    },
    createdAt: vnf.createdAt,
    updatedAt: vnf.updatedAt,
  };
}

export type VnfView = ReturnType<typeof vnfView>;
