import { DatabaseDamagedError } from './data-source.js';
import type { Database } from './database.js';
import { isUuid } from './uuid.js';

/**
 * This vnfm's instance id, written into every domain it owns. A migration makes it with the schema
 * (migrations/1764440000000-instance-id.ts), so a database that has none, or one that is not a
 * UUID, is damaged (exit 3 at start): a new id would make every domain vnfm owns look foreign,
 * and a damaged one must never reach domain XML.
 */
export function loadInstanceId(db: Database): string {
  const stored = db.read((sql) => sql.prepare(`SELECT "value" FROM "vnfm_meta" WHERE "key" = 'instance-id'`).get() as { value: unknown } | undefined);
  if (!stored) {
    throw new DatabaseDamagedError(
      `vnfm_meta has no instance-id, and every domain vnfm made carries it (<vnfm:instance> in virsh dumpxml): restore the database from a backup, or write this instance's id back (INSERT INTO vnfm_meta VALUES ('instance-id', '<that UUID>'))`,
    );
  }
  if (isUuid(stored.value)) return stored.value;
  throw new DatabaseDamagedError(`vnfm_meta's instance-id is damaged (${JSON.stringify(String(stored.value)).slice(0, 60)} is not a UUID): restore the database from a backup, or write this instance's id back`);
}
