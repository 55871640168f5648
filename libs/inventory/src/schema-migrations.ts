import { createRequire } from 'node:module';
import { existsSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrations } from '../../../migrations/index.js';

/** One statement a migration's `up()` issues, as it issued it. */
export interface MigrationStatement {
  sql: string;
  parameters?: unknown[];
}

/**
 * A migration as the worker replays it: its name (TypeORM's timestamp is its last 13 digits), its
 * statements, and `transaction: false` when it must run outside a transaction (a table rebuild
 * that turns foreign keys off, which SQLite ignores inside one).
 */
export interface RecordedMigration {
  name: string;
  statements: MigrationStatement[];
  transaction?: false;
}

/** How long the migration may take before start-up gives up on it (a hung file system). */
const MIGRATION_DEADLINE_MS = 300_000;

/**
 * What the recording runner's `query` answers: nothing may be read from it. A migration that
 * looks at a query's result (rows to rewrite, a column list to test) cannot be replayed from
 * statements, so it fails here, at start-up, instead of being recorded without its effect.
 */
function unusableResult(name: string, sql: string): object {
  const refuse = (): never => {
    throw new Error(`migration ${name} reads the result of ${JSON.stringify(sql.trim().slice(0, 60))}: migrations here may only issue statements`);
  };
  return new Proxy(
    {},
    {
      get: (_target, property) => (property === 'then' ? undefined : refuse()),
      has: refuse,
      ownKeys: refuse,
      getOwnPropertyDescriptor: refuse,
      getPrototypeOf: refuse,
    },
  );
}

/** SchemaMigrationError's code when the file records migrations this vnfm does not have. */
export const NEWER_SCHEMA = 'VNFM_NEWER_SCHEMA';
/** SchemaMigrationError's code when the file has tables but no record of the migrations that made them. */
export const UNRECORDED_SCHEMA = 'VNFM_UNRECORDED_SCHEMA';

/** Why the schema could not be brought up to date; `code` is SQLite's when SQLite refused, NEWER_SCHEMA when a newer vnfm migrated the file. */
export class SchemaMigrationError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * What each migration's `up()` asks of its runner, without a database. Migrations here are
 * schema statements only (`runner.query(sql)`, nothing read back): that is what lets them be
 * replayed in the worker. A migration that touches anything else of the runner is refused here,
 * at start-up, before any statement runs.
 */
export function recordMigrations(classes: ReadonlyArray<new () => MigrationInterface> = migrations): Promise<RecordedMigration[]> {
  return Promise.all(
    classes.map(async (Migration) => {
      const migration = new Migration();
      const name = migration.name ?? Migration.name;
      const statements: MigrationStatement[] = [];
      const runner = new Proxy({} as QueryRunner, {
        get(_target, property) {
          if (property === 'query') {
            return async (sql: string, parameters?: unknown[]) => {
              statements.push(parameters === undefined ? { sql } : { sql, parameters });
              return unusableResult(name, sql);
            };
          }
          if (property === 'then') return undefined;
          throw new Error(`migration ${name} uses runner.${String(property)}: migrations here may only issue statements (runner.query)`);
        },
      });
      await migration.up(runner);
      return migration.transaction === false ? { name, statements, transaction: false } : { name, statements };
    }),
  );
}

