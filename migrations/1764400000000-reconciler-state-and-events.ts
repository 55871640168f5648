import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the reconciler keeps per VNF across restarts (start backoff, shutdown deadline, one-shot
 * reboot, last drift) and the per-VNF event history.
 */
export class ReconcilerStateAndEvents1764400000000 implements MigrationInterface {
  name = 'ReconcilerStateAndEvents1764400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "vnf" ADD COLUMN "in_sync" integer NOT NULL DEFAULT (0)`);
    await runner.query(`ALTER TABLE "vnf" ADD COLUMN "drift" text NOT NULL DEFAULT ('[]')`);
    await runner.query(`ALTER TABLE "vnf" ADD COLUMN "failure_count" integer NOT NULL DEFAULT (0)`);
    await runner.query(`ALTER TABLE "vnf" ADD COLUMN "next_attempt_at" integer`);
    await runner.query(`ALTER TABLE "vnf" ADD COLUMN "shutdown_requested_at" integer`);
    await runner.query(`ALTER TABLE "vnf" ADD COLUMN "reboot_requested" integer NOT NULL DEFAULT (0)`);
    await runner.query(`
      CREATE TABLE "vnf_event" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "vnf_id" text NOT NULL,
        "vnf_name" text NOT NULL,
        "at" text NOT NULL,
        "type" text NOT NULL,
        "message" text NOT NULL
      )`);
    await runner.query(`CREATE INDEX "IDX_vnf_event_vnf" ON "vnf_event" ("vnf_id", "id")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "vnf_event"`);
    for (const column of ['reboot_requested', 'shutdown_requested_at', 'next_attempt_at', 'failure_count', 'drift', 'in_sync']) {
      await runner.query(`ALTER TABLE "vnf" DROP COLUMN "${column}"`);
    }
  }
}
