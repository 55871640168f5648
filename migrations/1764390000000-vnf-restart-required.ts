import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `restartRequired`: the definition changed under update strategy OnRestart and the guest still runs the old one. */
export class VnfRestartRequired1764390000000 implements MigrationInterface {
  name = 'VnfRestartRequired1764390000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "vnf" ADD COLUMN "restart_required" integer NOT NULL DEFAULT (0)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "vnf" DROP COLUMN "restart_required"`);
  }
}
