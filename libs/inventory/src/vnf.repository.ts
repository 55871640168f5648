import { VnfmError } from '../../core/src/index.js';
import type { Allocation } from '../../host-devices/src/index.js';
import type { VnfSpec } from '../../vnf/src/index.js';
import type { Database, Sql } from './database.js';
import { recordChange } from './change-log.js';
import { storeIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { CLAIM_COLUMNS, claimsOfVnf, loadDeviceState, type DeviceClaim, type DeviceState } from './device-state.js';
import { SELECT_VNF, columnsOf, forgetDecoded, macsOfSpec, recordFromRow, rowFromValues, type VnfChanges, type VnfPhase, type VnfRecord, type VnfRow } from './vnf-record.js';

/**
 * Decides, from the inventory and claims as of this moment (inside the write), what to store:
 * the row (or its changes) and the devices to claim. Throws to refuse; then nothing is written.
 */
export type ClaimPlanner<T> = (state: DeviceState) => T & { allocations: Allocation[] };

/** What insert stores: a whole new VNF. */
export type NewVnf = Omit<VnfRecord, 'spec' | 'specProblem'> & { spec: VnfSpec };

function constraintOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_CONSTRAINT')) return null;
  return (error as Error).message;
}

/** All VNF rows go through here. Reads answer at once; writes resolve once committed. */
export class VnfRepository {
  constructor(private readonly db: Database) {}

  findByName(name: string): VnfRecord | null {
    const row = this.db.read((sql) => selectOne(sql, `WHERE "name" = ?`, name));
    return row ? recordFromRow(row) : null;
  }

  findById(id: string): VnfRecord | null {
    const row = this.db.read((sql) => selectOne(sql, `WHERE "id" = ?`, id));
    return row ? recordFromRow(row) : null;
  }

  /** A VNF whose stored id is this UUID in another letter case (a damaged id: it still names its domain). */
  findByIdButForCase(uuid: string): VnfRecord | null {
    const row = this.db.read((sql) => selectOne(sql, `WHERE lower("id") = lower(?) AND "id" <> ?`, uuid, uuid));
    return row ? recordFromRow(row) : null;
  }

  /** Every VNF, by name. A row that cannot be decoded is listed with its problem, never skipped. */
  list(): VnfRecord[] {
    return this.db.read((sql) => selectMany(sql, `ORDER BY "name"`).map(recordFromRow));
  }

