import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../../migrations/index.js';
import { DeviceClaimEntity, HostDeviceEntity } from './host-device.entity.js';
import { VnfEventEntity } from './vnf-event.entity.js';
import { VnfEntity } from './vnf.entity.js';

export const entities = [VnfEntity, HostDeviceEntity, DeviceClaimEntity, VnfEventEntity];

/**
 * SQLite through better-sqlite3, schema from migrations only (run at start-up), WAL journal and
 * synchronous=FULL so a commit survives power loss.
 */
export function dataSourceOptions(databasePath: string): DataSourceOptions {
  if (databasePath !== ':memory:') mkdirSync(dirname(databasePath), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: databasePath,
    entities,
    migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    timeout: 5_000,
    prepareDatabase: (db: { pragma(statement: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    },
  };
}
