import { recordChange } from './change-log.js';
import type { Database } from './database.js';

/** Events kept per VNF; older ones are pruned on insert. */
export const EVENTS_KEPT_PER_VNF = 200;

/** Something that happened to a VNF (defined, started, drift corrected, start-failed, ...). */
export interface VnfEvent {
  id: number;
  vnfId: string;
  vnfName: string;
  at: string;
  type: string;
  message: string;
}

export class VnfEventRepository {
  constructor(private readonly db: Database) {}

  record(vnfId: string, vnfName: string, type: string, message: string): Promise<void> {
    return this.recordMany(vnfId, vnfName, [{ type, message, at: new Date().toISOString() }]);
  }

  /** Several events of one VNF in one unit of work (one commit), oldest first. */
  recordMany(vnfId: string, vnfName: string, events: ReadonlyArray<{ type: string; message: string; at: string }>): Promise<void> {
    return this.db.write((sql) => {
      const insert = sql.prepare(`INSERT INTO "vnf_event" ("vnf_id", "vnf_name", "at", "type", "message") VALUES (?, ?, ?, ?, ?)`);
      for (const event of events) insert.run(vnfId, vnfName, event.at, event.type, event.message.slice(0, 4000));
      sql
        .prepare(`DELETE FROM "vnf_event" WHERE "vnf_id" = ? AND "id" <= (SELECT "id" FROM "vnf_event" WHERE "vnf_id" = ? ORDER BY "id" DESC LIMIT 1 OFFSET ?)`)
        .run(vnfId, vnfId, EVENTS_KEPT_PER_VNF);
      // Something happened to a VNF (a repair, a failure): its watchers look at it again.
      if (sql.prepare(`SELECT 1 FROM "vnf" WHERE "id" = ?`).get(vnfId)) recordChange(sql, { id: vnfId, name: vnfName }, 'modified');
    });
  }

  /** Newest last. */
  list(vnfId: string, limit = EVENTS_KEPT_PER_VNF): VnfEvent[] {
    return this.db.read(
      (sql) =>
        (sql
          .prepare(`SELECT "id", "vnf_id" AS "vnfId", "vnf_name" AS "vnfName", "at", "type", "message" FROM "vnf_event" WHERE "vnf_id" = ? ORDER BY "id" DESC LIMIT ?`)
          .all(vnfId, limit) as VnfEvent[]).reverse(),
    );
  }

  /** Removes the events of every id not in `keep` (deleted VNFs, orphans that are gone); how many went. */
  pruneAllBut(keep: ReadonlySet<string>): Promise<number> {
    return this.db.write((sql) => {
      const ids = (sql.prepare(`SELECT DISTINCT "vnf_id" AS "id" FROM "vnf_event"`).all() as Array<{ id: string }>).map((row) => row.id).filter((id) => !keep.has(id));
      const remove = sql.prepare(`DELETE FROM "vnf_event" WHERE "vnf_id" = ?`);
      return ids.reduce((count, id) => count + remove.run(id).changes, 0);
    });
  }
}
