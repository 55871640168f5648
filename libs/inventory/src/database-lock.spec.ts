import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseInUseError, lockDatabaseFile, lockHolderPid, lockPathOf } from './database-lock.js';

describe('lockDatabaseFile (a real SQLite lock on a real file)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vnfm-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a second holder of one database file is refused, naming both; after release the file can be taken again', () => {
    const path = join(dir, 'vnfm.db');
    const first = lockDatabaseFile(path);
    // The holder as the kernel lists it (read before the attempts below: one process's POSIX
    // locks go when it closes any descriptor of the file, as each attempt's checks do).
    expect(lockHolderPid(`${path}.lock`)).toBe(process.pid);
    expect(lockHolderPid(path)).toBeNull();
    expect(() => lockDatabaseFile(path)).toThrow(DatabaseInUseError);
    expect(() => lockDatabaseFile(path)).toThrow(`${path}.lock`);
    first.release();
    first.release();
    lockDatabaseFile(path).release();
  });

  it('two spellings of one file meet at one lock: a symlink to the file, a symlinked folder, ./', () => {
    const path = join(dir, 'vnfm.db');
    writeFileSync(path, '');
    symlinkSync(path, join(dir, 'alias.db'));
    symlinkSync(dir, join(dir, 'folder'));
    const held = lockDatabaseFile(path);
    for (const other of [join(dir, 'alias.db'), join(dir, 'folder', 'vnfm.db'), `${dir}/./vnfm.db`]) {
      expect(lockPathOf(other)).toBe(lockPathOf(path));
      expect(() => lockDatabaseFile(other), other).toThrow(DatabaseInUseError);
    }
    held.release();
  });

  it('a database file with a second name (a hard link) is refused under either name, held or not: SQLite keeps a -wal and a lock per name', () => {
    const path = join(dir, 'vnfm.db');
    const other = join(dir, 'copy.db');
    writeFileSync(path, '');
    const held = lockDatabaseFile(path);
    linkSync(path, other);
    for (const name of [other, path]) {
      expect(() => lockDatabaseFile(name), name).toThrow(DatabaseInUseError);
      expect(() => lockDatabaseFile(name), name).toThrow('has 2 names (hard links to');
    }
    held.release();
    expect(() => lockDatabaseFile(path)).toThrow(DatabaseInUseError);
    unlinkSync(other);
    lockDatabaseFile(path).release();
  });

  it('different files do not block each other', () => {
    const a = lockDatabaseFile(join(dir, 'a.db'));
    const b = lockDatabaseFile(join(dir, 'b.db'));
    a.release();
    b.release();
  });

  it('a lock that cannot be made says which file and why', () => {
    const path = join(dir, 'vnfm.db');
    mkdirSync(`${path}.lock`);
    expect(() => lockDatabaseFile(path)).toThrow(`cannot take ${path}.lock, the lock beside the database`);
  });
});