  /**
   * Up to `limit` VNFs by name after `afterName`, with that phase and every label selector
   * matching (`[key, undefined]`: the label is present). Indexed by name (unique), so a page
   * costs the same whatever the number of VNFs (label filters scan until the page is full).
   */
  page(query: { afterName?: string; limit: number; phase?: VnfPhase; labels: ReadonlyArray<readonly [string, string | undefined]> }): VnfRecord[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.afterName !== undefined) {
      where.push(`"name" > ?`);
      values.push(query.afterName);
    }
    if (query.phase !== undefined) {
      where.push(`"phase" = ?`);
      values.push(query.phase);
    }
    for (const [key, value] of query.labels) {
      where.push(`EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid("spec") THEN "spec" ELSE '{}' END, '$.labels') l WHERE l."key" = ?${value === undefined ? '' : ` AND l."value" = ?`})`);
      values.push(key, ...(value === undefined ? [] : [value]));
    }
    const rest = `${where.length > 0 ? `WHERE ${where.join(' AND ')} ` : ''}ORDER BY "name" LIMIT ?`;
    return this.db.read((sql) => selectMany(sql, rest, ...values, query.limit).map(recordFromRow));
  }

  /** Database.changeMark: equal marks, no row of any table changed in between. */
  changeMark(): string {
    return this.db.changeMark();
  }

  /** Every VNF's id and name, by name: what a pass needs to match rows with domains (each run reads its own row). */
  identities(): Array<{ id: string; name: string }> {
    return this.db.read((sql) => sql.prepare(`SELECT "id", "name" FROM "vnf" ORDER BY "name"`).all() as Array<{ id: string; name: string }>);
  }

  ids(): Set<string> {
    return new Set(this.db.read((sql) => (sql.prepare(`SELECT "id" FROM "vnf"`).all() as Array<{ id: string }>).map((row) => row.id)));
  }

  /** The name of the VNF (other than `exceptId`) using this MAC, or null (one indexed lookup). */
  macOwner(mac: string, exceptId?: string): string | null {
    const row = this.db.read(
      (sql) =>
        sql.prepare(`SELECT v."name" FROM "vnf_mac" m JOIN "vnf" v ON v."id" = m."vnf_id" WHERE m."mac" = ? AND m."vnf_id" IS NOT ?`).get(mac, exceptId ?? null) as
          | { name: string }
          | undefined,
    );
    return row?.name ?? null;
  }

  /**
   * Stores a new VNF, its MACs and its device claims in one unit: the planner sees the inventory
   * and every claim as of this moment. Refusals: name-taken, mac-in-use, device-taken,
   * idempotency-key-reused (the key, when given, is stored in the same unit).
   */
  insertClaiming(plan: ClaimPlanner<{ vnf: NewVnf }>, idempotency?: IdempotencyClaim): Promise<{ vnf: VnfRecord; allocations: Allocation[] }> {
    return this.db.write((sql) => {
      const { vnf, allocations } = plan(loadDeviceState(sql));
      try {
        sql
          .prepare(
            `INSERT INTO "vnf" ("id", "name", "spec", "spec_hash", "generation", "observed_generation", "phase", "pending_operation", "restart_required", "in_sync", "drift", "failure_count", "next_attempt_at", "shutdown_requested_at", "reboot_requested", "last_error", "last_reconciled_at", "created_at", "updated_at")
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            vnf.id, vnf.name, JSON.stringify(vnf.spec), vnf.specHash, vnf.generation, vnf.observedGeneration, vnf.phase, vnf.pendingOperation,
            vnf.restartRequired ? 1 : 0, vnf.inSync ? 1 : 0, JSON.stringify(vnf.drift), vnf.failureCount, vnf.nextAttemptAt, vnf.shutdownRequestedAt,
            vnf.rebootRequested ? 1 : 0, vnf.lastError === null ? null : JSON.stringify(vnf.lastError), vnf.lastReconciledAt, vnf.createdAt, vnf.updatedAt,
          );
      } catch (error) {
        if (constraintOf(error)) throw new VnfmError('name-taken', `a VNF named '${vnf.name}' already exists`, { field: 'name' });
        throw error;
      }
      writeMacs(sql, vnf.id, vnf.spec);
      writeClaims(sql, vnf.id, allocations, []);
      if (idempotency) storeIdempotencyKey(sql, idempotency, vnf, new Date());
      recordChange(sql, vnf, 'created');
      return { vnf: recordFromRow(selectOne(sql, `WHERE "id" = ?`, vnf.id)!), allocations };
    });
  }

  /**
   * Replaces a VNF's spec, MACs and claims in one unit. Devices the new spec no longer uses stay
   * held (slot null) until the old domain has let go of them. `null` changes: nothing to store.
   */
  replaceClaiming(id: string, plan: ClaimPlanner<{ changes: VnfChanges | null }>): Promise<{ vnf: VnfRecord; allocations: Allocation[]; changed: boolean }> {
    return this.db.write((sql) => {
      const { changes, allocations } = plan(loadDeviceState(sql));
      if (changes !== null) {
        updateRow(sql, id, changes);
        if (changes.spec) writeMacs(sql, id, changes.spec);
        writeClaims(sql, id, allocations, claimsOfVnf(sql, id));
      }
      const row = selectOne(sql, `WHERE "id" = ?`, id);
      if (!row) throw new VnfmError('not-found', `VNF ${id} is gone`);
      if (changes !== null) recordChange(sql, row, 'modified');
      return { vnf: recordFromRow(row), allocations, changed: changes !== null };
    });
  }

  /** What the planner would decide now; writes nothing (dry run). */
  preview<T>(plan: ClaimPlanner<T>): T & { allocations: Allocation[] } {
    return this.db.read((sql) => plan(loadDeviceState(sql)));
  }

  allClaims(): DeviceClaim[] {
    return this.db.read((sql) => sql.prepare(`SELECT ${CLAIM_COLUMNS} FROM "device_claim" ORDER BY "device_key"`).all() as DeviceClaim[]);
  }

  /** The claims of each of these VNFs, in one query (a page of VNFs). */
  claimsOfMany(vnfIds: readonly string[]): Map<string, DeviceClaim[]> {
    const claims = this.db.read(
      (sql) => sql.prepare(`SELECT ${CLAIM_COLUMNS} FROM "device_claim" WHERE "vnf_id" IN (SELECT "value" FROM json_each(?)) ORDER BY "device_key"`).all(JSON.stringify(vnfIds)) as DeviceClaim[],
    );
    const byVnf = new Map<string, DeviceClaim[]>(vnfIds.map((id) => [id, []]));
    for (const claim of claims) byVnf.get(claim.vnfId)?.push(claim);
    return byVnf;
  }

  claimsOf(vnfId: string): DeviceClaim[] {
    return this.db.read((sql) => claimsOfVnf(sql, vnfId));
  }

  /** Releases the devices a replace dropped, once the domain no longer runs the old definition. */
  releaseDroppedClaims(vnfId: string): Promise<string[]> {
    return this.db.write((sql) => {
      const dropped = sql.prepare(`SELECT "name" FROM "device_claim" WHERE "vnf_id" = ? AND "slot" IS NULL`).all(vnfId) as Array<{ name: string }>;
      sql.prepare(`DELETE FROM "device_claim" WHERE "vnf_id" = ? AND "slot" IS NULL`).run(vnfId);
      const vnf = sql.prepare(`SELECT "id", "name" FROM "vnf" WHERE "id" = ?`).get(vnfId) as { id: string; name: string } | undefined;
      if (dropped.length > 0 && vnf) recordChange(sql, vnf, 'modified');
      return dropped.map((claim) => claim.name);
    });
  }

  /** Updates the given fields of one VNF, stamping updatedAt; the record as stored after. */
  update(id: string, changes: VnfChanges): Promise<VnfRecord | null> {
    return this.db.write((sql) => {
      const updated = updateRow(sql, id, changes);
      const row = selectOne(sql, `WHERE "id" = ?`, id);
      if (updated && row) recordChange(sql, row, 'modified');
      return row ? recordFromRow(row) : null;
    });
  }

  /**
   * The same, unless the row changed since `updatedAt` (an API write came in between): then
   * nothing is written and the answer is false, so a late status write never overwrites intent.
   */
  updateIfUnchanged(id: string, updatedAt: string, changes: VnfChanges): Promise<boolean> {
    return this.db.write((sql) => {
      const updated = updateRow(sql, id, changes, updatedAt);
      const row = updated ? (sql.prepare(`SELECT "id", "name" FROM "vnf" WHERE "id" = ?`).get(id) as { id: string; name: string } | undefined) : undefined;
      if (row) recordChange(sql, row, 'modified');
      return updated;
    });
  }

  /** Forgets the VNF: its row, MACs, claims (cascade) and its events, in one unit. */
  delete(id: string): Promise<void> {
    return this.db.write((sql) => {
      const row = sql
        .prepare(`SELECT "id", "name", CASE WHEN json_valid("spec") THEN json_extract("spec", '$.labels') END AS "labels" FROM "vnf" WHERE "id" = ?`)
        .get(id) as { id: string; name: string; labels: string | null } | undefined;
      sql.prepare(`DELETE FROM "vnf" WHERE "id" = ?`).run(id);
      if (row) recordChange(sql, row, 'deleted', row.labels ?? '{}');
      sql.prepare(`DELETE FROM "vnf_event" WHERE "vnf_id" = ?`).run(id);
      forgetDecoded(id);
    });
  }
}

/** One `vnf` row by `rest` (a WHERE clause), read in raw mode (see SELECT_VNF). */
function selectOne(sql: Sql, rest: string, ...params: unknown[]): VnfRow | undefined {
  const values = sql.prepare(`${SELECT_VNF} ${rest}`).raw(true).get(...params) as unknown[] | undefined;
  return values ? rowFromValues(values) : undefined;
}

function selectMany(sql: Sql, rest: string, ...params: unknown[]): VnfRow[] {
  return (sql.prepare(`${SELECT_VNF} ${rest}`).raw(true).all(...params) as unknown[][]).map(rowFromValues);
}

function updateRow(sql: Sql, id: string, changes: VnfChanges, ifUpdatedAt?: string): boolean {
  const { assignments, values } = columnsOf(changes);
  const now = new Date().toISOString();
  const guard = ifUpdatedAt === undefined ? '' : ` AND "updated_at" = ?`;
  const result = sql
    .prepare(`UPDATE "vnf" SET ${[...assignments, `"updated_at" = ?`].join(', ')} WHERE "id" = ?${guard}`)
    .run(...values, now, id, ...(ifUpdatedAt === undefined ? [] : [ifUpdatedAt]));
  return result.changes > 0;
}

/** The spec's MACs become the VNF's rows in `vnf_mac` (primary key: a MAC is never stored twice). */
function writeMacs(sql: Sql, vnfId: string, spec: VnfSpec): void {
  sql.prepare(`DELETE FROM "vnf_mac" WHERE "vnf_id" = ?`).run(vnfId);
  const insert = sql.prepare(`INSERT INTO "vnf_mac" ("mac", "vnf_id") VALUES (?, ?)`);
  macsOfSpec(spec).forEach((mac, index) => {
    try {
      insert.run(mac, vnfId);
    } catch (error) {
      if (!constraintOf(error)) throw error;
      const owner = sql.prepare(`SELECT v."name" FROM "vnf_mac" m JOIN "vnf" v ON v."id" = m."vnf_id" WHERE m."mac" = ?`).get(mac) as { name: string } | undefined;
      const field = `interfaces[${index}].mac`;
      throw new VnfmError('mac-in-use', `${field} ${mac} is used by ${owner && owner.name ? `VNF '${owner.name}'` : 'another interface'}`, { field });
    }
  });
}

function writeClaims(sql: Sql, vnfId: string, allocations: readonly Allocation[], held: readonly DeviceClaim[]): void {
  const now = new Date().toISOString();
  const wanted = new Set(allocations.map((allocation) => allocation.key));
  for (const claim of held) {
    if (!wanted.has(claim.deviceKey) && claim.slot !== null) sql.prepare(`UPDATE "device_claim" SET "slot" = NULL WHERE "device_key" = ?`).run(claim.deviceKey);
  }
  const heldKeys = new Set(held.map((claim) => claim.deviceKey));
  for (const allocation of allocations) {
    if (heldKeys.has(allocation.key)) {
      sql.prepare(`UPDATE "device_claim" SET "slot" = ? WHERE "device_key" = ?`).run(allocation.slot, allocation.key);
      continue;
    }
    try {
      sql
        .prepare(`INSERT INTO "device_claim" ("device_key", "vnf_id", "slot", "kind", "name", "claimed_at") VALUES (?, ?, ?, ?, ?, ?)`)
        .run(allocation.key, vnfId, allocation.slot, allocation.kind, allocation.name, now);
    } catch (error) {
      if (constraintOf(error)) throw new VnfmError('device-taken', `${allocation.name} was claimed by another VNF at the same moment`, { field: allocation.slot });
      throw error;
    }
  }
}
