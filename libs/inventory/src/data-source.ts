import BetterSqlite3 from 'better-sqlite3';
import { Database } from './database.js';
import { repairMacIndex } from './mac-index.js';
import { lockDatabaseFile, makeDatabaseFolder, type DatabaseLock } from './database-lock.js';
import { migrateSchema, NEWER_SCHEMA, SchemaMigrationError, UNRECORDED_SCHEMA } from './schema-migrations.js';

/** SQLite's page cache of the one connection, in KiB. */
export const PAGE_CACHE_KIB = 4096;

/** How long a statement waits for a lock another connection holds (a backup, the migration). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * WAL journal and synchronous=FULL so a commit survives power loss. The migration's connection
 * uses them too.
 */
const DURABLE_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON'];

/** SQLite answers at open that say the file is not a sound database. */
const DAMAGED_FILE = /^SQLITE_(CORRUPT|NOTADB)/;

export class DatabaseDamagedError extends Error {}

/** The tables vnfm's migrations make; each must be there once they are recorded. */
const TABLES = ['device_claim', 'host_device', 'idempotency_key', 'migrations', 'vnf', 'vnf_change', 'vnf_event', 'vnf_mac', 'vnfm_meta'];

function missingTables(sql: BetterSqlite3.Database): string[] {
  const present = new Set(sql.prepare(`SELECT "name" FROM "sqlite_master" WHERE "type" = 'table'`).pluck().all() as string[]);
  return TABLES.filter((name) => !present.has(name));
}

/** The file records migrations this vnfm does not have: a newer vnfm wrote it, and this one could misread it or undo what it relies on. */
export class DatabaseNewerError extends Error {}

/** The opened database, and what must be let go of, in order, when vnfm stops. */
export interface OpenedDatabase {
  db: Database;
  /** Closes the connection, then releases the file to another vnfm. Idempotent. */
  close(): Promise<void>;
}

/**
 * Takes the database file for this process (DatabaseInUseError when another vnfm has it), opens
 * and migrates it, checks its integrity, and hands over the one connection.
 */
export async function openDatabase(databasePath: string, options: { log?: (level: 'warn' | 'log', message: string) => void } = {}): Promise<OpenedDatabase> {
  if (databasePath === ':memory:') throw new Error('an in-memory database loses every acknowledged write when vnfm stops: give a file');
  makeDatabaseFolder(databasePath);
  const lock: DatabaseLock = lockDatabaseFile(databasePath);
  let sql: BetterSqlite3.Database | undefined;
  let db: Database | undefined;
  const close = async () => {
    db?.close();
    if (sql?.open) sql.close();
    lock.release();
  };
  try {
    await migrateSchema(databasePath, { busyTimeoutMs: BUSY_TIMEOUT_MS, pragmas: DURABLE_PRAGMAS }).catch((error: unknown) => {
      if (error instanceof SchemaMigrationError && error.code !== undefined && DAMAGED_FILE.test(error.code)) {
        throw new DatabaseDamagedError(`${databasePath} cannot be opened as a database (${error.message}); restore it from a backup`);
      }
      if (error instanceof SchemaMigrationError && error.code === UNRECORDED_SCHEMA) {
        throw new DatabaseDamagedError(`${databasePath} is damaged: ${error.message}; restore it from a backup`);
      }
      if (error instanceof SchemaMigrationError && error.code === NEWER_SCHEMA) {
        throw new DatabaseNewerError(`${databasePath} is not for this vnfm: ${error.message}; run that vnfm, or restore a backup this version made`);
      }
      throw error;
    });
    sql = new BetterSqlite3(databasePath, { timeout: BUSY_TIMEOUT_MS });
    for (const pragma of DURABLE_PRAGMAS) sql.pragma(pragma);
    // SQLite's page cache is process memory on top of the kernel's cache of the same file:
    // better-sqlite3's default (16 MiB) held the whole database at 10,000 VNFs (13 MB). 4 MiB
    // keeps the indexes and the recent rows; other pages come from the kernel's cache.
    sql.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    db = new Database(sql, options);
    const problems = db.integrityProblems();
    if (problems.length > 0) {
      throw new DatabaseDamagedError(`${databasePath} fails PRAGMA integrity_check: ${problems.slice(0, 5).join('; ')}; restore it from a backup`);
    }
    const missing = db.read((sql) => missingTables(sql));
    if (missing.length > 0) {
      throw new DatabaseDamagedError(`${databasePath} is damaged: its migrations are recorded, but table${missing.length > 1 ? 's' : ''} ${missing.map((name) => `"${name}"`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} gone; restore it from a backup`);
    }
    // A file that opens for writing but cannot take a write now (a full disk) is not ready from the start.
    await db.probe();
    await repairMacIndex(db, options.log);
    return { db, close };
  } catch (error) {
    await close();
    throw error;
  }
}
