import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VnfmError } from '../../core/src/index.js';
import { Database } from './database.js';

describe('Database: owned transactions, group commit, loud failures', () => {
  let dir: string;
  let sql: BetterSqlite3.Database;
  let db: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vnfm-db-'));
    sql = new BetterSqlite3(join(dir, 'test.db'));
    sql.pragma('journal_mode = WAL');
    sql.exec(`CREATE TABLE t ("k" text PRIMARY KEY, "v" text NOT NULL); CREATE TABLE "vnfm_meta" ("key" text PRIMARY KEY, "value" text NOT NULL)`);
    db = new Database(sql, { probeIntervalMs: 20 });
  });
  afterEach(() => {
    db.close();
    sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = () => db.read((s) => (s.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);

  it('writes that arrive together commit once; one refused unit rolls back alone', async () => {
    const results = await Promise.allSettled([
      db.write((s) => s.prepare('INSERT INTO t VALUES (?, ?)').run('a', '1')),
      db.write((s) => {
        s.prepare('INSERT INTO t VALUES (?, ?)').run('b', '2');
        s.prepare('INSERT INTO t VALUES (?, ?)').run('a', 'duplicate'); // refused: rolls back b too
      }),
      db.write((s) => s.prepare('INSERT INTO t VALUES (?, ?)').run('c', '3')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.read((s) => s.prepare('SELECT k FROM t ORDER BY k').all())).toEqual([{ k: 'a' }, { k: 'c' }]);
    expect(db.stats.commits).toBe(1);
    expect(sql.inTransaction).toBe(false);
  });

  it('a failed COMMIT fails every unit in it with database-unavailable, leaves no transaction open, and turns health unwritable until a commit succeeds', async () => {
    // A deferred foreign key that is only checked at COMMIT stands in for a storage fault at commit time.
    sql.exec(`PRAGMA foreign_keys = ON; CREATE TABLE child ("p" text REFERENCES t ("k") DEFERRABLE INITIALLY DEFERRED)`);
    const failing = db.write((s) => s.prepare('INSERT INTO child VALUES (?)').run('nobody'));
    const bystander = db.write((s) => s.prepare('INSERT INTO t VALUES (?, ?)').run('x', '1'));
    await expect(failing).rejects.toMatchObject({ code: 'database-unavailable' });
    await expect(bystander).rejects.toBeInstanceOf(VnfmError);
    expect(sql.inTransaction).toBe(false);
    expect(count()).toBe(0);
    expect(db.health.writable).toBe(false);
    expect(db.health.reason).toMatch(/FOREIGN KEY/);
    // The probe commits by itself: health recovers with no client write.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(db.health.writable).toBe(true);
    await db.write((s) => s.prepare('INSERT INTO t VALUES (?, ?)').run('y', '2'));
    expect(count()).toBe(1);
  });

  it('a unit that throws a storage fault fails the whole batch (SQLite may have rolled it back)', async () => {
    const fault = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const first = db.write((s) => s.prepare('INSERT INTO t VALUES (?, ?)').run('a', '1'));
    const second = db.write(() => {
      throw fault;
    });
    await expect(first).rejects.toMatchObject({ code: 'database-unavailable' });
    await expect(second).rejects.toMatchObject({ code: 'database-unavailable' });
    expect(count()).toBe(0);
  });

  it('after close every write is refused loudly', async () => {
    db.close();
    await expect(db.write(() => 1)).rejects.toMatchObject({ code: 'database-unavailable' });
  });
});

describe('Database: a store that cannot take writes from the start', () => {
  it('the probe at open finds out, so readiness is false before any client write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnfm-db-ro-'));
    const file = join(dir, 'ro.db');
    const setup = new BetterSqlite3(file);
    setup.exec(`CREATE TABLE "vnfm_meta" ("key" text PRIMARY KEY, "value" text NOT NULL)`);
    setup.close();
    const sql = new BetterSqlite3(file, { readonly: true });
    const db = new Database(sql, { probeIntervalMs: 20 });
    try {
      await db.probe();
      expect(db.health).toMatchObject({ writable: false, reason: expect.stringMatching(/readonly/i) });
    } finally {
      db.close();
      sql.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
