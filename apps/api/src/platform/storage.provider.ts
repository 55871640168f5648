import { Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { VNFM_CONFIG, type VnfmConfig } from '../../../../libs/config/src/index.js';
import { ChangeLog, Database, HostDeviceRepository, IdempotencyKeys, VnfEventRepository, VnfRepository, loadInstanceId, openDatabase } from '../../../../libs/inventory/src/index.js';

/** This vnfm's instance id (its ownership mark in every domain). */
export const INSTANCE_ID = Symbol('INSTANCE_ID');

/**
 * The database: taken for this process (another vnfm on the file stops the start), opened, migrated
 * and checked (PRAGMA integrity_check) at start-up; a damaged file stops the start.
 */
export const storageProviders: Provider[] = [
  {
    provide: Database,
    inject: [VNFM_CONFIG],
    useFactory: async (config: VnfmConfig) => {
      const logger = new Logger('Database');
      const opened = await openDatabase(config.VNFM_DB_PATH, { log: (level, message) => logger[level](message) });
      return Object.assign(opened.db, {
        onApplicationShutdown: () => opened.close(),
      } satisfies OnApplicationShutdown);
    },
  },
  { provide: INSTANCE_ID, inject: [Database], useFactory: (db: Database) => loadInstanceId(db) },
  { provide: VnfRepository, inject: [Database], useFactory: (db: Database) => new VnfRepository(db) },
  { provide: VnfEventRepository, inject: [Database], useFactory: (db: Database) => new VnfEventRepository(db) },
  { provide: ChangeLog, inject: [Database], useFactory: (db: Database) => new ChangeLog(db) },
  { provide: IdempotencyKeys, inject: [Database], useFactory: (db: Database) => new IdempotencyKeys(db) },
  { provide: HostDeviceRepository, inject: [Database], useFactory: (db: Database) => new HostDeviceRepository(db) },
];
