import type { MigrationInterface, QueryRunner } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { recordMigrations } from './schema-migrations.js';

describe('recordMigrations', () => {
  it('records every migration of the schema, in order, as the statements its up() issues', async () => {
    const recorded = await recordMigrations();
    expect(recorded.map((migration) => migration.name)).toEqual(migrations.map((Migration) => new Migration().name));
    expect(recorded[0]!.statements[0]!.sql).toMatch(/CREATE TABLE "vnf"/);
    expect(recorded.every((migration) => migration.statements.length > 0)).toBe(true);
  });

  it('keeps parameters, and refuses a migration that uses the runner for anything but statements', async () => {
    class Parameterised implements MigrationInterface {
      name = 'Parameterised1700000000000';
      async up(runner: QueryRunner): Promise<void> {
        await runner.query(`INSERT INTO "t" VALUES (?)`, [1]);
      }
      async down(): Promise<void> {}
    }
    class UsesTheRunner implements MigrationInterface {
      name = 'UsesTheRunner1700000000001';
      async up(runner: QueryRunner): Promise<void> {
        await runner.createTable({} as never);
      }
      async down(): Promise<void> {}
    }
    expect(await recordMigrations([Parameterised])).toEqual([{ name: 'Parameterised1700000000000', statements: [{ sql: `INSERT INTO "t" VALUES (?)`, parameters: [1] }] }]);
    await expect(recordMigrations([UsesTheRunner])).rejects.toThrow(/UsesTheRunner1700000000001 uses runner\.createTable/);
  });

  it('refuses a migration that reads what a statement answered (it could not be replayed from statements)', async () => {
    class RewritesRows implements MigrationInterface {
      name = 'RewritesRows1700000000002';
      async up(runner: QueryRunner): Promise<void> {
        const rows = ((await runner.query(`SELECT "id", "spec" FROM "vnf"`)) as Array<{ id: string }> | undefined) ?? [];
        for (const row of rows) await runner.query(`UPDATE "vnf" SET "spec" = '{}' WHERE "id" = ?`, [row.id]);
      }
      async down(): Promise<void> {}
    }
    class TestsColumns implements MigrationInterface {
      name = 'TestsColumns1700000000003';
      async up(runner: QueryRunner): Promise<void> {
        const columns = (await runner.query(`PRAGMA table_info("vnf")`)) as Array<{ name: string }> | undefined;
        if (!columns?.some((column) => column.name === 'labels')) await runner.query(`ALTER TABLE "vnf" ADD "labels" text`);
      }
      async down(): Promise<void> {}
    }
    await expect(recordMigrations([RewritesRows])).rejects.toThrow(/RewritesRows1700000000002 reads the result of "SELECT/);
    await expect(recordMigrations([TestsColumns])).rejects.toThrow(/TestsColumns1700000000003 reads the result of "PRAGMA table_info/);
  });

  it('keeps a migration\'s transaction = false (a table rebuild with foreign keys off must run outside one)', async () => {
    class Rebuild implements MigrationInterface {
      name = 'Rebuild1700000000004';
      transaction = false as const;
      async up(runner: QueryRunner): Promise<void> {
        await runner.query('PRAGMA foreign_keys = OFF');
      }
      async down(): Promise<void> {}
    }
    expect(await recordMigrations([Rebuild])).toEqual([{ name: 'Rebuild1700000000004', statements: [{ sql: 'PRAGMA foreign_keys = OFF' }], transaction: false }]);
    expect((await recordMigrations()).some((migration) => 'transaction' in migration)).toBe(false);
  });
});
