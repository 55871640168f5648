import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * This instance's id, made with the schema: from here on every database has one, so an id that
 * is missing later was lost (a damaged or edited file), and vnfm refuses to start rather than make
 * a new one that would disown every domain it owns. A database that already has its id keeps it.
 * The id is a random version 4 UUID in lower case, made by SQLite (a migration only issues
 * statements).
 */
export class InstanceId1764440000000 implements MigrationInterface {
  name = 'InstanceId1764440000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      INSERT OR IGNORE INTO "vnfm_meta" ("key", "value")
      SELECT 'instance-id', lower(
        hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`);
  }

  async down(): Promise<void> {
    // The id stays: the vnfm before this migration reads the same row, and a new id would disown its domains.
  }
}
