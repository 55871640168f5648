import type { VnfEntity, VnfLastError } from '../../../../libs/inventory/src/index.js';
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
