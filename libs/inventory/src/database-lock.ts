import { accessSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** Another process (another vnfm) already serves this database file. */
export class DatabaseInUseError extends Error {}

/** vnfm cannot write where the database lives (a read-only mount, an immutable file or folder, permissions). */
export class DatabaseNotWritableError extends Error {}

/** Held while this process serves a database file; `release()` is idempotent. */
export interface DatabaseLock {
  readonly path: string;
  release(): void;
}

/**
 * Where SQLite will put the database file: the path with every symlink followed, a dangling one
 * included (SQLite creates its target). Its folder may not exist yet.
 */
export function realDatabasePath(databasePath: string): string {
  let path = resolve(databasePath);
  for (let hops = 0; hops < 40; hops++) {
    const found = lstatSync(path, { throwIfNoEntry: false });
    if (found?.isSymbolicLink()) {
      path = resolve(dirname(path), readlinkSync(path));
      continue;
    }
    if (found) return realpathSync(path);
    return existsSync(dirname(path)) ? join(realpathSync(dirname(path)), basename(path)) : path;
  }
  throw new DatabaseNotWritableError(`${JSON.stringify(databasePath)} is a loop of symlinks (ELOOP): give vnfm a VNFM_DB_PATH that leads to a file`);
}

/**
 * Makes the folder the database file goes in (the real one, behind any symlink). When it cannot
 * be made, the reason is the first folder on the way that exists and cannot be written (mkdir
 * on a read-only mount answers ENOENT for the part it would have made, hiding the EROFS).
 */
export function makeDatabaseFolder(databasePath: string): void {
  const folder = dirname(realDatabasePath(databasePath));
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    let existing = dirname(folder);
    while (!existsSync(existing) && existing !== dirname(existing)) existing = dirname(existing);
    refuseUnwritable([existing]);
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DatabaseNotWritableError(`cannot make ${JSON.stringify(folder)}, the database's folder (${reason}): make it, or give vnfm another VNFM_DB_PATH`, { cause: error });
  }
}

/**
 * The lock file beside a database: `vnfm.db` is guarded by `vnfm.db.lock`, named from the file's
 * real path, so two spellings of one file (a symlink to it, `./`, a symlinked folder) meet at
 * one lock. The folder exists by now; the file may not yet.
 */
export function lockPathOf(databasePath: string): string {
  return `${realDatabasePath(databasePath)}.lock`;
}

/**
 * One database serves one vnfm. Two processes on one file would share the instance id, each
 * treating the other's fresh domains as its own and deciding on rows the other is writing.
 *
 * The lock is an SQLite exclusive lock on a small file beside the database, taken by a
 * transaction that is never committed: the kernel drops it when the process ends in any way
 * (kill -9 included), so a crash never leaves a stale lock to clean up, and it works on every
 * file system SQLite itself works on. The database file stays readable by other tools
 * (`sqlite3 vnfm.db .backup ...`) while vnfm runs.
 */
export function lockDatabaseFile(databasePath: string): DatabaseLock {
  const path = lockPathOf(databasePath);
  // Checked first: SQLite on a folder it cannot write answers the lock with SQLITE_BUSY, which
  // would read as another vnfm serving the file. The files are where SQLite puts them: beside the
  // database's real path (a symlink's target), like the lock.
  const real = path.slice(0, -'.lock'.length);
  refuseUnwritable([dirname(path), path, real, `${real}-wal`, `${real}-shm`]);
  refuseSecondNames(databasePath, real);
  let connection: BetterSqlite3.Database | undefined;
  try {
    connection = new BetterSqlite3(path, { timeout: 0 });
    connection.pragma('locking_mode = EXCLUSIVE');
    connection.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    connection?.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      const holder = lockHolderPid(path);
      throw new DatabaseInUseError(
        `${databasePath} is served by another vnfm (${holder === null ? 'it' : `process ${holder}`} holds ${path}): one database serves one vnfm; stop the other, or give this one its own VNFM_DB_PATH`,
      );
    }
    throw new Error(`cannot take ${path}, the lock beside the database (its folder must be writable): ${(error as Error).message}`, { cause: error });
  }
  const held = connection;
  try {
    refuseOtherOpeners(databasePath, real);
  } catch (error) {
    held.close();
    throw error;
  }
  return {
    path,
    release() {
      if (held.open) held.close();
    },
  };
}

