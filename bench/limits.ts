import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';

/** Median ms of one durable SQLite commit (WAL, synchronous=FULL, as vnfm runs) in `dir`: the fsync every write batch waits for, on vnfm's thread. */
export function durableCommitMs(dir: string): number {
  const file = join(dir, 'commit-probe.db');
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (a)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const times: number[] = [];
    for (let index = 0; index < 50; index += 1) {
      const started = performance.now();
      db.exec('BEGIN IMMEDIATE');
      insert.run(index);
      db.exec('COMMIT');
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[25]!;
  } finally {
    db.close();
    rmSync(file, { force: true });
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
  }
}

/** RSS (MiB) of a Node process that only loads `modules` (what the code alone keeps resident). */
export function rssAfterLoading(modules: string[]): number {
  const script = `${modules.map((module) => `await import(${JSON.stringify(module)});`).join('')} process.stdout.write(String(process.memoryUsage().rss));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() })) / 2 ** 20;
}