/**
 * The worker's code (plain JavaScript: it runs outside the build). It loads TypeORM, opens the
 * file with the same pragmas as vnfm's connection, runs the pending migrations (each in its own
 * transaction) and exits. TypeORM thus never loads into vnfm's own heap: loaded there it kept
 * about 28 MiB resident for the life of the process, to run migrations once.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DataSource } = require(workerData.typeormPath);
const migrations = workerData.migrations.map((recorded) => {
  const Migration = class {
    constructor() { this.name = recorded.name; if (recorded.transaction === false) this.transaction = false; }
    async up(runner) { for (const statement of recorded.statements) await runner.query(statement.sql, statement.parameters); }
    async down() { throw new Error('vnfm never migrates down'); }
  };
  Object.defineProperty(Migration, 'name', { value: recorded.name });
  return Migration;
});
const dataSource = new DataSource({
  type: 'better-sqlite3',
  database: workerData.databasePath,
  entities: [],
  migrations,
  migrationsRun: true,
  migrationsTransactionMode: 'each',
  synchronize: false,
  timeout: workerData.busyTimeoutMs,
  prepareDatabase: (db) => { for (const pragma of workerData.pragmas) db.pragma(pragma); },
});
dataSource.initialize().then(
  () => dataSource.destroy().then(() => parentPort.postMessage({ ok: true })),
  (error) => {
    const answer = () => parentPort.postMessage({ ok: false, message: String(error && error.message || error), code: error && typeof error.code === 'string' ? error.code : undefined });
    (dataSource.isInitialized ? dataSource.destroy() : Promise.resolve()).then(answer, answer);
  },
);
`;

/**
 * Before anything is written to an existing file, on a read-only connection with no pragmas (so
 * neither its journal mode nor a log another vnfm left is touched): refuses a file that records
 * migrations this vnfm does not have (NEWER_SCHEMA: a newer vnfm migrated it), and one with
 * tables but no record of migrations (UNRECORDED_SCHEMA). SQLite's refusals keep their code.
 */
function refuseForeignSchema(databasePath: string, known: ReadonlySet<string>, busyTimeoutMs: number): void {
  if (!existsSync(databasePath) || statSync(databasePath).size === 0) return;
  let sql: BetterSqlite3.Database | undefined;
  try {
    sql = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    const tables = sql.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
    if (tables.length === 0) return;
    if (!tables.includes('migrations')) {
      throw new SchemaMigrationError(`it has tables (${tables.slice(0, 5).join(', ')}) but no record of the migrations that made them`, UNRECORDED_SCHEMA);
    }
    const unknown = (sql.prepare('SELECT name FROM migrations ORDER BY id').pluck().all() as string[]).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new SchemaMigrationError(`it was migrated by a newer vnfm (migrations ${unknown.slice(0, 5).map((name) => JSON.stringify(name)).join(', ')} are unknown to this one)`, NEWER_SCHEMA);
    }
  } catch (error) {
    if (error instanceof SchemaMigrationError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new SchemaMigrationError(`the schema cannot be read: ${error instanceof Error ? error.message : String(error)}`, typeof code === 'string' ? code : undefined);
  } finally {
    sql?.close();
  }
}

/**
 * Brings the file's schema up to date (TypeORM's `migrations` table records what ran), in a
 * worker thread that ends when it is done. Rejects with SchemaMigrationError, SQLite's code kept;
 * also when the worker has not answered within `deadlineMs` (it is terminated).
 */
export async function migrateSchema(databasePath: string, connection: { busyTimeoutMs: number; pragmas: readonly string[] }, deadlineMs = MIGRATION_DEADLINE_MS): Promise<void> {
  const recorded = await recordMigrations();
  refuseForeignSchema(databasePath, new Set(recorded.map((migration) => migration.name)), connection.busyTimeoutMs);
  const typeormPath = createRequire(import.meta.url).resolve('typeorm');
  await new Promise<void>((resolve, reject) => {
    let answer: { ok: boolean; message?: string; code?: string } | undefined;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { typeormPath, databasePath, migrations: recorded, busyTimeoutMs: connection.busyTimeoutMs, pragmas: connection.pragmas },
      stdout: false,
      stderr: false,
    });
    const deadline = setTimeout(() => {
      answer ??= { ok: false, message: `the schema migration did not finish within ${deadlineMs / 1000} s (is the database's file system answering?)` };
      void worker.terminate();
    }, deadlineMs);
    // Its answer settles it (TypeORM has closed its connection by then); its end only if it never answered.
    worker.on('message', (message: NonNullable<typeof answer>) => {
      answer ??= message;
      clearTimeout(deadline);
      if (message.ok) resolve();
      else reject(new SchemaMigrationError(message.message ?? 'the schema migration failed', message.code));
    });
    worker.on('error', (error) => {
      answer ??= { ok: false, message: `the schema migration failed: ${error.message}` };
    });
    worker.on('exit', (exitCode) => {
      clearTimeout(deadline);
      if (answer?.ok) resolve();
      else reject(new SchemaMigrationError(answer?.message ?? `the schema migration ended (exit code ${exitCode}) before it answered`, answer?.code));
    });
  });
}
