import type BetterSqlite3 from 'better-sqlite3';
import { VnfmError, messageOf } from '../../core/src/index.js';

export type Sql = BetterSqlite3.Database;

/** Whether the database takes writes now, and if not, why. */
export interface DatabaseHealth {
  writable: boolean;
  /** Why the last write failed (full disk, read-only file, I/O error), while not writable. */
  reason: string | null;
  since: string | null;
}

interface PendingWrite {
  unit: (sql: Sql) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** SQLite answers that say the storage, not the statement, is at fault. */
const STORAGE_FAULTS = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM|BUSY|LOCKED|PROTOCOL|NOLFS|AUTH)/;

export function isStorageFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_FAULTS.test(code);
}

/** A storage fault as the one error the rest of vnfm knows: 503 database-unavailable. */
export function databaseUnavailable(error: unknown): VnfmError {
  return new VnfmError('database-unavailable', `the database cannot store writes right now: ${messageOf(error)}`, { cause: error });
}

const MAX_BATCH = 256;
const MAX_CACHED_STATEMENTS = 500;

/**
 * Makes `sql.prepare(text)` answer the statement prepared for that text before: repositories
 * write their SQL inline, and compiling it again on every call was a large part of a request's
 * cost. A statement is reusable once its last run returned (every unit here runs to the end
 * synchronously). Texts built per call are bounded (column sets, filters); past the bound the
 * oldest statement is dropped.
 */
function cachePreparedStatements(sql: Sql): void {
  const prepare = sql.prepare.bind(sql);
  const statements = new Map<string, ReturnType<Sql['prepare']>>();
  (sql as { prepare: Sql['prepare'] }).prepare = ((source: string) => {
    const cached = statements.get(source);
    if (cached) return cached;
    const statement = prepare(source);
    if (statements.size >= MAX_CACHED_STATEMENTS) statements.delete(statements.keys().next().value!);
    statements.set(source, statement);
    return statement;
  }) as Sql['prepare'];
}

/**
 * The one SQLite connection (better-sqlite3, synchronous). vnfm owns every transaction boundary
 * here; nothing else opens one.
 *
 * - `read` runs a synchronous unit at once: it can never see another unit's uncommitted rows,
 *   because a write batch runs start to end without yielding.
 * - `write` resolves only after COMMIT returned (synchronous=FULL: the commit is on disk). Writes
 *   that arrive together share one transaction (group commit), each inside its own SAVEPOINT, so
 *   one unit's refusal rolls back only that unit. A failed COMMIT fails every unit in it with
 *   `database-unavailable`, the transaction is rolled back if SQLite left it open, and the
 *   health turns unwritable until a write (or the probe) commits again.
 */
export class Database {
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly commitListeners = new Set<() => void>();
  readonly health: DatabaseHealth = { writable: true, reason: null, since: null };
  /** Counters for /metrics. */
  readonly stats = { commits: 0, failedCommits: 0, writes: 0 };

  constructor(
    private readonly sql: Sql,
    private readonly options: { probeIntervalMs?: number; log?: (level: 'warn' | 'log', message: string) => void } = {},
  ) {
    cachePreparedStatements(sql);
  }

  /** Runs a read now. Storage faults become `database-unavailable`. */
  read<T>(unit: (sql: Sql) => T): T {
    this.refuseClosed();
    try {
      return unit(this.sql);
    } catch (error) {
      if (isStorageFault(error)) throw databaseUnavailable(error);
      throw error;
    }
  }

  /** Queues a write; resolves once it is committed and durable, rejects if it is not. */
  write<T>(unit: (sql: Sql) => T): Promise<T> {
    if (this.closed) return Promise.reject(databaseUnavailable(new Error('the database is closed')));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ unit, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Changes whenever what the file holds may have: a commit by another connection (SQLite's
   * data_version: `sqlite3` on the file, a restore) or any change made on this one (total_changes,
   * a rolled-back one included). Equal marks: nothing in the file changed in between.
   */
  changeMark(): string {
    const [dataVersion, totalChanges] = this.read((sql) => sql.prepare('SELECT data_version, total_changes() FROM pragma_data_version').raw(true).get()) as [number, number];
    return `${dataVersion}.${totalChanges}`;
  }

  /** Called after every committed batch (the watch stream reads what changed). */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** How many writes wait for the next commit (for /metrics). */
  get queued(): number {
    return this.pending.length;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.probeTimer);
    for (const write of this.pending.splice(0)) write.reject(databaseUnavailable(new Error('the database is closing')));
  }

