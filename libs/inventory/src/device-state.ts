import type { EntityManager } from 'typeorm';
import type { DeviceHolder, HostDeviceFacts, InventoryDevice } from '../../host-devices/src/index.js';
import { DeviceClaimEntity, HostDeviceEntity } from './host-device.entity.js';

/** The inventory and who holds what, read in one go (inside the caller's unit of work). */
export interface DeviceState {
  devices: Array<InventoryDevice & { firstSeenAt: string; lastSeenAt: string }>;
  /** Device key -> the VNF holding it. */
  holders: Map<string, DeviceHolder>;
}

export async function loadDeviceState(manager: EntityManager): Promise<DeviceState> {
  const rows = await manager.find(HostDeviceEntity, { order: { key: 'ASC' } });
  const claims: Array<{ device_key: string; vnf_id: string; slot: string | null; vnf_name: string }> = await manager.query(
    `SELECT c."device_key", c."vnf_id", c."slot", v."name" AS "vnf_name" FROM "device_claim" c JOIN "vnf" v ON v."id" = c."vnf_id"`,
  );
  return {
    devices: rows.map((row) => ({
      key: row.key,
      facts: JSON.parse(row.facts) as HostDeviceFacts,
      present: Boolean(row.present),
      firstSeenAt: row.firstSeenAt,
      lastSeenAt: row.lastSeenAt,
    })),
    holders: new Map(claims.map((claim) => [claim.device_key, { vnfId: claim.vnf_id, vnfName: claim.vnf_name, slot: claim.slot }])),
  };
}

export async function claimsOfVnf(manager: EntityManager, vnfId: string): Promise<DeviceClaimEntity[]> {
  return manager.find(DeviceClaimEntity, { where: { vnfId }, order: { deviceKey: 'ASC' } });
}
