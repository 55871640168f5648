import type { Database, Sql } from './database.js';

export type ChangeKind = 'created' | 'modified' | 'deleted';

/** One committed change of a VNF; `id` orders them all, across restarts. */
export interface VnfChange {
  id: number;
  vnfId: string;
  vnfName: string;
  kind: ChangeKind;
  at: string;
  /** A deleted VNF's labels (null for other changes). */
  labels: Record<string, string> | null;
}

/** How many changes are kept for resuming watchers; older ones are pruned as new ones come. */
export const CHANGES_KEPT = 10_000;

/** Inside the unit that changes the VNF: records the change (and forgets the oldest beyond CHANGES_KEPT). */
export function recordChange(sql: Sql, vnf: { id: string; name: string }, kind: ChangeKind, labels: string | null = null): void {
  const { lastInsertRowid } = sql
    .prepare(`INSERT INTO "vnf_change" ("vnf_id", "vnf_name", "kind", "at", "labels") VALUES (?, ?, ?, ?, ?)`)
    .run(vnf.id, vnf.name, kind, new Date().toISOString(), labels);
  if (Number(lastInsertRowid) % 100 === 0) sql.prepare(`DELETE FROM "vnf_change" WHERE "id" <= ?`).run(Number(lastInsertRowid) - CHANGES_KEPT);
}

interface ChangeRow {
  id: number;
  vnf_id: string;
  vnf_name: string;
  kind: ChangeKind;
  at: string;
  labels: string | null;
}

function labelsOf(text: string | null): Record<string, string> | null {
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Reads the change log (the watch stream's source). */
export class ChangeLog {
  constructor(private readonly db: Database) {}

  /** Changes after `id`, oldest first, at most `limit`. */
  after(id: number, limit = 500): VnfChange[] {
    const rows = this.db.read((sql) => sql.prepare(`SELECT * FROM "vnf_change" WHERE "id" > ? ORDER BY "id" LIMIT ?`).all(id, limit) as ChangeRow[]);
    return rows.map((row) => ({ id: row.id, vnfId: row.vnf_id, vnfName: row.vnf_name, kind: row.kind, at: row.at, labels: row.kind === 'deleted' ? (labelsOf(row.labels) ?? {}) : null }));
  }

  /** The newest change's id (0 when there is none yet). */
  latest(): number {
    return this.db.read((sql) => (sql.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'vnf_change'`).get() as { seq: number } | undefined)?.seq ?? 0);
  }

  /** The oldest change still kept (null when the log is empty). */
  oldest(): number | null {
    return this.db.read((sql) => (sql.prepare(`SELECT min("id") AS id FROM "vnf_change"`).get() as { id: number | null }).id);
  }

  /** Called after every commit (a change may be in it). */
  onCommit(listener: () => void): () => void {
    return this.db.onCommit(listener);
  }
}
