import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseDamagedError, DatabaseNewerError, loadInstanceId, openDatabase } from '../libs/inventory/src/index.js';
import { migrateSchema } from '../libs/inventory/src/schema-migrations.js';
import { migrations } from '../migrations/index.js';

const migrationNames = migrations.map((Migration) => new Migration().name);

/** The database's files (main, -wal; not the lock, nor the -shm index, which any reader rebuilds), by name, as they are now. */
function databaseFiles(path: string): Record<string, string> {
  const dir = dirname(path);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.startsWith('vnfm.db') && !file.endsWith('.lock') && !file.endsWith('-shm'))
      .sort()
      .map((file) => [file, readFileSync(join(dir, file)).toString('base64')]),
  );
}

/** Puts the files back as snapshotted (what a killed process leaves: its log unmerged). */
function restoreFiles(path: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dirname(path), file), Buffer.from(content, 'base64'));
}

describe('the schema migration (TypeORM, in a worker thread)', () => {
  const dirs: string[] = [];
  const freshPath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnfm-migrate-'));
    dirs.push(dir);
    return join(dir, 'vnfm.db');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('migrates a new file once, records it in TypeORM\'s table, and opens it again with nothing to run', async () => {
    const path = freshPath();
    const first = await openDatabase(path);
    first.db.read((sql) => sql.prepare(`INSERT INTO "vnfm_meta" ("key", "value") VALUES ('kept', 'yes')`).run());
    await first.close();
    const second = await openDatabase(path);
    try {
      expect(second.db.read((sql) => (sql.prepare('SELECT name FROM migrations ORDER BY id').all() as Array<{ name: string }>).map((row) => row.name))).toEqual(migrationNames);
      expect(second.db.read((sql) => sql.prepare(`SELECT "value" FROM "vnfm_meta" WHERE "key" = 'kept'`).pluck().get())).toBe('yes');
    } finally {
      await second.close();
    }
  });

  it('runs only the migrations a file lacks (a file the vnfm before the two newest migrations left)', async () => {
    const path = freshPath();
    await (await openDatabase(path)).close();
    const raw = new Database(path);
    // Undo the two newest migrations (vnf_change, the instance id) by hand, and keep a row that must survive.
    raw.exec(`DROP TABLE "vnf_change"`);
    raw.exec(`DELETE FROM "vnfm_meta" WHERE "key" = 'instance-id'`);
    raw.prepare('DELETE FROM migrations WHERE name IN (?, ?)').run('VnfChanges1764430000000', 'InstanceId1764440000000');
    raw.prepare(`INSERT INTO "vnfm_meta" ("key", "value") VALUES ('kept', 'yes')`).run();
    raw.close();
    const reopened = await openDatabase(path);
    try {
      expect(reopened.db.read((sql) => (sql.prepare('SELECT name FROM migrations ORDER BY id').all() as Array<{ name: string }>).map((row) => row.name))).toEqual(migrationNames);
      expect(reopened.db.read((sql) => sql.prepare(`SELECT COUNT(*) FROM "vnf_change"`).pluck().get())).toBe(0);
      expect(reopened.db.read((sql) => sql.prepare(`SELECT "value" FROM "vnfm_meta" WHERE "key" = 'kept'`).pluck().get())).toBe('yes');
      expect(loadInstanceId(reopened.db)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      await reopened.close();
    }
  });

  it('makes no instance id for a file the vnfm before the newest migration left with VNFs but no id (it made its id at its first start): the start refuses it as damaged', async () => {
    const path = freshPath();
    await (await openDatabase(path)).close();
    const raw = new Database(path);
    raw.exec(`DELETE FROM "vnfm_meta" WHERE "key" = 'instance-id'`);
    raw.prepare('DELETE FROM migrations WHERE name = ?').run('InstanceId1764440000000');
    raw
      .prepare(`INSERT INTO "vnf" ("id", "name", "spec", "spec_hash", "generation", "phase", "created_at", "updated_at") VALUES (?, 'fw-1', '{}', ?, 1, 'Running', ?, ?)`)
      .run('6f1c2a7e-3b1d-4c55-9a8e-2f7c0d3e4b5a', 'a'.repeat(64), '2026-12-04T00:00:00.000Z', '2026-12-04T00:00:00.000Z');
    raw.close();
    const reopened = await openDatabase(path);
    try {
      expect(reopened.db.read((sql) => (sql.prepare('SELECT name FROM migrations ORDER BY id').all() as Array<{ name: string }>).map((row) => row.name))).toEqual(migrationNames);
      expect(() => loadInstanceId(reopened.db)).toThrow(DatabaseDamagedError);
      expect(() => loadInstanceId(reopened.db)).toThrow('has no instance-id');
    } finally {
      await reopened.close();
    }
  });

  it('calls a database without vnfm_meta damaged (exit 3), not a failure to start', async () => {
    const path = freshPath();
    await (await openDatabase(path)).close();
    const raw = new Database(path);
    raw.exec(`DROP TABLE "vnfm_meta"`);
    raw.close();
    const error = await openDatabase(path).then(
      async (opened) => {
        try {
          return loadInstanceId(opened.db);
        } catch (caught) {
          return caught;
        } finally {
          await opened.close();
        }
      },
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DatabaseDamagedError);
    expect((error as Error).message).toContain('vnfm_meta');
  });

  it('calls a file that is not a database damaged, and leaves it as it was', async () => {
    const path = freshPath();
    const text = 'this is not an SQLite database, only text long enough to have a header'.repeat(20);
    writeFileSync(path, text);
    const error = await openDatabase(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseDamagedError);
    expect((error as Error).message).toMatch(/cannot be opened as a database.*restore it from a backup/);
    // The lock is released: the next attempt gets the same answer, not "in use".
    await expect(openDatabase(path)).rejects.toBeInstanceOf(DatabaseDamagedError);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('refuses a file a newer vnfm migrated (a downgrade), runs nothing on it, and leaves it as it was', async () => {
    const path = freshPath();
    await (await openDatabase(path)).close();
    const raw = new Database(path);
    // What a newer vnfm leaves: one migration more in TypeORM's table, and its table.
    raw.prepare('INSERT INTO migrations ("timestamp", "name") VALUES (?, ?)').run(1799999999999, 'FutureColumns1799999999999');
    raw.exec('CREATE TABLE "future" ("id" integer PRIMARY KEY)');
    // A migration of this vnfm that the file lacks: it must not run either.
    raw.exec(`DROP TABLE "vnf_change"`);
    raw.prepare('DELETE FROM migrations WHERE name = ?').run('VnfChanges1764430000000');
    raw.close();
    const before = readFileSync(path);
    const error = await openDatabase(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseNewerError);
    expect((error as Error).message).toMatch(/migrated by a newer vnfm \(migrations "FutureColumns1799999999999" are unknown to this one\)/);
    expect(readFileSync(path).equals(before)).toBe(true);
    const check = new Database(path, { readonly: true });
    try {
      expect(check.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'vnf_change'`).pluck().get()).toBe(0);
    } finally {
      check.close();
    }
    // The lock is released: the next attempt gets the same answer, not "in use".
    await expect(openDatabase(path)).rejects.toBeInstanceOf(DatabaseNewerError);
  });

  it('refuses a newer file without touching it: not in WAL mode, or with a log the newer vnfm left unmerged', async () => {
    for (const leave of ['rollback journal', 'unmerged log'] as const) {
      const path = freshPath();
      await (await openDatabase(path)).close();
      const raw = new Database(path);
      if (leave === 'rollback journal') raw.pragma('journal_mode = DELETE');
      else raw.pragma('wal_autocheckpoint = 0');
      raw.prepare('INSERT INTO migrations ("timestamp", "name") VALUES (?, ?)').run(1799999999999, 'FutureColumns1799999999999');
      const before = databaseFiles(path);
      const shm = `${path}-shm`;
      const index = leave === 'unmerged log' ? readFileSync(shm) : undefined;
      raw.close();
      // The newer vnfm was killed: its log is still there (closing merged it into the file).
      restoreFiles(path, before);
      if (index) writeFileSync(shm, index);
      if (leave === 'unmerged log') expect(Object.keys(before)).toContain('vnfm.db-wal');
      await expect(openDatabase(path)).rejects.toBeInstanceOf(DatabaseNewerError);
      expect(databaseFiles(path), leave).toEqual(before);
    }
  });

  it('calls a file with vnfm\'s tables but no record of its migrations damaged, and leaves it as it was', async () => {
    const path = freshPath();
    await (await openDatabase(path)).close();
    const raw = new Database(path);
    raw.exec('DROP TABLE migrations');
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const before = readFileSync(path);
    const error = await openDatabase(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseDamagedError);
    expect((error as Error).message).toMatch(/has tables \(.*vnf.*\) but no record of the migrations that made them/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('gives up on a migration that does not finish in time (the worker is ended; the next start migrates the file whole)', async () => {
    const path = freshPath();
    await expect(migrateSchema(path, { busyTimeoutMs: 5_000, pragmas: ['journal_mode = WAL'] }, 1)).rejects.toThrow(/did not finish within 0.001 s/);
    const opened = await openDatabase(path);
    try {
      expect(opened.db.read((sql) => (sql.prepare('SELECT name FROM migrations ORDER BY id').all() as Array<{ name: string }>).map((row) => row.name))).toEqual(migrationNames);
    } finally {
      await opened.close();
    }
  });

  it('keeps TypeORM out of the service\'s own module cache (it loads only in the worker)', async () => {
    const opened = await openDatabase(freshPath());
    try {
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/typeorm/'));
      expect(loaded).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
