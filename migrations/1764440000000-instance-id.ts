import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RANDOM_UUID_SQL } from './random-uuid.js';

/**
 * This instance's id, made with the schema: from here on every database has one, so an id that
 * is missing later was lost (a damaged or edited file), and vnfm refuses to start rather than make
 * a new one that would disown every domain it owns. A database that has its id keeps it. One with
 * VNFs but no id gets none: the vnfm before this migration made its id at its first start, so its
 * domains carry an id this one cannot know (the start then stops, exit 3). The id is a random
 * version 4 UUID in lower case, made by SQLite (a migration only issues statements).
 */
export class InstanceId1764440000000 implements MigrationInterface {
  name = 'InstanceId1764440000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      INSERT OR IGNORE INTO "vnfm_meta" ("key", "value")
      SELECT 'instance-id', ${RANDOM_UUID_SQL}
      WHERE NOT EXISTS (SELECT 1 FROM "vnf")`);
  }

  async down(): Promise<void> {
    // The id stays: the vnfm before this migration reads the same row, and a new id would disown its domains.
  }
}
