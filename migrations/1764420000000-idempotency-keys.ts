import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idempotency_key`: every `Idempotency-Key` a POST /vnfs created a VNF under, with a hash of
 * its body and the first answer. The row is written in the same unit as the VNF, so a crash can
 * never keep one without the other; the primary key makes SQLite refuse a key twice, whatever
 * races the application loses. Rows are kept a day (purged by the next create), and outlive the
 * VNF they created, so a late retry never makes a second one.
 */
export class IdempotencyKeys1764420000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764420000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "idempotency_key" (
        "key" text PRIMARY KEY NOT NULL,
        "request_hash" text NOT NULL,
        "vnf_id" text NOT NULL,
        "vnf_name" text NOT NULL,
        "response" text,
        "created_at" text NOT NULL
      )`);
    await runner.query(`CREATE INDEX "IDX_idempotency_key_created" ON "idempotency_key" ("created_at")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "idempotency_key"`);
  }
}
