import type { AllocatedDevice } from '../../../../libs/designer/src/index.js';
import type { DeviceClaimEntity, VnfEntity, VnfLastError } from '../../../../libs/inventory/src/index.js';
import type { VnfSpec } from '../../../../libs/vnf/src/index.js';

/** Typed reads of the JSON columns of a VNF row. */
export function specOf(vnf: VnfEntity): VnfSpec {
  return JSON.parse(vnf.spec) as VnfSpec;
}

export function lastErrorOf(vnf: VnfEntity): VnfLastError | null {
  return vnf.lastError ? (JSON.parse(vnf.lastError) as VnfLastError) : null;
}

export function macsOf(vnfs: readonly VnfEntity[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const vnf of vnfs) for (const nic of specOf(vnf).interfaces) owners.set(nic.mac, vnf.name);
  return owners;
}

/** The devices a VNF's current spec uses (claims a replace dropped are still held, but not used). */
export function allocatedDevices(claims: readonly DeviceClaimEntity[]): AllocatedDevice[] {
  return claims.flatMap((claim) => (claim.slot === null ? [] : [{ slot: claim.slot, kind: claim.kind as AllocatedDevice['kind'], name: claim.name }]));
}

/** Devices as the API shows them; `releasing`: dropped by a replace, held until the old domain lets go. */
export function deviceViews(claims: readonly DeviceClaimEntity[]) {
  return claims.map((claim) => ({ slot: claim.slot, kind: claim.kind, name: claim.name, releasing: claim.slot === null }));
}
