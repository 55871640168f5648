import { deviceKey, deviceName, type HostDeviceFacts } from '../../host-devices/src/index.js';
import type { Database, Sql } from './database.js';
import { CLAIM_COLUMNS, loadDeviceState, type DeviceClaim, type DeviceState } from './device-state.js';

export interface ScanSummary {
  seen: number;
  added: number;
  /** Claimed devices the scan no longer sees: kept and flagged, never handed out. */
  vanishedClaimed: string[];
  /** Unclaimed devices the scan no longer sees: dropped from the inventory. */
  dropped: number;
}

/** The host-device inventory. */
export class HostDeviceRepository {
  constructor(private readonly db: Database) {}

  state(): DeviceState {
    return this.db.read(loadDeviceState);
  }

  claims(): DeviceClaim[] {
    return this.db.read((sql) => sql.prepare(`SELECT ${CLAIM_COLUMNS} FROM "device_claim" ORDER BY "device_key"`).all() as DeviceClaim[]);
  }

  /** Records one scan of the host in one unit. */
  recordScan(devices: readonly HostDeviceFacts[], now = new Date().toISOString()): Promise<ScanSummary> {
    return this.db.write((sql) => applyScan(sql, devices, now));
  }
}

function applyScan(sql: Sql, devices: readonly HostDeviceFacts[], now: string): ScanSummary {
  const existing = new Set((sql.prepare(`SELECT "key" FROM "host_device"`).all() as Array<{ key: string }>).map((row) => row.key));
  const claimed = new Set((sql.prepare(`SELECT "device_key" AS "key" FROM "device_claim"`).all() as Array<{ key: string }>).map((row) => row.key));
  const upsert = sql.prepare(
    `INSERT INTO "host_device" ("key", "kind", "name", "facts", "present", "first_seen_at", "last_seen_at") VALUES (?, ?, ?, ?, 1, ?, ?)
     ON CONFLICT ("key") DO UPDATE SET "kind" = excluded."kind", "name" = excluded."name", "facts" = excluded."facts", "present" = 1, "last_seen_at" = excluded."last_seen_at"`,
  );
  const seen = new Set<string>();
  let added = 0;
  for (const facts of devices) {
    const key = deviceKey(facts);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!existing.has(key)) added += 1;
    upsert.run(key, facts.kind, deviceName(facts), JSON.stringify(facts), now, now);
  }
  const vanishedClaimed: string[] = [];
  let dropped = 0;
  for (const key of existing) {
    if (seen.has(key)) continue;
    if (claimed.has(key)) {
      vanishedClaimed.push(key);
      sql.prepare(`UPDATE "host_device" SET "present" = 0 WHERE "key" = ?`).run(key);
    } else {
      dropped += 1;
      sql.prepare(`DELETE FROM "host_device" WHERE "key" = ?`).run(key);
    }
  }
  return { seen: seen.size, added, vanishedClaimed, dropped };
}
