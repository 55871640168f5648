import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './data-source.js';

const FIRST = '6f1c2a7e-3b1d-4c55-9a8e-2f7c0d3e4b5a';
const UNREADABLE = '7a2d3b8f-4c2e-4d66-8b9f-3a8d1e4f5c6b';

/** Rows written straight into the file (what damage or a hand edit leaves), with foreign keys off. */
function edit(path: string, statements: (sql: BetterSqlite3.Database) => void): void {
  const sql = new BetterSqlite3(path);
  try {
    sql.pragma('foreign_keys = OFF');
    statements(sql);
  } finally {
    sql.close();
  }
}

function macIndex(path: string): Array<[string, string]> {
  const sql = new BetterSqlite3(path, { readonly: true });
  try {
    return sql.prepare(`SELECT "mac", "vnf_id" FROM "vnf_mac" ORDER BY "mac"`).raw(true).all() as Array<[string, string]>;
  } finally {
    sql.close();
  }
}

describe('the MAC index is made again from the specs at start when it differs (a real SQLite file, the real migrations)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vnfm-macs-'));
    path = join(dir, 'vnfm.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a damaged index row is replaced by the MAC the spec names; a VNF whose spec is not JSON keeps its MACs; a matching index is left alone', async () => {
    await (await openDatabase(path)).close();
    const insert = `INSERT INTO "vnf" ("id", "name", "spec", "spec_hash", "generation", "phase", "created_at", "updated_at") VALUES (?, ?, ?, ?, 1, 'Running', ?, ?)`;
    const at = '2026-12-04T00:00:00.000Z';
    edit(path, (sql) => {
      sql.prepare(insert).run(FIRST, 'fw-1', JSON.stringify({ name: 'fw-1', interfaces: [{ type: 'user', mac: '52:54:00:AA:BB:CC' }] }), 'a'.repeat(64), at, at);
      sql.prepare(insert).run(UNREADABLE, 'fw-2', '{not json', 'b'.repeat(64), at, at);
      sql.prepare(`INSERT INTO "vnf_mac" ("mac", "vnf_id") VALUES ('not-a-mac', ?), ('52:54:00:00:00:01', ?), ('52:54:00:00:00:02', 'no-such-vnf')`).run(FIRST, UNREADABLE);
    });
    const warnings: string[] = [];
    const log = (level: 'warn' | 'log', message: string) => level === 'warn' && warnings.push(message);
    await (await openDatabase(path, { log })).close();
    expect(macIndex(path)).toEqual([
      ['52:54:00:00:00:01', UNREADABLE],
      ['52:54:00:aa:bb:cc', FIRST],
    ]);
    expect(warnings.join('\n')).toContain('did not match the stored specs (3 rows differed)');
    warnings.length = 0;
    await (await openDatabase(path, { log })).close();
    expect(warnings.filter((warning) => warning.includes('vnf_mac'))).toEqual([]);
  });
});
