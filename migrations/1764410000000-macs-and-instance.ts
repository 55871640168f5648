import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RANDOM_UUID_SQL } from './random-uuid.js';

/**
 * `vnf_mac`: every MAC address a VNF's spec uses, primary key the MAC, so SQLite itself refuses
 * a MAC twice, whatever races the application loses. `vnfm_meta`: this instance's id (its
 * ownership mark in every domain) and the storage probe.
 */
export class MacsAndInstance1764410000000 implements MigrationInterface {
  name = 'MacsAndInstance1764410000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "vnf_mac" (
        "mac" text PRIMARY KEY NOT NULL,
        "vnf_id" text NOT NULL REFERENCES "vnf" ("id") ON DELETE CASCADE
      )`);
    await runner.query(`CREATE INDEX "IDX_vnf_mac_vnf" ON "vnf_mac" ("vnf_id")`);
    // Existing rows: their MACs, first owner wins (a duplicate could only come from the old race).
    await runner.query(`
      INSERT OR IGNORE INTO "vnf_mac" ("mac", "vnf_id")
      SELECT lower(json_extract(nic.value, '$.mac')), v."id"
      FROM "vnf" v, json_each(v."spec", '$.interfaces') nic
      WHERE json_valid(v."spec") AND json_extract(nic.value, '$.mac') IS NOT NULL
      ORDER BY v."created_at"`);
    await runner.query(`CREATE TABLE "vnfm_meta" ("key" text PRIMARY KEY NOT NULL, "value" text NOT NULL)`);
    // The instance id, made with its table: no domain can carry one yet, so it is safe whatever
    // the file holds. (Added with InstanceId1764440000000: before, the start made it.)
    await runner.query(`
      INSERT INTO "vnfm_meta" ("key", "value")
      SELECT 'instance-id', ${RANDOM_UUID_SQL}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "vnfm_meta"`);
    await runner.query(`DROP TABLE "vnf_mac"`);
  }
}
