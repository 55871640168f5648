import { randomUUID } from 'node:crypto';
import type { Database } from './database.js';

/** This vnfm's instance id: made once, kept in the database, written into every domain it owns. */
export async function loadInstanceId(db: Database): Promise<string> {
  const stored = db.read((sql) => sql.prepare(`SELECT "value" FROM "vnfm_meta" WHERE "key" = 'instance-id'`).get() as { value: string } | undefined);
  if (stored) return stored.value;
  const id = randomUUID();
  await db.write((sql) => sql.prepare(`INSERT INTO "vnfm_meta" ("key", "value") VALUES ('instance-id', ?)`).run(id));
  return id;
}
