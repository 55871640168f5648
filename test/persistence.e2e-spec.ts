import Database from 'better-sqlite3';
import { Database as VnfmDatabase } from '../libs/inventory/src/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TEST_DRIVER_URI, uniqueName } from './support/virsh.js';

describe('SQLite persistence', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(TEST_DRIVER_URI);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('builds the schema from the migrations, with WAL and synchronous=FULL', async () => {
    // The service's own connection: synchronous=FULL (2), foreign keys on, a 4 MiB page cache (not better-sqlite3's 16).
    expect(t.app.get(VnfmDatabase).read((sql) => sql.pragma('synchronous', { simple: true }))).toBe(2);
    expect(t.app.get(VnfmDatabase).read((sql) => sql.pragma('foreign_keys', { simple: true }))).toBe(1);
    expect(t.app.get(VnfmDatabase).read((sql) => sql.pragma('cache_size', { simple: true }))).toBe(-4096);
    const db = new Database(t.dbPath, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const applied = db.prepare('SELECT name FROM migrations ORDER BY id').all() as Array<{ name: string }>;
      expect(applied.map((row) => row.name)).toEqual(migrations.map((migration) => new migration().name));
      expect(applied[0]?.name).toBe('CreateVnf1764370000000');
      const columns = db.prepare(`PRAGMA table_info("vnf")`).all() as Array<{ name: string }>;
      expect(columns.map((column) => column.name)).toEqual(expect.arrayContaining(['id', 'name', 'spec', 'generation', 'observed_generation', 'phase']));
      const claimKey = (db.prepare(`PRAGMA table_info("device_claim")`).all() as Array<{ name: string; pk: number }>).filter((column) => column.pk > 0);
      expect(claimKey.map((column) => column.name)).toEqual(['device_key']);
      const claimFks = db.prepare(`PRAGMA foreign_key_list("device_claim")`).all() as Array<{ table: string; on_delete: string }>;
      expect(claimFks).toEqual([expect.objectContaining({ table: 'vnf', on_delete: 'CASCADE' })]);
    } finally {
      db.close();
    }
  });

  it('serialises concurrent creates: each distinct name gets exactly one row and one domain', async () => {
    const names = Array.from({ length: 12 }, (_, index) => uniqueName(`par${index}`));
    const twice = [...names, ...names];
    const responses = await Promise.all(twice.map((name) => t.http.post('/api/v1/vnfs').send({ name, vcpus: 1, memoryMiB: 64 })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(names.length);
    expect(statuses.filter((status) => status === 409)).toHaveLength(names.length);
    expect(t.countRows('vnf')).toBe(names.length);
    await Promise.all(names.map((name) => t.http.delete(`/api/v1/vnfs/${name}`).expect(202)));
    expect(t.countRows('vnf')).toBe(0);
  });
});
