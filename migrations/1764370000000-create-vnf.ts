import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateVnf1764370000000 implements MigrationInterface {
  name = 'CreateVnf1764370000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "vnf" (
        "id" text PRIMARY KEY NOT NULL,
        "name" text NOT NULL,
        "spec" text NOT NULL,
        "spec_hash" text NOT NULL,
        "generation" integer NOT NULL,
        "observed_generation" integer NOT NULL DEFAULT (0),
        "phase" text NOT NULL,
        "pending_operation" text,
        "last_error" text,
        "last_reconciled_at" text,
        "created_at" text NOT NULL,
        "updated_at" text NOT NULL,
        CONSTRAINT "UQ_vnf_name" UNIQUE ("name")
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "vnf"`);
  }
}
