import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `vnf_change`: one row for every committed change of a VNF's row (spec, status, claims, its
 * deletion), written in the same unit as the change; a deletion keeps the VNF's labels, so a
 * watcher filtering by label can tell whether the gone VNF was one of its own. Its AUTOINCREMENT id is the watch stream's
 * event id: durable and never reused, so `Last-Event-ID` resumes after a restart too.
 */
export class VnfChanges1764430000000 implements MigrationInterface {
  name = 'VnfChanges1764430000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "vnf_change" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "vnf_id" text NOT NULL,
        "vnf_name" text NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('created', 'modified', 'deleted')),
        "labels" text,
        "at" text NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "vnf_change"`);
  }
}