/**
 * The processes that hold a lock on this file, as the kernel lists them in /proc/locks (`1: POSIX
 * ADVISORY WRITE <pid> <major>:<minor>:<inode> <start> <end>`, the device in hex); none when it
 * cannot be told (no /proc, a file system that keeps its locks elsewhere).
 */
export function lockHolders(path: string): number[] {
  const holders = new Set<number>();
  try {
    const { dev, ino } = statSync(path, { bigint: true });
    // glibc's dev_t encoding (gnu_dev_major, gnu_dev_minor).
    const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
    const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
    const file = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      // "->" marks a waiter for the lock, not its holder.
      if (fields[1] === '->') continue;
      if (fields[5] === file && /^[1-9][0-9]*$/.test(fields[4] ?? '')) holders.add(Number(fields[4]));
    }
  } catch {
    // Told without it.
  }
  return [...holders];
}

/** The first process that holds a lock on this file, or null. */
export function lockHolderPid(path: string): number | null {
  return lockHolders(path)[0] ?? null;
}

/**
 * Once this vnfm holds the lock beside the name it was given, no other process may have the
 * database file itself open: SQLite holds a lock on it for as long as a connection is open, so
 * another holder is a vnfm that serves the file under another name (it was moved or renamed
 * while served; a bind mount of the file alone), with a -wal of its own this one would not see,
 * or a tool (sqlite3) that must be closed first.
 */
function refuseOtherOpeners(databasePath: string, real: string): void {
  const others = lockHolders(real).filter((pid) => pid !== process.pid);
  if (others.length === 0) return;
  const named = others.map((pid) => `process ${pid}${commandOf(pid)}`).join(', ');
  throw new DatabaseInUseError(
    `${databasePath} is open in ${named}, though no vnfm holds ${real}.lock: a vnfm serving it under another name (moved or renamed while served, or bind-mounted elsewhere) would not see this one's writes, nor this one its; stop that process (or close the tool) and start vnfm again`,
  );
}

/** ` (its command)` from /proc, or nothing. */
function commandOf(pid: number): string {
  try {
    return ` (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`;
  } catch {
    return '';
  }
}

/**
 * A database file must have one name. SQLite names its -wal file and vnfm its lock after the name
 * it was given, so under a second name (a hard link) a second vnfm would take its own lock and
 * write its own -wal: it could not be seen, and the two would lose each other's writes and damage
 * the file. Refused under either name, whether or not the other is served (exit 4, like a lock
 * that is held): the other name is what must go.
 */
function refuseSecondNames(databasePath: string, real: string): void {
  const found = statSync(real, { throwIfNoEntry: false });
  if (!found || found.nlink <= 1) return;
  throw new DatabaseInUseError(
    `${databasePath} has ${found.nlink} names (hard links to ${real}, inode ${found.ino}): a vnfm serving it under another name could not be seen, and SQLite keeps a -wal per name, so two would damage it; remove the other names (find / -xdev -samefile ${JSON.stringify(real)}) and keep this one`,
  );
}

/**
 * Each path that exists must be writable by this process (the folder first: the others are made
 * in it). A file is opened for reading and writing, as SQLite opens it: access(2) calls an
 * append-only file writable, and SQLite then opens it read-only without a word, a connection that
 * never writes again (vnfm would serve "not ready" for ever).
 */
function refuseUnwritable(paths: readonly string[]): void {
  for (const path of paths) {
    const found = statSync(path, { throwIfNoEntry: false });
    if (!found) continue;
    try {
      if (found.isDirectory()) accessSync(path, constants.W_OK);
      else closeSync(openSync(path, constants.O_RDWR));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new DatabaseNotWritableError(
        `${JSON.stringify(path)} is not writable (${reason}): vnfm writes the database, its -wal and -shm files and its lock in the database's folder; make it writable, or give vnfm another VNFM_DB_PATH`,
        { cause: error },
      );
    }
  }
}