  /**
   * A tiny write, to learn whether the store takes writes (at open, and every interval while it
   * does not). Never throws: the answer is in `health`.
   */
  async probe(): Promise<void> {
    await this.write((sql) =>
      sql.prepare(`INSERT INTO "vnfm_meta" ("key", "value") VALUES ('probe', ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`).run(new Date().toISOString()),
    ).catch(() => undefined);
  }

  /** `PRAGMA integrity_check`: 'ok', or what SQLite found wrong. */
  integrityProblems(): string[] {
    const rows = this.sql.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).filter((line) => line !== 'ok');
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0 && !this.closed) {
      const batch = this.pending.splice(0, MAX_BATCH);
      this.commitBatch(batch);
    }
  }

  private commitBatch(batch: PendingWrite[]): void {
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.sql.exec('BEGIN IMMEDIATE');
    } catch (error) {
      this.failAll(batch, error);
      return;
    }
    for (const write of batch) {
      try {
        this.sql.exec('SAVEPOINT unit');
        const value = write.unit(this.sql);
        this.sql.exec('RELEASE unit');
        results.push({ ok: true, value });
      } catch (error) {
        if (!this.sql.inTransaction || isStorageFault(error)) {
          // SQLite may have rolled the whole transaction back (SQLITE_FULL, IOERR): nothing of it stands.
          this.rollbackQuietly();
          this.failAll(batch, error);
          return;
        }
        try {
          this.sql.exec('ROLLBACK TO unit');
          this.sql.exec('RELEASE unit');
        } catch (rollbackError) {
          this.rollbackQuietly();
          this.failAll(batch, rollbackError);
          return;
        }
        results.push({ ok: false, error });
      }
    }
    try {
      this.sql.exec('COMMIT');
    } catch (error) {
      this.rollbackQuietly();
      this.failAll(batch, error);
      return;
    }
    this.stats.commits += 1;
    this.stats.writes += batch.length;
    this.markWritable();
    batch.forEach((write, index) => {
      const result = results[index]!;
      if (result.ok) write.resolve(result.value);
      else write.reject(result.error);
    });
    for (const listener of this.commitListeners) listener();
  }

  private failAll(batch: PendingWrite[], error: unknown): void {
    this.stats.failedCommits += 1;
    this.markUnwritable(error);
    const failure = databaseUnavailable(error);
    for (const write of batch) write.reject(failure);
  }

  private rollbackQuietly(): void {
    try {
      if (this.sql.inTransaction) this.sql.exec('ROLLBACK');
    } catch {
      // The connection will be asked again by the next batch; its BEGIN fails loudly if it is broken.
    }
  }

  private markUnwritable(error: unknown): void {
    if (this.health.writable) {
      this.health.writable = false;
      this.health.since = new Date().toISOString();
      this.options.log?.('warn', `database writes failing: ${messageOf(error)}; refusing writes until a commit succeeds`);
    }
    this.health.reason = messageOf(error);
    this.startProbe();
  }

  private markWritable(): void {
    if (this.health.writable) return;
    this.health.writable = true;
    this.health.reason = null;
    this.health.since = null;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.options.log?.('log', 'database writes succeed again');
  }

  /** While unwritable, a tiny write every interval finds out when the fault has cleared. */
  private startProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => void this.probe(), this.options.probeIntervalMs ?? 1_000);
    this.probeTimer.unref();
  }

  private refuseClosed(): void {
    if (this.closed) throw databaseUnavailable(new Error('the database is closed'));
  }
}
