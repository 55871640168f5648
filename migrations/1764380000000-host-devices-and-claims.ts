import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The host-device inventory and the claims on it. `device_claim.device_key` is the primary key:
 * SQLite itself refuses a second claim on one device, whatever the application does.
 */
export class HostDevicesAndClaims1764380000000 implements MigrationInterface {
  name = 'HostDevicesAndClaims1764380000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "host_device" (
        "key" text PRIMARY KEY NOT NULL,
        "kind" text NOT NULL,
        "name" text NOT NULL,
        "facts" text NOT NULL,
        "present" integer NOT NULL,
        "first_seen_at" text NOT NULL,
        "last_seen_at" text NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE "device_claim" (
        "device_key" text PRIMARY KEY NOT NULL,
        "vnf_id" text NOT NULL REFERENCES "vnf" ("id") ON DELETE CASCADE,
        "slot" text,
        "kind" text NOT NULL,
        "name" text NOT NULL,
        "claimed_at" text NOT NULL
      )`);
    await runner.query(`CREATE INDEX "IDX_device_claim_vnf" ON "device_claim" ("vnf_id")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "device_claim"`);
    await runner.query(`DROP TABLE "host_device"`);
  }
}
