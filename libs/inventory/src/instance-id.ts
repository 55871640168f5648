import { randomUUID } from 'node:crypto';
import { DatabaseDamagedError } from './data-source.js';
import type { Database } from './database.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * This vnfm's instance id: made once, kept in the database, written into every domain it owns.
 * A stored id that is not a UUID is a damaged database (exit 3 at start): a new id would make
 * every domain vnfm owns look foreign, and a damaged one must never reach domain XML.
 */
export async function loadInstanceId(db: Database): Promise<string> {
  const stored = db.read((sql) => sql.prepare(`SELECT "value" FROM "vnfm_meta" WHERE "key" = 'instance-id'`).get() as { value: unknown } | undefined);
  if (stored) {
    if (typeof stored.value === 'string' && UUID.test(stored.value)) return stored.value;
    throw new DatabaseDamagedError(`vnfm_meta's instance-id is damaged (${JSON.stringify(String(stored.value)).slice(0, 60)} is not a UUID): restore the database from a backup, or write this instance's id back`);
  }
  const id = randomUUID();
  await db.write((sql) => sql.prepare(`INSERT INTO "vnfm_meta" ("key", "value") VALUES ('instance-id', ?)`).run(id));
  return id;
}
