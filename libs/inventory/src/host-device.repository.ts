import type { DataSource, EntityManager } from 'typeorm';
import { deviceKey, deviceName, type HostDeviceFacts } from '../../host-devices/src/index.js';
import type { DbQueue } from './db-queue.js';
import { loadDeviceState, type DeviceState } from './device-state.js';
import { DeviceClaimEntity, HostDeviceEntity } from './host-device.entity.js';

export interface ScanSummary {
  seen: number;
  added: number;
  /** Claimed devices the scan no longer sees: kept and flagged, never handed out. */
  vanishedClaimed: string[];
  /** Unclaimed devices the scan no longer sees: dropped from the inventory. */
  dropped: number;
}

/** The host-device inventory. Every method is one serialized unit of database work. */
export class HostDeviceRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: DbQueue,
  ) {}

  state(): Promise<DeviceState> {
    return this.queue.run(() => loadDeviceState(this.dataSource.manager));
  }

  claims(): Promise<DeviceClaimEntity[]> {
    return this.queue.run(() => this.dataSource.manager.find(DeviceClaimEntity, { order: { deviceKey: 'ASC' } }));
  }

  /** Records one scan of the host in one transaction. */
  recordScan(devices: readonly HostDeviceFacts[], now = new Date().toISOString()): Promise<ScanSummary> {
    return this.queue.run(() => this.dataSource.transaction((manager) => this.applyScan(manager, devices, now)));
  }

  private async applyScan(manager: EntityManager, devices: readonly HostDeviceFacts[], now: string): Promise<ScanSummary> {
    const existing = new Map((await manager.find(HostDeviceEntity)).map((row) => [row.key, row]));
    const claimed = new Set((await manager.find(DeviceClaimEntity, { select: { deviceKey: true } })).map((claim) => claim.deviceKey));
    const seen = new Set<string>();
    let added = 0;
    for (const facts of devices) {
      const key = deviceKey(facts);
      if (seen.has(key)) continue;
      seen.add(key);
      const previous = existing.get(key);
      if (!previous) added += 1;
      await manager.save(HostDeviceEntity, {
        key,
        kind: facts.kind,
        name: deviceName(facts),
        facts: JSON.stringify(facts),
        present: true,
        firstSeenAt: previous?.firstSeenAt ?? now,
        lastSeenAt: now,
      });
    }
    const vanishedClaimed: string[] = [];
    let dropped = 0;
    for (const key of existing.keys()) {
      if (seen.has(key)) continue;
      if (claimed.has(key)) {
        vanishedClaimed.push(key);
        await manager.update(HostDeviceEntity, { key }, { present: false });
      } else {
        dropped += 1;
        await manager.delete(HostDeviceEntity, { key });
      }
    }
    return { seen: seen.size, added, vanishedClaimed, dropped };
  }
}
