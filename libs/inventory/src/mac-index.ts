import type { Database } from './database.js';

/** The MACs the stored specs use, with their VNF: what vnf_mac indexes (a spec that is not JSON says nothing). */
const SPEC_MACS = `SELECT lower(json_extract(nic.value, '$.mac')) AS "mac", v."id" AS "vnf_id"
  FROM "vnf" v, json_each(v."spec", '$.interfaces') nic
  WHERE json_valid(v."spec") AND json_extract(nic.value, '$.mac') IS NOT NULL`;

/** The index rows that can be checked against a spec: all but those of VNFs whose spec is not JSON (kept as they are). */
const CHECKED_ROWS = `SELECT "mac", "vnf_id" FROM "vnf_mac" WHERE "vnf_id" NOT IN (SELECT "id" FROM "vnf" WHERE NOT json_valid("spec"))`;

/**
 * vnf_mac is how SQLite refuses one MAC to two VNFs; the specs are what it indexes. A row of it
 * damaged or lost would let a second VNF take a MAC in use, so at start it is compared with the
 * specs and, when they differ, made again from them (a MAC two specs name stays with the VNF
 * created first; the MACs of a VNF whose spec is not JSON stay as they were). Returns how many
 * rows differed. A rebuild that cannot be written (a full disk) is only logged: the start goes
 * on, not ready until the store takes writes, and the next start tries again.
 */
export async function repairMacIndex(db: Database, log?: (level: 'warn' | 'log', message: string) => void): Promise<number> {
  const differing = db.read(
    (sql) => sql.prepare(`SELECT (SELECT COUNT(*) FROM (${CHECKED_ROWS} EXCEPT ${SPEC_MACS})) + (SELECT COUNT(*) FROM (${SPEC_MACS} EXCEPT ${CHECKED_ROWS}))`).pluck().get() as number,
  );
  if (differing === 0) return 0;
  try {
    await db.write((sql) => {
      sql.prepare(`DELETE FROM "vnf_mac" WHERE "vnf_id" NOT IN (SELECT "id" FROM "vnf" WHERE NOT json_valid("spec"))`).run();
      sql.prepare(`INSERT OR IGNORE INTO "vnf_mac" ("mac", "vnf_id") ${SPEC_MACS} ORDER BY v."created_at"`).run();
    });
    log?.('warn', `vnf_mac (the index of the MACs in use) did not match the stored specs (${differing} rows differed): made again from the specs`);
  } catch (error) {
    log?.('warn', `vnf_mac (the index of the MACs in use) does not match the stored specs (${differing} rows differ), and could not be made again now: ${(error as Error).message}`);
  }
  return differing;
}
