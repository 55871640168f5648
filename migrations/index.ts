import { CreateVnf1764370000000 } from './1764370000000-create-vnf.js';
import { HostDevicesAndClaims1764380000000 } from './1764380000000-host-devices-and-claims.js';
import { VnfRestartRequired1764390000000 } from './1764390000000-vnf-restart-required.js';
import { ReconcilerStateAndEvents1764400000000 } from './1764400000000-reconciler-state-and-events.js';
import { MacsAndInstance1764410000000 } from './1764410000000-macs-and-instance.js';
import { IdempotencyKeys1764420000000 } from './1764420000000-idempotency-keys.js';
import { VnfChanges1764430000000 } from './1764430000000-vnf-changes.js';
import { InstanceId1764440000000 } from './1764440000000-instance-id.js';

/**
 * Every migration, oldest first. The schema changes only through these. A migration's `up()` only
 * issues statements (`runner.query(sql, parameters?)`) and reads nothing back: vnfm records them
 * and TypeORM replays them in a worker thread (libs/inventory/src/schema-migrations.ts), which
 * refuses, at start-up, a migration that uses the runner for anything else.
 */
export const migrations = [
  CreateVnf1764370000000,
  HostDevicesAndClaims1764380000000,
  VnfRestartRequired1764390000000,
  ReconcilerStateAndEvents1764400000000,
  MacsAndInstance1764410000000,
  IdempotencyKeys1764420000000,
  VnfChanges1764430000000,
  InstanceId1764440000000,
];
