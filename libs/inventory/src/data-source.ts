import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../../migrations/index.js';
import { Database } from './database.js';
import { lockDatabaseFile, type DatabaseLock } from './database-lock.js';

/** SQLite's page cache of the one connection, in KiB. */
export const PAGE_CACHE_KIB = 4096;

/**
 * SQLite through better-sqlite3, schema from migrations only (run at start-up by TypeORM), WAL
 * journal and synchronous=FULL so a commit survives power loss. TypeORM opens the file and
 * migrates it; every query after that goes through `Database`, which owns the transactions.
 */
function dataSourceOptions(databasePath: string): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: databasePath,
    entities: [],
    migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    timeout: 5_000,
    prepareDatabase: (db: { pragma(statement: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // SQLite's page cache is process memory on top of the kernel's cache of the same file:
      // better-sqlite3's default (16 MiB) held the whole database at 10,000 VNFs (13 MB). 4 MiB
      // keeps the indexes and the recent rows; other pages come from the kernel's cache.
      db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    },
  };
}

export class DatabaseDamagedError extends Error {}

/** The opened database, and what must be let go of, in order, when vnfm stops. */
export interface OpenedDatabase {
  db: Database;
  dataSource: DataSource;
  /** Closes the connection, then releases the file to another vnfm. Idempotent. */
  close(): Promise<void>;
}

/**
 * Takes the database file for this process (DatabaseInUseError when another vnfm has it), opens
 * and migrates it, checks its integrity, and hands over the one connection.
 */
export async function openDatabase(databasePath: string, options: { log?: (level: 'warn' | 'log', message: string) => void } = {}): Promise<OpenedDatabase> {
  if (databasePath !== ':memory:') mkdirSync(dirname(databasePath), { recursive: true });
  const lock: DatabaseLock | undefined = databasePath === ':memory:' ? undefined : lockDatabaseFile(databasePath);
  const dataSource = new DataSource(dataSourceOptions(databasePath));
  let db: Database | undefined;
  const close = async () => {
    db?.close();
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    lock?.release();
  };
  try {
    await dataSource.initialize();
    const sql = (dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
    db = new Database(sql, options);
    const problems = db.integrityProblems();
    if (problems.length > 0) {
      throw new DatabaseDamagedError(`${databasePath} fails PRAGMA integrity_check: ${problems.slice(0, 5).join('; ')}; restore it from a backup`);
    }
    // A file that opens but cannot be written (read-only, immutable, full) is not ready from the start.
    await db.probe();
    return { db, dataSource, close };
  } catch (error) {
    await close();
    throw error;
  }
}
