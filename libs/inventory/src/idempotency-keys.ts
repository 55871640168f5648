import { VnfmError } from '../../core/src/index.js';
import type { Database, Sql } from './database.js';

/** How long a key is remembered: a client retrying later than this makes a new request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** A key as POST /vnfs stores it beside the VNF it created. */
export interface IdempotencyClaim {
  key: string;
  /** A hash of the request body as sent (canonical JSON), to tell a retry from a reuse. */
  requestHash: string;
}

export interface IdempotencyRecord extends IdempotencyClaim {
  vnfId: string;
  vnfName: string;
  /** The first answer's body; null until it was recorded (or when the process stopped before). */
  response: unknown;
  createdAt: string;
}

interface IdempotencyRow {
  key: string;
  request_hash: string;
  vnf_id: string;
  vnf_name: string;
  response: string | null;
  created_at: string;
}

/** A stored first answer; an unreadable one (a damaged row) reads as not recorded, like a crash before it was. */
function responseOf(text: string | null): unknown {
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function recordOf(row: IdempotencyRow): IdempotencyRecord {
  return {
    key: row.key,
    requestHash: row.request_hash,
    vnfId: row.vnf_id,
    vnfName: row.vnf_name,
    response: responseOf(row.response),
    createdAt: row.created_at,
  };
}

export function keyReused(key: string): VnfmError {
  return new VnfmError('idempotency-key-reused', `Idempotency-Key '${key}' was already used with another request body`, { field: 'Idempotency-Key' });
}

/**
 * Inside the VNF's insert unit: forgets expired keys, then stores this one. A key stored
 * meanwhile by a concurrent request is refused by the primary key (idempotency-key-reused).
 */
export function storeIdempotencyKey(sql: Sql, claim: IdempotencyClaim, vnf: { id: string; name: string }, now: Date): void {
  sql.prepare(`DELETE FROM "idempotency_key" WHERE "created_at" < ?`).run(new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS).toISOString());
  try {
    sql
      .prepare(`INSERT INTO "idempotency_key" ("key", "request_hash", "vnf_id", "vnf_name", "response", "created_at") VALUES (?, ?, ?, ?, NULL, ?)`)
      .run(claim.key, claim.requestHash, vnf.id, vnf.name, now.toISOString());
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) throw keyReused(claim.key);
    throw error;
  }
}

/** The stored keys: looked up before a create, answered with after. */
export class IdempotencyKeys {
  constructor(private readonly db: Database) {}

  /** The key if it is stored and not expired. */
  find(key: string, now = new Date()): IdempotencyRecord | null {
    const row = this.db.read((sql) => sql.prepare(`SELECT * FROM "idempotency_key" WHERE "key" = ? AND "created_at" >= ?`).get(key, new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS).toISOString()) as IdempotencyRow | undefined);
    return row ? recordOf(row) : null;
  }

  /** The first answer, for retries to get the same. */
  recordResponse(key: string, response: unknown): Promise<void> {
    return this.db.write((sql) => {
      sql.prepare(`UPDATE "idempotency_key" SET "response" = ? WHERE "key" = ?`).run(JSON.stringify(response), key);
    });
  }

  /** A create that was undone (libvirt refused the domain): a retry should try again. */
  forget(key: string): Promise<void> {
    return this.db.write((sql) => {
      sql.prepare(`DELETE FROM "idempotency_key" WHERE "key" = ?`).run(key);
    });
  }
}
