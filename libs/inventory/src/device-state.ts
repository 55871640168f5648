import type { DeviceHolder, HostDeviceFacts, InventoryDevice } from '../../host-devices/src/index.js';
import type { Sql } from './database.js';

/** One row of `device_claim`: the device is held by that VNF for that slot (null: dropped by a replace, releasing). */
export interface DeviceClaim {
  deviceKey: string;
  vnfId: string;
  slot: string | null;
  kind: string;
  name: string;
  claimedAt: string;
}

/** The columns of `device_claim` under DeviceClaim's names. */
export const CLAIM_COLUMNS = `"device_key" AS "deviceKey", "vnf_id" AS "vnfId", "slot", "kind", "name", "claimed_at" AS "claimedAt"`;

/** The inventory and who holds what, read in one go (inside the caller's unit of work). */
export interface DeviceState {
  devices: Array<InventoryDevice & { firstSeenAt: string; lastSeenAt: string }>;
  /** Device key -> the VNF holding it. */
  holders: Map<string, DeviceHolder>;
}

interface HostDeviceRow {
  key: string;
  facts: string;
  present: number;
  first_seen_at: string;
  last_seen_at: string;
}

/**
 * Decoded device facts by device key, reused while the stored text is the same: every write and
 * dry run reads the whole inventory, and decoding it again was about 5% of a dry run (profiled).
 * Shared: nobody may change one. Bounded by the inventory (keys no longer stored are dropped).
 */
const decodedFacts = new Map<string, { text: string; facts: HostDeviceFacts | null }>();

function factsOf(row: HostDeviceRow): HostDeviceFacts | null {
  const known = decodedFacts.get(row.key);
  if (known && known.text === row.facts) return known.facts;
  let facts: HostDeviceFacts | null;
  try {
    facts = JSON.parse(row.facts) as HostDeviceFacts;
  } catch {
    facts = null;
  }
  decodedFacts.set(row.key, { text: row.facts, facts });
  return facts;
}

export function loadDeviceState(sql: Sql): DeviceState {
  const rows = sql.prepare(`SELECT "key", "facts", "present", "first_seen_at", "last_seen_at" FROM "host_device" ORDER BY "key"`).all() as HostDeviceRow[];
  const claims = sql
    .prepare(`SELECT c."device_key", c."vnf_id", c."slot", v."name" AS "vnf_name" FROM "device_claim" c JOIN "vnf" v ON v."id" = c."vnf_id"`)
    .all() as Array<{ device_key: string; vnf_id: string; slot: string | null; vnf_name: string }>;
  const devices: DeviceState['devices'] = [];
  for (const row of rows) {
    const facts = factsOf(row);
    if (facts === null) continue; // A damaged inventory row is skipped; the next scan writes it again.
    devices.push({ key: row.key, facts, present: Boolean(row.present), firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at });
  }
  if (decodedFacts.size > rows.length) {
    const stored = new Set(rows.map((row) => row.key));
    for (const key of decodedFacts.keys()) if (!stored.has(key)) decodedFacts.delete(key);
  }
  return { devices, holders: new Map(claims.map((claim) => [claim.device_key, { vnfId: claim.vnf_id, vnfName: claim.vnf_name, slot: claim.slot }])) };
}

export function claimsOfVnf(sql: Sql, vnfId: string): DeviceClaim[] {
  return sql.prepare(`SELECT ${CLAIM_COLUMNS} FROM "device_claim" WHERE "vnf_id" = ? ORDER BY "device_key"`).all(vnfId) as DeviceClaim[];
}
